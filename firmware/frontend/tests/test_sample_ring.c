/* Host unit tests of the SPSC sample ring. */
#include "frontend/sample_ring.h"
#include "testing/h7test.h"

static int16_t storage[8];
static h7ring_t ring;

H7_TEST(rejects_a_capacity_that_is_not_a_power_of_two)
{
    H7_EXPECT_EQ_INT(h7ring_init(&ring, storage, 6), -1);
    H7_EXPECT_EQ_INT(h7ring_init(&ring, storage, 8), 0);
}

H7_TEST(keeps_order_across_wraparound)
{
    h7ring_init(&ring, storage, 8);
    int16_t in[5], out[8];
    int16_t next = 0, expect = 0;
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 5; i++) in[i] = next++;
        H7_EXPECT_EQ_INT(h7ring_write(&ring, in, 5, 1), 5);
        H7_EXPECT_EQ_INT(h7ring_available(&ring), 5);
        H7_EXPECT_EQ_INT(h7ring_read(&ring, out, 8), 5);
        for (int i = 0; i < 5; i++) H7_EXPECT_EQ_INT(out[i], expect++);
    }
    H7_EXPECT_EQ_INT(atomic_load(&ring.overflow_events), 0);
}

H7_TEST(overflow_is_counted_not_silent)
{
    h7ring_init(&ring, storage, 8);
    int16_t in[6] = {1, 2, 3, 4, 5, 6}, out[8];
    H7_EXPECT_EQ_INT(h7ring_write(&ring, in, 6, 1), 6);
    H7_EXPECT_EQ_INT(h7ring_write(&ring, in, 6, 1), 2);   /* only 2 fit */
    H7_EXPECT_EQ_INT(atomic_load(&ring.overflow_events), 1);
    H7_EXPECT_EQ_INT(atomic_load(&ring.dropped_samples), 4);
    H7_EXPECT_EQ_INT(h7ring_space(&ring), 0);
    H7_EXPECT_EQ_INT(h7ring_read(&ring, out, 8), 8);
    H7_EXPECT_EQ_INT(out[5], 6);   /* old data intact, the newest dropped */
    H7_EXPECT_EQ_INT(out[7], 2);
}

H7_TEST(stride_two_keeps_the_left_channel)
{
    h7ring_init(&ring, storage, 8);
    int16_t stereo[8] = {10, 0, 11, 0, 12, 0, 13, 0}, out[4];
    H7_EXPECT_EQ_INT(h7ring_write(&ring, stereo, 4, 2), 4);
    H7_EXPECT_EQ_INT(h7ring_read(&ring, out, 4), 4);
    H7_EXPECT_EQ_INT(out[0], 10);
    H7_EXPECT_EQ_INT(out[3], 13);
}

int main(void)
{
    H7_RUN(rejects_a_capacity_that_is_not_a_power_of_two);
    H7_RUN(keeps_order_across_wraparound);
    H7_RUN(overflow_is_counted_not_silent);
    H7_RUN(stride_two_keeps_the_left_channel);
    return h7test_summary();
}
