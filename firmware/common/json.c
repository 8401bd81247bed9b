#include "common/json.h"

#include "common/fmt.h"
#include "common/log.h"

/* Room always kept free for ,"truncated":true}\n and the NUL, plus one closing bracket
 * per open nested value. */
#define CLOSING_RESERVE 21u

static bool fits(const h7_json_t *j, size_t n)
{
    return j->len + n + CLOSING_RESERVE + j->depth <= j->cap;
}

static void raw(h7_json_t *j, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        j->buf[j->len++] = s[i];
}

static size_t escaped_len(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        n += (c == '"' || c == '\\') ? 2u : (c < 0x20u) ? 6u : 1u;
    }
    return n;
}

static void escaped(h7_json_t *j, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            j->buf[j->len++] = '\\';
            j->buf[j->len++] = (char)c;
        } else if (c < 0x20u) {
            raw(j, "\\u00", 4);
            j->buf[j->len++] = hex[c >> 4];
            j->buf[j->len++] = hex[c & 15u];
        } else {
            j->buf[j->len++] = (char)c;
        }
    }
}

/* Bytes of the separator and "key": before a value at the current level. */
static size_t prefix_len(const h7_json_t *j, const char *key)
{
    bool comma = j->depth == 0 || ((j->has_items >> (j->depth - 1u)) & 1u);
    bool named = j->depth == 0 || !((j->is_array >> (j->depth - 1u)) & 1u);
    return (comma ? 1u : 0u) + (named ? 3u + escaped_len(key ? key : "") : 0u);
}

/* Writes the separator and "key": if `need` more bytes of value fit; false (truncated)
 * when they do not or when inside a nested value that was left out. */
static bool start_value(h7_json_t *j, const char *key, size_t need)
{
    if (j->cap == 0 || j->skipped) {
        j->truncated = true;
        return false;
    }
    size_t pre = prefix_len(j, key);
    if (!fits(j, pre + need)) {
        j->truncated = true;
        return false;
    }
    bool comma = j->depth == 0 || ((j->has_items >> (j->depth - 1u)) & 1u);
    bool named = j->depth == 0 || !((j->is_array >> (j->depth - 1u)) & 1u);
    if (comma)
        raw(j, ",", 1);
    if (named) {
        raw(j, "\"", 1);
        escaped(j, key ? key : "");
        raw(j, "\":", 2);
    }
    if (j->depth > 0)
        j->has_items |= (uint8_t)(1u << (j->depth - 1u));
    return true;
}

/* Adds [,]["key":] followed by `value` (already JSON text) if the whole field fits. */
static void field(h7_json_t *j, const char *key, const char *value, size_t value_len, bool quote)
{
    if (!start_value(j, key, value_len + (quote ? 2u : 0u)))
        return;
    if (quote)
        raw(j, "\"", 1);
    raw(j, value, value_len);
    if (quote)
        raw(j, "\"", 1);
}

void h7_json_begin(h7_json_t *j, char *buf, size_t cap, const char *event)
{
    j->buf = buf;
    j->cap = cap;
    j->len = 0;
    j->truncated = false;
    j->depth = j->skipped = j->is_array = j->has_items = 0;
    if (cap < 16u + CLOSING_RESERVE) {
        j->truncated = true;
        j->cap = 0;
        return;
    }
    size_t need = 11u + escaped_len(event);
    if (!fits(j, need)) {
        event = "?";
        j->truncated = true;
    }
    raw(j, "{\"event\":\"", 10);
    escaped(j, event);
    raw(j, "\"", 1);
}

void h7_json_str(h7_json_t *j, const char *key, const char *value)
{
    if (!start_value(j, key, 2u + escaped_len(value)))
        return;
    raw(j, "\"", 1);
    escaped(j, value);
    raw(j, "\"", 1);
}

void h7_json_int(h7_json_t *j, const char *key, int64_t value)
{
    char num[24];
    size_t n = h7_fmt_i64(num, value);
    field(j, key, num, n, false);
}

void h7_json_uint(h7_json_t *j, const char *key, uint64_t value)
{
    char num[24];
    size_t n = h7_fmt_u64(num, value, 10, 0);
    field(j, key, num, n, false);
}

void h7_json_hex(h7_json_t *j, const char *key, uint32_t value)
{
    char num[12] = "0x";
    char digits[12];
    size_t n = h7_fmt_u64(digits, value, 16, 0);
    size_t k = 2;
    for (size_t i = n; i < 8u; i++)
        num[k++] = '0';
    for (size_t i = 0; i < n; i++)
        num[k++] = digits[i];
    field(j, key, num, k, true);
}

void h7_json_float(h7_json_t *j, const char *key, double value, int decimals)
{
    if (value != value || value > 1.7976931348623157e308 || value < -1.7976931348623157e308) {
        field(j, key, "null", 4, false); /* JSON has no NaN or infinity */
        return;
    }
    char num[48];
    size_t n = h7_fmt_double(num, value, decimals);
    field(j, key, num, n, false);
}

void h7_json_bool(h7_json_t *j, const char *key, bool value)
{
    field(j, key, value ? "true" : "false", value ? 4u : 5u, false);
}

void h7_json_uints(h7_json_t *j, const h7_json_uint_field_t *fields, size_t count)
{
    for (size_t i = 0; i < count; i++)
        h7_json_uint(j, fields[i].key, fields[i].value);
}

static void open_nested(h7_json_t *j, const char *key, bool array)
{
    /* room for the opening and its closing bracket (reserved by fits from now on) */
    if (j->depth + j->skipped >= H7_JSON_MAX_DEPTH || !start_value(j, key, 2u)) {
        j->truncated = true;
        j->skipped++;
        return;
    }
    raw(j, array ? "[" : "{", 1);
    uint8_t bit = (uint8_t)(1u << j->depth);
    j->is_array = (uint8_t)(array ? (j->is_array | bit) : (j->is_array & ~bit));
    j->has_items = (uint8_t)(j->has_items & ~bit);
    j->depth++;
}

void h7_json_object(h7_json_t *j, const char *key) { open_nested(j, key, false); }

void h7_json_array(h7_json_t *j, const char *key) { open_nested(j, key, true); }

void h7_json_close(h7_json_t *j)
{
    if (j->skipped) {
        j->skipped--;
        return;
    }
    if (j->depth == 0)
        return;
    j->depth--;
    raw(j, ((j->is_array >> j->depth) & 1u) ? "]" : "}", 1);
}

size_t h7_json_end(h7_json_t *j)
{
    if (j->cap == 0) /* buffer too small for any valid object: write nothing */
        return 0;
    while (j->skipped || j->depth)
        h7_json_close(j);
    if (j->truncated)
        raw(j, ",\"truncated\":true", 17);
    raw(j, "}\n", 2);
    j->buf[j->len] = '\0';
    return j->len;
}

void h7_json_emit(h7_json_t *j)
{
    size_t n = h7_json_end(j);
    if (n > 0)
        h7_log_raw(j->buf, n);
}
