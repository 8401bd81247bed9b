/*
 * Logger: human-readable lines "[<ms>] <L> <tag>: <message>" and machine events (one
 * JSON object per line, see common/json.h), both through one output function.
 *
 * The output goes to a writer set by the platform (the console on the board; a buffer
 * or stdout in host tests), so this module stays portable.
 */
#ifndef H7_COMMON_LOG_H
#define H7_COMMON_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum { H7_LOG_ERROR = 0, H7_LOG_WARN, H7_LOG_INFO, H7_LOG_DEBUG } h7_log_level_t;

typedef size_t (*h7_log_writer_t)(const char *data, size_t len);
typedef uint32_t (*h7_log_clock_t)(void);

void h7_log_set_writer(h7_log_writer_t writer);
void h7_log_set_clock(h7_log_clock_t clock_ms); /* timestamps; NULL prints no time */
void h7_log_set_level(h7_log_level_t max_level); /* lines above it are skipped */

void h7_log(h7_log_level_t level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes text as it is (no prefix, no newline added). */
void h7_log_raw(const char *text, size_t len);
/* printf-style text as it is. */
void h7_log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define H7_LOGE(tag, ...) h7_log(H7_LOG_ERROR, tag, __VA_ARGS__)
#define H7_LOGW(tag, ...) h7_log(H7_LOG_WARN, tag, __VA_ARGS__)
#define H7_LOGI(tag, ...) h7_log(H7_LOG_INFO, tag, __VA_ARGS__)
#define H7_LOGD(tag, ...) h7_log(H7_LOG_DEBUG, tag, __VA_ARGS__)

#define H7_LOG_LINE_MAX 160

#endif /* H7_COMMON_LOG_H */
