/*
 * JSON event lines: one object per line, starting with {"event":"<name>". Tests and
 * tools parse these from the console, e.g.
 *     {"event":"opp","mhz":480,"sysclk_hz":480000000,"vos":0,"flash_ws":4}
 *
 *     char buf[H7_JSON_LINE_MAX]; h7_json_t j;
 *     h7_json_begin(&j, buf, sizeof buf, "opp");
 *     h7_json_uint(&j, "mhz", 480);
 *     h7_json_emit(&j);              // ends the line and writes it through the logger
 *
 * Nested values: h7_json_object(&j, "mode_ms") / h7_json_array(&j, "opp") open one,
 * h7_json_close(&j) closes the innermost; inside an array pass key NULL (values and
 * objects without names). h7_json_end closes whatever is still open.
 *
 * Strings are escaped ("\\", "\"", control characters as \u00XX). If the buffer runs
 * out, the object is still valid JSON: fields (or whole nested values) that did not fit
 * are left out and "truncated":true is added at the top level.
 *
 * This is the one writer of console events: every event line goes through it, and
 * tools/h7voice/events.py is the one reader (where every event is documented).
 */
#ifndef H7_COMMON_JSON_H
#define H7_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H7_JSON_LINE_MAX 256
#define H7_JSON_MAX_DEPTH 8

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool truncated;
    uint8_t depth;      /* open nested values written */
    uint8_t skipped;    /* open nested values left out (did not fit, or too deep) */
    uint8_t is_array;   /* bit d: nesting level d+1 is an array */
    uint8_t has_items;  /* bit d: nesting level d+1 has a value already */
} h7_json_t;

void h7_json_begin(h7_json_t *j, char *buf, size_t cap, const char *event);
void h7_json_str(h7_json_t *j, const char *key, const char *value);
void h7_json_int(h7_json_t *j, const char *key, int64_t value);
void h7_json_uint(h7_json_t *j, const char *key, uint64_t value);
void h7_json_hex(h7_json_t *j, const char *key, uint32_t value); /* "0x0000abcd" string */
void h7_json_float(h7_json_t *j, const char *key, double value, int decimals); /* NaN/inf: null */
void h7_json_bool(h7_json_t *j, const char *key, bool value);
/* A run of unsigned fields from a table, for counters reported together (stats events):
 * one call and one table instead of one call per field. */
typedef struct {
    const char *key;
    uint64_t value;
} h7_json_uint_field_t;
void h7_json_uints(h7_json_t *j, const h7_json_uint_field_t *fields, size_t count);
void h7_json_object(h7_json_t *j, const char *key); /* opens "key":{ (key NULL in arrays) */
void h7_json_array(h7_json_t *j, const char *key);  /* opens "key":[ */
void h7_json_close(h7_json_t *j);                   /* closes the innermost one */
/* Closes the object and adds '\n'; returns the line length (buf is NUL-terminated). */
size_t h7_json_end(h7_json_t *j);
/* h7_json_end, then writes the line through the logger's writer. */
void h7_json_emit(h7_json_t *j);

#endif /* H7_COMMON_JSON_H */
