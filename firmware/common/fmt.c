#include "common/fmt.h"

#include <stdbool.h>

size_t h7_fmt_u64(char *out, uint64_t v, unsigned base, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0u);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1u - i];
    out[n] = '\0';
    return n;
}

size_t h7_fmt_i64(char *out, int64_t v)
{
    if (v < 0) {
        out[0] = '-';
        /* negate in unsigned arithmetic so INT64_MIN works */
        return 1u + h7_fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v, 10, 0);
    }
    return h7_fmt_u64(out, (uint64_t)v, 10, 0);
}

static size_t copy_str(char *out, const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        out[n] = s[n];
        n++;
    }
    out[n] = '\0';
    return n;
}

/* Fixed-point digits of a non-negative finite v below 1e15. */
static size_t fixed_point(char *out, double v, int decimals)
{
    uint64_t scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10u;
    uint64_t scaled = (uint64_t)(v * (double)scale + 0.5);
    uint64_t whole = scaled / scale;
    uint64_t frac = scaled % scale;
    size_t n = h7_fmt_u64(out, whole, 10, 0);
    if (decimals > 0) {
        out[n++] = '.';
        char digits[24];
        size_t nd = h7_fmt_u64(digits, frac, 10, 0);
        for (size_t i = nd; i < (size_t)decimals; i++)
            out[n++] = '0';
        for (size_t i = 0; i < nd; i++)
            out[n++] = digits[i];
    }
    out[n] = '\0';
    return n;
}

size_t h7_fmt_double(char *out, double v, int decimals)
{
    if (v != v)
        return copy_str(out, "nan");
    size_t n = 0;
    if (v < 0) {
        out[n++] = '-';
        v = -v;
    }
    if (v > 1.7976931348623157e308)
        return n + copy_str(out + n, "inf");
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    if (v < 1e15)
        return n + fixed_point(out + n, v, decimals);
    /* scientific: normalise to [1, 10) without libm */
    int exp10 = 0;
    while (v >= 10.0) {
        v /= 10.0;
        exp10++;
    }
    n += fixed_point(out + n, v, decimals < 1 ? 3 : decimals);
    out[n++] = 'e';
    out[n++] = '+';
    n += h7_fmt_u64(out + n, (uint64_t)exp10, 10, 0);
    return n;
}

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} sink_t;

static void put(sink_t *s, char c)
{
    if (s->len + 1u < s->cap)
        s->buf[s->len++] = c;
}

static void put_padded(sink_t *s, const char *text, size_t n, int width, bool left, char pad)
{
    /* zero padding goes after a leading sign */
    if (pad == '0' && !left && n > 0 && text[0] == '-') {
        put(s, '-');
        text++;
        n--;
        width--;
    }
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(s, pad);
    for (size_t i = 0; i < n; i++)
        put(s, text[i]);
    if (left)
        while (fill-- > 0)
            put(s, ' ');
}

size_t h7_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
    sink_t s = {buf, cap, 0};
    char num[48];
    while (*fmt != '\0') {
        if (*fmt != '%') {
            put(&s, *fmt++);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        int precision = -1;
        if (*fmt == '.') {
            fmt++;
            precision = 0;
            while (*fmt >= '0' && *fmt <= '9')
                precision = precision * 10 + (*fmt++ - '0');
        }
        int longs = 0;
        bool size_mod = false;
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        if (*fmt == 'z') {
            size_mod = true;
            fmt++;
        }
        char conv = *fmt;
        if (conv == '\0')
            break;
        fmt++;
        size_t n = 0;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = longs >= 2 ? va_arg(ap, long long) : longs == 1 ? va_arg(ap, long)
                      : size_mod ? (int64_t)va_arg(ap, long) : va_arg(ap, int);
            n = h7_fmt_i64(num, v);
            put_padded(&s, num, n, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs >= 2 ? va_arg(ap, unsigned long long)
                       : longs == 1 ? va_arg(ap, unsigned long)
                       : size_mod ? (uint64_t)va_arg(ap, size_t) : va_arg(ap, unsigned);
            n = h7_fmt_u64(num, v, conv == 'u' ? 10u : 16u, conv == 'X');
            put_padded(&s, num, n, width, left, pad);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            num[0] = '0';
            num[1] = 'x';
            n = 2u + h7_fmt_u64(num + 2, v, 16, 0);
            put_padded(&s, num, n, width, left, ' ');
            break;
        }
        case 'f': {
            double v = va_arg(ap, double);
            n = h7_fmt_double(num, v, precision < 0 ? 3 : precision);
            put_padded(&s, num, n, width, left, pad);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (str == 0)
                str = "(null)";
            size_t len = 0;
            while (str[len] != '\0' && (precision < 0 || len < (size_t)precision))
                len++;
            put_padded(&s, str, len, width, left, ' ');
            break;
        }
        case 'c':
            num[0] = (char)va_arg(ap, int);
            put_padded(&s, num, 1, width, left, ' ');
            break;
        case '%':
            put(&s, '%');
            break;
        default: /* unknown conversion: print it verbatim */
            put(&s, '%');
            put(&s, conv);
            break;
        }
    }
    if (cap > 0)
        buf[s.len < cap ? s.len : cap - 1u] = '\0';
    return s.len;
}

size_t h7_fmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = h7_vfmt(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
