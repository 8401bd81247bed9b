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
 * Strings are escaped ("\\", "\"", control characters as \u00XX). If the buffer runs
 * out, the object is still valid JSON: fields that did not fit are left out and
 * "truncated":true is added.
 */
#ifndef H7_COMMON_JSON_H
#define H7_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H7_JSON_LINE_MAX 256

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool truncated;
} h7_json_t;

void h7_json_begin(h7_json_t *j, char *buf, size_t cap, const char *event);
void h7_json_str(h7_json_t *j, const char *key, const char *value);
void h7_json_int(h7_json_t *j, const char *key, int64_t value);
void h7_json_uint(h7_json_t *j, const char *key, uint64_t value);
void h7_json_hex(h7_json_t *j, const char *key, uint32_t value); /* "0x0000abcd" string */
void h7_json_float(h7_json_t *j, const char *key, double value, int decimals); /* NaN/inf: null */
void h7_json_bool(h7_json_t *j, const char *key, bool value);
/* Closes the object and adds '\n'; returns the line length (buf is NUL-terminated). */
size_t h7_json_end(h7_json_t *j);
/* h7_json_end, then writes the line through the logger's writer. */
void h7_json_emit(h7_json_t *j);

#endif /* H7_COMMON_JSON_H */
