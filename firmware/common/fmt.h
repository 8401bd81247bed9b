/*
 * Small printf-style formatter for firmware logs: no heap, no locale, no float printf
 * from the C library (which would pull tens of KB into the image).
 * Conversions: %d %i %u %x %X %s %c %p %% and %f (default 3 decimals, %.Nf for N<=9),
 * with flags '-' '0', a width, and the length modifiers l, ll, z.
 * Output is always NUL-terminated (if cap > 0) and truncated to fit; the return value
 * is the length written (not the length it would have needed).
 */
#ifndef H7_COMMON_FMT_H
#define H7_COMMON_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

size_t h7_vfmt(char *buf, size_t cap, const char *fmt, va_list ap);
size_t h7_fmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Number formatting used by the JSON writer too; each returns the length written
 * (buffers of 24 bytes always suffice for integers, 40 for floats). */
size_t h7_fmt_u64(char *out, uint64_t v, unsigned base, int upper);
size_t h7_fmt_i64(char *out, int64_t v);
/* Fixed-point text of v with `decimals` digits after the point (0..9); NaN and
 * infinities give "nan", "inf", "-inf"; |v| >= 1e15 switches to 1.234e+20 style. */
size_t h7_fmt_double(char *out, double v, int decimals);

#endif /* H7_COMMON_FMT_H */
