#include "common/line.h"

void h7_line_init(h7_line_t *line, char *buf, size_t size)
{
    line->buf = buf;
    line->size = size;
    line->len = 0;
    line->overlong = false;
}

int h7_line_feed(h7_line_t *line, int c)
{
    if (c == '\r' || c == '\n') {
        int result = line->overlong ? H7_LINE_TOO_LONG
                                    : (line->len > 0 ? H7_LINE_READY : H7_LINE_PENDING);
        line->buf[line->len] = '\0';
        line->len = 0;
        line->overlong = false;
        return result;
    }
    if (c == 0x08 || c == 0x7F) {
        if (line->len > 0)
            line->len--;
    } else if (line->len + 1u < line->size) {
        line->buf[line->len++] = (char)c;
    } else {
        line->overlong = true;
    }
    return H7_LINE_PENDING;
}

bool h7_line_uint(const char *s, uint32_t *out)
{
    if (s == 0 || *s == '\0')
        return false;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10u + (uint64_t)(*s - '0');
        if (v > 0xFFFFFFFFu)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}
