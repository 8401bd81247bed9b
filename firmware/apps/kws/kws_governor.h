/* The recognition operating point, chosen from energy: race-to-idle at 480 MHz against
 * slow-and-steady at a lower point. A model run of C cycles at point p takes C / f_p and
 * draws I_run(p) instead of the waiting current I_wait of the listening point, so it costs
 *
 *     E_p = C / f_p x (I_run(p) - I_wait) x VDD        (above the cost of waiting anyway)
 *
 * The cheapest point whose run fits the time budget wins (the budget keeps the front end
 * and the sample ring ahead: a slower run delays the decision and fills the ring). The
 * currents come from the datasheet table the simulator uses (tools/h7sim/energy.py,
 * generated into kws_energy.h by SConscript.firmware); C is measured by the boot run.
 * Portable C11: built for the chip and the host tests.
 */
#ifndef H7_APPS_KWS_GOVERNOR_H
#define H7_APPS_KWS_GOVERNOR_H

#include <stdint.h>

typedef struct {
    uint32_t hz;      /* core clock of the point */
    uint32_t run_ua;  /* supply current running there, microamps */
} kws_point_cost_t;

/* Index of the cheapest point for a run of `cycles` that takes at most budget_us; the
 * fastest point when none fits. energy_nj[i] (may be NULL) gets each point's E_p in nJ at
 * vdd_mv (0 where the point draws less than waiting, which cannot happen for the table's
 * points). */
int kws_governor_pick(const kws_point_cost_t *points, int count, uint32_t cycles, uint32_t budget_us,
                      uint32_t wait_ua, uint32_t vdd_mv, uint32_t *energy_nj);

/* Microseconds a run of `cycles` takes at hz. */
uint32_t kws_governor_run_us(uint32_t cycles, uint32_t hz);

#endif
