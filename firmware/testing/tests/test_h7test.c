#include <string.h>

#include "testing/h7test.h"

H7_TEST(expectations_record_failures)
{
    /* Run a failing expectation inside the harness and check it was recorded. */
    h7test_current_failed = 0;
    h7test_quiet = 1;
    H7_EXPECT_EQ_INT(1, 2);
    h7test_quiet = 0;
    int recorded = h7test_current_failed;
    h7test_current_failed = 0;
    H7_EXPECT(recorded == 1);
}

H7_TEST(near_uses_tolerance)
{
    h7test_current_failed = 0;
    h7test_quiet = 1;
    H7_EXPECT_NEAR(1.0, 1.05, 0.01);
    h7test_quiet = 0;
    int recorded = h7test_current_failed;
    h7test_current_failed = 0;
    H7_EXPECT(recorded == 1);
    H7_EXPECT_NEAR(1.0, 1.005, 0.01);
}

int main(void)
{
    H7_RUN(expectations_record_failures);
    H7_RUN(near_uses_tolerance);
    return h7test_summary();
}
