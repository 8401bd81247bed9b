#include "common/log.h"

#include "common/fmt.h"

static h7_log_writer_t s_writer;
static h7_log_clock_t s_clock;
static h7_log_level_t s_level = H7_LOG_INFO;

void h7_log_set_writer(h7_log_writer_t writer) { s_writer = writer; }
void h7_log_set_clock(h7_log_clock_t clock_ms) { s_clock = clock_ms; }
void h7_log_set_level(h7_log_level_t max_level) { s_level = max_level; }

void h7_log_raw(const char *text, size_t len)
{
    if (s_writer != 0)
        s_writer(text, len);
}

void h7_log(h7_log_level_t level, const char *tag, const char *fmt, ...)
{
    if (level > s_level || s_writer == 0)
        return;
    static const char letters[] = "EWID";
    char line[H7_LOG_LINE_MAX];
    size_t n = 0;
    if (s_clock != 0)
        n = h7_fmt(line, sizeof line, "[%6u] ", (unsigned)s_clock());
    n += h7_fmt(line + n, sizeof line - n, "%c %s: ", letters[level], tag);
    va_list ap;
    va_start(ap, fmt);
    n += h7_vfmt(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    if (n >= sizeof line - 1u) /* truncated: keep the line a line */
        n = sizeof line - 2u;
    line[n++] = '\n';
    s_writer(line, n);
}

void h7_log_printf(const char *fmt, ...)
{
    if (s_writer == 0)
        return;
    char line[H7_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    size_t n = h7_vfmt(line, sizeof line, fmt, ap);
    va_end(ap);
    s_writer(line, n);
}
