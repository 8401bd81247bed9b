/* Host tests of the portable helpers: ring buffer, formatter, logger, JSON lines. */
#include <stdint.h>
#include <string.h>

#include "common/fmt.h"
#include "common/json.h"
#include "common/line.h"
#include "common/log.h"
#include "common/ring.h"
#include "testing/h7test.h"

/* ---- ring ---- */
H7_TEST(ring_rejects_non_power_of_two)
{
    uint8_t storage[12];
    h7_ring_t r;
    H7_EXPECT(!h7_ring_init(&r, storage, 12));
    H7_EXPECT_EQ_INT(h7_ring_write(&r, (const uint8_t *)"x", 1), 0);
    H7_EXPECT_EQ_INT(h7_ring_get(&r), -1);
}

H7_TEST(ring_fills_to_capacity_and_drains_in_order)
{
    uint8_t storage[8];
    h7_ring_t r;
    H7_EXPECT(h7_ring_init(&r, storage, 8));
    H7_EXPECT_EQ_INT(h7_ring_write(&r, (const uint8_t *)"abcdefghij", 10), 8);
    H7_EXPECT_EQ_INT(h7_ring_free(&r), 0);
    H7_EXPECT(!h7_ring_put(&r, 'z'));
    uint8_t out[16];
    H7_EXPECT_EQ_INT(h7_ring_read(&r, out, 3), 3);
    H7_EXPECT(memcmp(out, "abc", 3) == 0);
    H7_EXPECT_EQ_INT(h7_ring_write(&r, (const uint8_t *)"XYZ", 3), 3);
    H7_EXPECT_EQ_INT(h7_ring_read(&r, out, sizeof out), 8);
    H7_EXPECT(memcmp(out, "defghXYZ", 8) == 0);
    H7_EXPECT_EQ_INT(h7_ring_get(&r), -1);
}

H7_TEST(ring_survives_index_wraparound)
{
    uint8_t storage[4];
    h7_ring_t r;
    h7_ring_init(&r, storage, 4);
    r.head = r.tail = UINT32_MAX - 1u; /* indices about to wrap at 2^32 */
    H7_EXPECT_EQ_INT(h7_ring_write(&r, (const uint8_t *)"1234", 4), 4);
    H7_EXPECT_EQ_INT(h7_ring_used(&r), 4);
    uint8_t out[4];
    H7_EXPECT_EQ_INT(h7_ring_read(&r, out, 4), 4);
    H7_EXPECT(memcmp(out, "1234", 4) == 0);
    H7_EXPECT_EQ_INT(h7_ring_used(&r), 0);
}

/* the int16 sample ring (audio DMA interrupt -> main loop) */
H7_TEST(ring16_rejects_a_capacity_that_is_not_a_power_of_two)
{
    int16_t storage[8];
    h7_ring_t r;
    H7_EXPECT(!h7_ring_init16(&r, storage, 6));
    H7_EXPECT(h7_ring_init16(&r, storage, 8));
}

H7_TEST(ring16_keeps_order_across_wraparound)
{
    int16_t storage[8];
    h7_ring_t r;
    h7_ring_init16(&r, storage, 8);
    int16_t in[5], out[8];
    int16_t next = 0, expect = 0;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 5; i++)
            in[i] = next++;
        H7_EXPECT_EQ_INT(h7_ring_write16(&r, in, 5, 1), 5);
        H7_EXPECT_EQ_INT(h7_ring_used(&r), 5);
        H7_EXPECT_EQ_INT(h7_ring_read16(&r, out, 8), 5);
        for (int i = 0; i < 5; i++)
            H7_EXPECT_EQ_INT(out[i], expect++);
    }
}

H7_TEST(ring16_full_keeps_old_data_and_says_how_many_fitted)
{
    int16_t storage[8];
    h7_ring_t r;
    h7_ring_init16(&r, storage, 8);
    int16_t in[6] = {1, 2, 3, 4, 5, 6}, out[8];
    H7_EXPECT_EQ_INT(h7_ring_write16(&r, in, 6, 1), 6);
    H7_EXPECT_EQ_INT(h7_ring_write16(&r, in, 6, 1), 2); /* only 2 fit: the caller counts 4 */
    H7_EXPECT_EQ_INT(h7_ring_free(&r), 0);
    H7_EXPECT_EQ_INT(h7_ring_read16(&r, out, 8), 8);
    H7_EXPECT_EQ_INT(out[5], 6); /* old data intact, the newest dropped */
    H7_EXPECT_EQ_INT(out[7], 2);
}

H7_TEST(ring16_stride_two_keeps_the_left_channel)
{
    int16_t storage[8];
    h7_ring_t r;
    h7_ring_init16(&r, storage, 8);
    int16_t stereo[8] = {10, 0, 11, 0, 12, 0, 13, 0}, out[4];
    H7_EXPECT_EQ_INT(h7_ring_write16(&r, stereo, 4, 2), 4);
    H7_EXPECT_EQ_INT(h7_ring_read16(&r, out, 4), 4);
    H7_EXPECT_EQ_INT(out[0], 10);
    H7_EXPECT_EQ_INT(out[3], 13);
}

H7_TEST(ring_discard_empties_and_counts)
{
    int16_t storage[8];
    h7_ring_t r;
    h7_ring_init16(&r, storage, 8);
    int16_t in[5] = {1, 2, 3, 4, 5}, out[2];
    h7_ring_write16(&r, in, 5, 1);
    H7_EXPECT_EQ_INT(h7_ring_read16(&r, out, 2), 2);
    H7_EXPECT_EQ_INT(h7_ring_discard(&r), 3);
    H7_EXPECT_EQ_INT(h7_ring_used(&r), 0);
    H7_EXPECT_EQ_INT(h7_ring_write16(&r, in, 5, 1), 5);
    H7_EXPECT_EQ_INT(h7_ring_read16(&r, out, 1), 1);
    H7_EXPECT_EQ_INT(out[0], 1);
}

/* ---- formatter ---- */
H7_TEST(fmt_integers_width_and_strings)
{
    char b[64];
    h7_fmt(b, sizeof b, "%d|%5u|%-4s|%08x|%c|%%", -42, 7u, "ab", 0xBEEFu, 'Q');
    H7_EXPECT(strcmp(b, "-42|    7|ab  |0000beef|Q|%") == 0);
    h7_fmt(b, sizeof b, "%lld %llu %05d", (long long)INT64_MIN, (unsigned long long)UINT64_MAX, -12);
    H7_EXPECT(strcmp(b, "-9223372036854775808 18446744073709551615 -0012") == 0);
}

H7_TEST(fmt_truncates_and_terminates)
{
    char b[6];
    size_t n = h7_fmt(b, sizeof b, "hello world");
    H7_EXPECT_EQ_INT(n, 5);
    H7_EXPECT(strcmp(b, "hello") == 0);
}

H7_TEST(fmt_floats_without_libc_printf)
{
    char b[48];
    h7_fmt(b, sizeof b, "%f %.1f %.0f %.2f", 3.14159, -0.05, 2.5, 1e-9);
    H7_EXPECT(strcmp(b, "3.142 -0.1 3 0.00") == 0);
    h7_fmt_double(b, 1.5e20, 2);
    H7_EXPECT(strcmp(b, "1.50e+20") == 0);
    h7_fmt_double(b, 0.0 / 0.0, 2);
    H7_EXPECT(strcmp(b, "nan") == 0);
}

/* ---- logger and JSON ---- */
static char captured[1024];
static size_t captured_len;
static size_t capture(const char *data, size_t len)
{
    if (captured_len + len < sizeof captured) {
        memcpy(captured + captured_len, data, len);
        captured_len += len;
        captured[captured_len] = '\0';
    }
    return len;
}
static uint32_t fake_ms(void) { return 1234; }

H7_TEST(log_line_has_time_level_tag_and_newline)
{
    captured_len = 0;
    h7_log_set_writer(capture);
    h7_log_set_clock(fake_ms);
    h7_log_set_level(H7_LOG_INFO);
    H7_LOGI("demo", "x=%d", 5);
    H7_LOGD("demo", "hidden");
    H7_EXPECT(strcmp(captured, "[  1234] I demo: x=5\n") == 0);
}

H7_TEST(json_event_fields_and_escaping)
{
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "boot");
    h7_json_str(&j, "app", "a\"b\\c\n");
    h7_json_int(&j, "neg", -5);
    h7_json_uint(&j, "hz", 480000000u);
    h7_json_hex(&j, "cfsr", 0x8200u);
    h7_json_float(&j, "v", 1.25, 2);
    h7_json_float(&j, "bad", 1.0 / 0.0, 2);
    h7_json_bool(&j, "ok", true);
    size_t n = h7_json_end(&j);
    const char *want = "{\"event\":\"boot\",\"app\":\"a\\\"b\\\\c\\u000a\",\"neg\":-5,"
                       "\"hz\":480000000,\"cfsr\":\"0x00008200\",\"v\":1.25,\"bad\":null,"
                       "\"ok\":true}\n";
    H7_EXPECT(strcmp(buf, want) == 0);
    H7_EXPECT_EQ_INT(n, strlen(want));
}

H7_TEST(json_overflow_stays_valid_and_says_truncated)
{
    char buf[64];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "big");
    h7_json_str(&j, "a", "0123456789");
    h7_json_str(&j, "b", "0123456789012345678901234567890123456789");
    h7_json_uint(&j, "c", 1);
    h7_json_end(&j);
    H7_EXPECT(strcmp(buf, "{\"event\":\"big\",\"a\":\"0123456789\",\"c\":1,\"truncated\":true}\n") == 0);
    H7_EXPECT(strlen(buf) < sizeof buf);
}

H7_TEST(json_nested_objects_and_arrays)
{
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "kws_stats");
    h7_json_object(&j, "mode_ms");
    h7_json_uint(&j, "listen", 5);
    h7_json_uint(&j, "stop", 0);
    h7_json_close(&j);
    h7_json_array(&j, "opp");
    for (unsigned mhz = 64; mhz <= 480; mhz += 416) {
        h7_json_object(&j, NULL);
        h7_json_uint(&j, "mhz", mhz);
        h7_json_float(&j, "load", 0.5, 2);
        h7_json_close(&j);
    }
    h7_json_close(&j);
    h7_json_array(&j, "empty");
    h7_json_close(&j);
    h7_json_array(&j, "n");
    h7_json_int(&j, NULL, -1);
    h7_json_str(&j, NULL, "x");
    h7_json_uint(&j, "ok", 1); /* still open at the end: closed by h7_json_end */
    h7_json_end(&j);
    const char *want = "{\"event\":\"kws_stats\",\"mode_ms\":{\"listen\":5,\"stop\":0},"
                       "\"opp\":[{\"mhz\":64,\"load\":0.50},{\"mhz\":480,\"load\":0.50}],"
                       "\"empty\":[],\"n\":[-1,\"x\",1]}\n";
    H7_EXPECT(strcmp(buf, want) == 0);
}

H7_TEST(json_nested_overflow_stays_valid)
{
    char buf[72];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "big");
    h7_json_array(&j, "a");
    for (int i = 0; i < 40; i++)
        h7_json_uint(&j, NULL, 1234567u);
    h7_json_object(&j, NULL);   /* does not fit: left out with everything inside */
    h7_json_uint(&j, "x", 1);
    h7_json_close(&j);
    h7_json_end(&j);
    H7_EXPECT(strlen(buf) < sizeof buf);
    H7_EXPECT(strstr(buf, "],\"truncated\":true}\n") != NULL);
    const char *head = "{\"event\":\"big\",\"a\":[1234567,";
    H7_EXPECT(strncmp(buf, head, strlen(head)) == 0);
    H7_EXPECT(strstr(buf, "\"x\"") == NULL);
}

H7_TEST(json_uints_writes_a_table_of_counters_in_order)
{
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    const h7_json_uint_field_t counters[] = {{"a", 1}, {"big", 5000000000ull}, {"z", 0}};
    h7_json_begin(&j, buf, sizeof buf, "stats");
    h7_json_uints(&j, counters, 3);
    h7_json_end(&j);
    H7_EXPECT(strcmp(buf, "{\"event\":\"stats\",\"a\":1,\"big\":5000000000,\"z\":0}\n") == 0);
}

H7_TEST(json_emit_goes_through_the_log_writer)
{
    captured_len = 0;
    h7_log_set_writer(capture);
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "wake");
    h7_json_emit(&j);
    H7_EXPECT(strcmp(captured, "{\"event\":\"wake\"}\n") == 0);
}

static int feed_text(h7_line_t *line, const char *text)
{
    int last = H7_LINE_PENDING;
    for (; *text; text++)
        last = h7_line_feed(line, (unsigned char)*text);
    return last;
}

H7_TEST(line_ends_on_cr_or_lf_and_ignores_empty_lines)
{
    char buf[16];
    h7_line_t line;
    h7_line_init(&line, buf, sizeof buf);
    H7_EXPECT_EQ_INT(feed_text(&line, "opp 240"), H7_LINE_PENDING);
    H7_EXPECT_EQ_INT(h7_line_feed(&line, '\r'), H7_LINE_READY);
    H7_EXPECT(strcmp(buf, "opp 240") == 0);
    H7_EXPECT_EQ_INT(h7_line_feed(&line, '\n'), H7_LINE_PENDING); /* the LF of CRLF */
    H7_EXPECT_EQ_INT(feed_text(&line, "info\n"), H7_LINE_READY);
    H7_EXPECT(strcmp(buf, "info") == 0);
}

H7_TEST(line_backspace_and_overlong_lines)
{
    char buf[8];
    h7_line_t line;
    h7_line_init(&line, buf, sizeof buf);
    H7_EXPECT_EQ_INT(feed_text(&line, "ledx\b 1\n"), H7_LINE_READY);
    H7_EXPECT(strcmp(buf, "led 1") == 0);
    H7_EXPECT_EQ_INT(feed_text(&line, "0123456789\n"), H7_LINE_TOO_LONG);
    H7_EXPECT_EQ_INT(feed_text(&line, "ok\n"), H7_LINE_READY); /* the next line is whole */
    H7_EXPECT(strcmp(buf, "ok") == 0);
}

H7_TEST(line_uint_takes_whole_decimal_32_bit_numbers_only)
{
    uint32_t v = 7;
    H7_EXPECT(h7_line_uint("0", &v) && v == 0u);
    H7_EXPECT(h7_line_uint("4294967295", &v) && v == 4294967295u);
    v = 7;
    H7_EXPECT(!h7_line_uint("4294967296", &v) && v == 7u); /* overflow: out untouched */
    H7_EXPECT(!h7_line_uint("", &v));
    H7_EXPECT(!h7_line_uint("12a", &v));
    H7_EXPECT(!h7_line_uint(" 12", &v));
    H7_EXPECT(!h7_line_uint("-1", &v) && v == 7u);
}

int main(void)
{
    H7_RUN(ring_rejects_non_power_of_two);
    H7_RUN(line_ends_on_cr_or_lf_and_ignores_empty_lines);
    H7_RUN(line_backspace_and_overlong_lines);
    H7_RUN(line_uint_takes_whole_decimal_32_bit_numbers_only);
    H7_RUN(ring_fills_to_capacity_and_drains_in_order);
    H7_RUN(ring_survives_index_wraparound);
    H7_RUN(ring16_rejects_a_capacity_that_is_not_a_power_of_two);
    H7_RUN(ring16_keeps_order_across_wraparound);
    H7_RUN(ring16_full_keeps_old_data_and_says_how_many_fitted);
    H7_RUN(ring16_stride_two_keeps_the_left_channel);
    H7_RUN(ring_discard_empties_and_counts);
    H7_RUN(fmt_integers_width_and_strings);
    H7_RUN(fmt_truncates_and_terminates);
    H7_RUN(fmt_floats_without_libc_printf);
    H7_RUN(log_line_has_time_level_tag_and_newline);
    H7_RUN(json_event_fields_and_escaping);
    H7_RUN(json_overflow_stays_valid_and_says_truncated);
    H7_RUN(json_nested_objects_and_arrays);
    H7_RUN(json_nested_overflow_stays_valid);
    H7_RUN(json_uints_writes_a_table_of_counters_in_order);
    H7_RUN(json_emit_goes_through_the_log_writer);
    return h7test_summary();
}
