/* Assembles console bytes into command lines, one byte at a time, so every image that
 * takes commands handles CR/LF, backspace and over-long lines the same way. */
#ifndef H7_COMMON_LINE_H
#define H7_COMMON_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf;      /* caller's storage; holds the NUL-terminated line when one is ready */
    size_t size;    /* bytes in buf, including the terminator */
    size_t len;
    bool overlong;  /* the line under way no longer fits: it is dropped at its end */
} h7_line_t;

enum {
    H7_LINE_PENDING = 0,   /* no complete line yet */
    H7_LINE_READY = 1,     /* buf holds a complete, non-empty line */
    H7_LINE_TOO_LONG = -1, /* a line ended that did not fit in buf; it was dropped */
};

void h7_line_init(h7_line_t *line, char *buf, size_t size);

/* Feeds one received byte. CR or LF ends a line (empty lines are ignored), backspace and
 * DEL remove the last byte. */
int h7_line_feed(h7_line_t *line, int c);

/* A command's number: all of s decimal digits, at most 32 bits. Returns false (out
 * untouched) for an empty string, any other character or an overflow. */
bool h7_line_uint(const char *s, uint32_t *out);

#endif
