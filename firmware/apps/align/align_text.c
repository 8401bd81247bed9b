/* Text -> words, the rules of tools/h7speech/g2p.normalise in C (the host checks that both
 * give the same words: tools/h7align/tests/test_core.py): lower case; "&" and, "%" percent,
 * "+" plus; "-", "/", "_" split words; keep [a-z0-9.']; "." only before a digit; strip
 * apostrophes at the ends; numbers become words (cardinals, ordinals, decimals, years). */
#include <stdio.h>
#include <string.h>

#include "align_core.h"

typedef struct {
    char *out;
    size_t size, used;
    uint16_t *off;
    int max, n, err;
} sink_t;

static void put(sink_t *s, const char *w, size_t len)
{
    if (s->err) return;
    if (s->n >= s->max || s->used + len + 1 > s->size || len > ALIGN_WORD_MAX) { s->err = 1; return; }
    s->off[s->n++] = (uint16_t)s->used;
    memcpy(s->out + s->used, w, len);
    s->out[s->used + len] = 0;
    s->used += len + 1;
}

static void puts_(sink_t *s, const char *w) { put(s, w, strlen(w)); }

static const char *const ONES[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                                   "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
                                   "sixteen", "seventeen", "eighteen", "nineteen"};
static const char *const TENS[] = {"zero", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
                                   "eighty", "ninety"};

static void number(sink_t *s, uint64_t n)
{
    if (n < 20) { puts_(s, ONES[n]); return; }
    if (n < 100) { puts_(s, TENS[n / 10]); if (n % 10) number(s, n % 10); return; }
    if (n < 1000) { puts_(s, ONES[n / 100]); puts_(s, "hundred"); if (n % 100) number(s, n % 100); return; }
    static const uint64_t size[] = {1000000000ull, 1000000ull, 1000ull};
    static const char *const name[] = {"billion", "million", "thousand"};
    for (int k = 0; k < 3; k++)
        if (n >= size[k]) {
            number(s, n / size[k]);
            puts_(s, name[k]);
            if (n % size[k]) number(s, n % size[k]);
            return;
        }
}

static int isdig(char c) { return c >= '0' && c <= '9'; }

static void ordinalise(sink_t *s)
{
    /* the last word written becomes its ordinal */
    if (s->err || !s->n) return;
    char *w = s->out + s->off[s->n - 1];
    char buf[ALIGN_WORD_MAX + 8];
    static const char *const from[] = {"one", "two", "three", "five", "eight", "nine", "twelve"};
    static const char *const to[] = {"first", "second", "third", "fifth", "eighth", "ninth", "twelfth"};
    size_t L = strlen(w);
    buf[0] = 0;
    for (int k = 0; k < 7; k++)
        if (!strcmp(w, from[k])) snprintf(buf, sizeof buf, "%s", to[k]);
    if (!buf[0]) {
        if (L && w[L - 1] == 'y') snprintf(buf, sizeof buf, "%.*sieth", (int)(L - 1), w);
        else snprintf(buf, sizeof buf, "%sth", w);
    }
    s->used = s->off[--s->n];
    puts_(s, buf);
}

static uint64_t value(const char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (uint64_t)(p[i] - '0');
    return v;
}

static void digits(sink_t *s, const char *t, size_t n);

static void plain_number(sink_t *s, const char *t, size_t n)
{
    if (n > 12) {
        for (size_t i = 0; i < n; i++) puts_(s, ONES[t[i] - '0']);
        return;
    }
    uint64_t v = value(t, n);
    if (n == 4 && v >= 1100 && v <= 1999 && v % 100) {   /* years: nineteen ninety, nineteen oh five */
        number(s, v / 100);
        if (v % 100 < 10) puts_(s, "oh");
        number(s, v % 100);
        return;
    }
    number(s, v);
}

/* a token with a digit in it (g2p._digits) */
static void digits(sink_t *s, const char *t, size_t n)
{
    size_t d = 0;
    while (d < n && isdig(t[d])) d++;
    if (d && d + 2 == n) {
        const char *x = t + d;
        if (!memcmp(x, "st", 2) || !memcmp(x, "nd", 2) || !memcmp(x, "rd", 2) || !memcmp(x, "th", 2)) {
            number(s, value(t, d));   /* g2p: number_words (no year rule), then the ordinal */
            ordinalise(s);
            return;
        }
    }
    if (d && d < n && t[d] == '.' && d + 1 < n) {
        size_t e = d + 1;
        while (e < n && isdig(t[e])) e++;
        if (e == n) {
            digits(s, t, d);
            puts_(s, "point");
            for (size_t i = d + 1; i < n; i++) puts_(s, ONES[t[i] - '0']);
            return;
        }
    }
    if (d == n) { plain_number(s, t, n); return; }
    /* digits glued to other characters: runs of digits and of the rest */
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        int dig = isdig(t[i]);
        while (j < n && isdig(t[j]) == dig) j++;
        if (dig) digits(s, t + i, j - i);
        else put(s, t + i, j - i);
        i = j;
    }
}

int align_text_normalise(const char *text, size_t len, char *out, size_t out_size, uint16_t *offsets,
                         int max_words, char *msg, size_t msg_size)
{
    sink_t s = {out, out_size, 0, offsets, max_words, 0, 0};
    char tok[256];
    size_t i = 0;
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)text[k] > 127) {
            snprintf(msg, msg_size, "the transcript has a non-ASCII byte 0x%02x at position %u; write it in plain ASCII English",
                     (unsigned char)text[k], (unsigned)k);
            return -1;
        }
    while (i < len) {
        /* one whitespace-separated token, with the replacements applied */
        char raw[256];
        size_t rn = 0;
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r' ||
                           text[i] == '-' || text[i] == '/' || text[i] == '_' || text[i] == '\f' || text[i] == '\v'))
            i++;
        if (i >= len) break;
        while (i < len && !(text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r' ||
                            text[i] == '-' || text[i] == '/' || text[i] == '_' || text[i] == '\f' || text[i] == '\v')) {
            char c = text[i++];
            if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            const char *rep = c == '&' ? "and" : c == '%' ? "percent" : c == '+' ? "plus" : NULL;
            if (rep) {   /* a word of its own (" and "): ends the token before it */
                if (rn) { i--; break; }
                for (const char *r = rep; *r; r++) raw[rn++] = *r;
                break;
            }
            if (c == '`') c = '\'';
            if (rn < sizeof raw - 1) raw[rn++] = c;
            else { snprintf(msg, msg_size, "the transcript has a token longer than %u characters", (unsigned)sizeof raw - 1); return -1; }
        }
        /* keep [a-z0-9.'], drop '.' not before a digit, strip apostrophes at the ends */
        size_t tn = 0;
        for (size_t k = 0; k < rn; k++) {
            char c = raw[k];
            if ((c >= 'a' && c <= 'z') || isdig(c) || c == '.' || c == '\'') tok[tn++] = c;
        }
        size_t m = 0;
        for (size_t k = 0; k < tn; k++)
            if (tok[k] != '.' || (k + 1 < tn && isdig(tok[k + 1]))) tok[m++] = tok[k];
        size_t a = 0, b = m;
        while (a < b && tok[a] == '\'') a++;
        while (b > a && tok[b - 1] == '\'') b--;
        if (a == b) continue;
        int has_digit = 0;
        for (size_t k = a; k < b; k++) has_digit |= isdig(tok[k]);
        if (has_digit) digits(&s, tok + a, b - a);
        else put(&s, tok + a, b - a);
        if (s.err) {
            snprintf(msg, msg_size, "the transcript is too long for the board: at most %d words, %u bytes of words, %d letters a word",
                     max_words, (unsigned)out_size, ALIGN_WORD_MAX);
            return -1;
        }
    }
    if (!s.n) {
        int blank = 1;
        for (size_t k = 0; k < len; k++) blank &= text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r';
        snprintf(msg, msg_size, blank ? "the transcript is empty: give the words that were spoken"
                                      : "the transcript has no words (only punctuation or symbols)");
        return -1;
    }
    return s.n;
}
