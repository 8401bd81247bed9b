/* Host unit tests of the recorder's phrase search (align_find.c) on synthetic scores whose
 * answer is known: a word's phones, 5 frames each, at a chosen frame, silence elsewhere. */
#include <string.h>

#include "apps/align/align_core.h"
#include "apps/align/align_find.h"
#include "testing/h7test.h"

#define FRAMES 400
#define NAT H7DEC_SCORE_ONE

static int32_t scores[FRAMES][H7DEC_PHONE_COUNT];
static align_find_t F;
static align_hit_t hits[16];
static int nhits;

static void on_hit(void *ctx, const align_hit_t *h)
{
    (void)ctx;
    if (nhits < 16) hits[nhits] = *h;
    nhits++;
}

/* every frame silence (SIL at 0 nats, the rest -10), then word's first pronunciation at
 * frame `at`, 5 frames a phone */
static void silence(void)
{
    for (int t = 0; t < FRAMES; t++)
        for (int p = 0; p < H7DEC_PHONE_COUNT; p++) scores[t][p] = p == H7DEC_PHONE_SIL ? 0 : -10 * NAT;
}

static int say(const char *word, int at)
{
    uint8_t pron[64];
    int used = 0;
    if (align_lex_pronounce(word, pron, sizeof pron, &used) < 1) return -1;
    int t = at;
    for (int i = 0; i < pron[0]; i++)
        for (int r = 0; r < 5; r++, t++)
            for (int p = 0; p < H7DEC_PHONE_COUNT; p++) scores[t][p] = p == pron[1 + i] ? 0 : -10 * NAT;
    return t;   /* the frame after the word */
}

static void start(int threshold_nats, const char *phrase)
{
    align_find_reset(&F, threshold_nats * NAT, on_hit, NULL);
    nhits = 0;
    H7_EXPECT_EQ_INT(align_find_add(&F, phrase, strlen(phrase)), ALIGN_OK);
}

static void feed(int from, int to)
{
    for (int t = from; t < to; t++) H7_EXPECT_EQ_INT(align_find_frame(&F, scores[t]), ALIGN_OK);
}

H7_TEST(a_phrase_in_a_segment_is_found_with_its_times)
{
    silence();
    int end = say("dog", 100);
    start(1, "dog");
    feed(0, 90);
    align_find_speech_start(&F, 100 * 20);
    feed(90, end + 10);
    align_find_speech_end(&F, end * 20);
    feed(end + 10, FRAMES);
    align_find_end(&F);
    H7_EXPECT_EQ_INT(nhits, 1);
    /* reported as the aligner reports frame boundaries: 20 t + 5 - 8 ms */
    H7_EXPECT(hits[0].start_ms >= 100 * 20 - 3 - 20 && hits[0].start_ms <= 100 * 20 - 3 + 20);
    H7_EXPECT(hits[0].end_ms >= end * 20 - 3 - 20 && hits[0].end_ms <= end * 20 - 3 + 20);
    H7_EXPECT(hits[0].score >= NAT);
    H7_EXPECT_EQ_INT(F.segments, 1);
    H7_EXPECT_EQ_INT(F.frames_lost, 0);
}

H7_TEST(speech_outside_every_segment_is_not_searched)
{
    silence();
    say("dog", 100);
    start(1, "dog");
    feed(0, FRAMES);   /* the detector never heard speech */
    align_find_end(&F);
    H7_EXPECT_EQ_INT(nhits, 0);
    H7_EXPECT_EQ_INT(F.segments, 0);
}

H7_TEST(a_segment_still_open_at_the_end_is_searched_to_the_last_frame)
{
    silence();
    int end = say("dog", 300);
    start(1, "dog");
    feed(0, 290);
    align_find_speech_start(&F, 300 * 20);
    feed(290, end);   /* the audio ends with the word */
    align_find_end(&F);
    H7_EXPECT_EQ_INT(nhits, 1);
    H7_EXPECT_EQ_INT(F.segments, 1);
}

H7_TEST(segments_with_overlapping_margins_are_both_searched)
{
    silence();
    int e1 = say("dog", 50);
    int e2 = say("dog", e1 + 4);   /* 80 ms later: the margins (100 ms) overlap */
    start(1, "dog");
    feed(0, 40);
    align_find_speech_start(&F, 50 * 20);
    feed(40, e1);
    align_find_speech_end(&F, e1 * 20);
    align_find_speech_start(&F, (e1 + 4) * 20);
    feed(e1, e2);
    align_find_speech_end(&F, e2 * 20);
    feed(e2, FRAMES);
    align_find_end(&F);
    H7_EXPECT_EQ_INT(F.segments, 2);
    H7_EXPECT_EQ_INT(F.frames_lost, 0);
    H7_EXPECT(nhits >= 2);
}

H7_TEST(a_decision_later_than_the_ring_loses_frames_and_says_so)
{
    silence();
    say("dog", 10);
    start(1, "dog");
    feed(0, 10 + ALIGN_FIND_RING + 20);   /* the start comes after its frames left the ring */
    align_find_speech_start(&F, 10 * 20);
    align_find_speech_end(&F, 25 * 20);
    feed(10 + ALIGN_FIND_RING + 20, FRAMES);
    align_find_end(&F);
    H7_EXPECT(F.frames_lost > 0);
    H7_EXPECT_EQ_INT(nhits, 0);
}

H7_TEST(a_segment_is_searched_to_its_end_margin_when_the_end_is_decided_a_hangover_late)
{
    /* the detector says "speech ended at e" 15 frames after e: by then the frames up to
     * e + 15 have arrived, and the search must still stop at e + ALIGN_FIND_MARGIN */
    silence();
    int end = say("dog", 100);
    start(1, "dog");
    feed(0, 98);
    align_find_speech_start(&F, 100 * 20);
    feed(98, end + 15);
    align_find_speech_end(&F, end * 20);
    feed(end + 15, FRAMES);
    align_find_end(&F);
    H7_EXPECT_EQ_INT(nhits, 1);
    H7_EXPECT_EQ_INT(F.frames_searched, (uint32_t)(end + ALIGN_FIND_MARGIN - (100 - ALIGN_FIND_MARGIN)));
}

H7_TEST(after_a_gap_the_search_reads_only_frames_after_it)
{
    /* the word before the gap is in frames the stream never delivered after it: a segment
     * starting right at the resume point searches from there, not from stale ring rows */
    silence();
    say("dog", 20);
    int end = say("dog", 200);
    start(1, "dog");
    feed(0, 60);
    H7_EXPECT_EQ_INT(align_find_resume(&F, 195), ALIGN_OK);   /* Stop from frame 60 to 195 */
    H7_EXPECT_EQ_INT(F.frames, 195);
    align_find_speech_start(&F, 197 * 20);                       /* margin reaches back to 192 */
    feed(195, end + 10);
    align_find_speech_end(&F, end * 20);
    feed(end + 10, FRAMES);
    align_find_end(&F);
    H7_EXPECT_EQ_INT(nhits, 1);
    /* its times count from the gap's end, where the decoders began */
    H7_EXPECT(hits[0].start_ms >= 200 * 20 - 3 - 20 && hits[0].start_ms <= 200 * 20 - 3 + 20);
    H7_EXPECT_EQ_INT(F.frames_lost, 0);
    H7_EXPECT_EQ_INT(F.frames_searched, (uint32_t)(end + 5 - 195));
    H7_EXPECT_EQ_INT(align_find_resume(&F, 10), ALIGN_ERR_STATE);   /* never backwards */
}

H7_TEST(bad_phrases_are_refused_with_a_message)
{
    align_find_reset(&F, -1, on_hit, NULL);
    H7_EXPECT_EQ_INT(align_find_add(&F, "caf\xe9", 4), ALIGN_ERR_TEXT);
    H7_EXPECT(strstr(F.msg, "non-ASCII") != NULL);
    H7_EXPECT_EQ_INT(align_find_add(&F, "   ", 3), ALIGN_ERR_TEXT);
    const char *many = "one two three four five six seven eight nine";
    H7_EXPECT(align_find_add(&F, many, strlen(many)) != ALIGN_OK);
    for (int k = 0; k < ALIGN_FIND_PHRASES; k++) H7_EXPECT_EQ_INT(align_find_add(&F, "dog", 3), ALIGN_OK);
    H7_EXPECT_EQ_INT(align_find_add(&F, "dog", 3), ALIGN_ERR_LIMIT);
    H7_EXPECT(strstr(F.msg, "at most 4") != NULL);
    align_find_reset(&F, -1, on_hit, NULL);
    H7_EXPECT_EQ_INT(align_find_add(&F, "dog", 3), ALIGN_OK);
    silence();
    H7_EXPECT_EQ_INT(align_find_frame(&F, scores[0]), ALIGN_OK);
    H7_EXPECT_EQ_INT(align_find_add(&F, "cat", 3), ALIGN_ERR_STATE);
}

int main(void)
{
    H7_RUN(a_phrase_in_a_segment_is_found_with_its_times);
    H7_RUN(speech_outside_every_segment_is_not_searched);
    H7_RUN(a_segment_still_open_at_the_end_is_searched_to_the_last_frame);
    H7_RUN(segments_with_overlapping_margins_are_both_searched);
    H7_RUN(a_decision_later_than_the_ring_loses_frames_and_says_so);
    H7_RUN(a_segment_is_searched_to_its_end_margin_when_the_end_is_decided_a_hangover_late);
    H7_RUN(after_a_gap_the_search_reads_only_frames_after_it);
    H7_RUN(bad_phrases_are_refused_with_a_message);
    return h7test_summary();
}
