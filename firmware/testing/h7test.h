/* Minimal unit-test harness for host tests of portable C.
 *
 *   H7_TEST(name) { H7_EXPECT(cond); H7_EXPECT_EQ_INT(a, b); }
 *   int main(void) { H7_RUN(name); return h7test_summary(); }
 *
 * The last line printed is "N passed, N failed", which the test scripts add up.
 */
#ifndef H7_TESTING_H7TEST_H
#define H7_TESTING_H7TEST_H

#include <math.h>
#include <stdio.h>

static int h7test_passed, h7test_failed, h7test_current_failed;
/* Set by the harness's own self-test while it provokes failures on purpose. */
static int h7test_quiet;

#define H7_TEST(name) static void name(void)

#define H7_EXPECT(cond)                                                            \
    do {                                                                           \
        if (!(cond)) {                                                             \
            if (!h7test_quiet) printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);               \
            h7test_current_failed = 1;                                             \
        }                                                                          \
    } while (0)

#define H7_EXPECT_EQ_INT(a, b)                                                     \
    do {                                                                           \
        long long h7_a = (long long)(a), h7_b = (long long)(b);                    \
        if (h7_a != h7_b) {                                                        \
            if (!h7test_quiet) printf("  FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__, __LINE__,  \
                   #a, #b, h7_a, h7_b);                                            \
            h7test_current_failed = 1;                                             \
        }                                                                          \
    } while (0)

#define H7_EXPECT_NEAR(a, b, tol)                                                  \
    do {                                                                           \
        double h7_a = (double)(a), h7_b = (double)(b);                             \
        if (!(fabs(h7_a - h7_b) <= (tol))) {                                       \
            if (!h7test_quiet) printf("  FAIL %s:%d: %s ~= %s (%g vs %g, tol %g)\n", __FILE__,        \
                   __LINE__, #a, #b, h7_a, h7_b, (double)(tol));                   \
            h7test_current_failed = 1;                                             \
        }                                                                          \
    } while (0)

#define H7_RUN(name)                                                               \
    do {                                                                           \
        h7test_current_failed = 0;                                                 \
        name();                                                                    \
        if (h7test_current_failed) {                                               \
            h7test_failed++;                                                       \
            printf("FAIL %s\n", #name);                                            \
        } else {                                                                   \
            h7test_passed++;                                                       \
            printf("ok   %s\n", #name);                                            \
        }                                                                          \
    } while (0)

static inline int h7test_summary(void)
{
    printf("%d passed, %d failed\n", h7test_passed, h7test_failed);
    return h7test_failed ? 1 : 0;
}

#endif
