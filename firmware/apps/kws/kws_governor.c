/* Recognition operating point from energy; see kws_governor.h. */
#include "apps/kws/kws_governor.h"

uint32_t kws_governor_run_us(uint32_t cycles, uint32_t hz)
{
    return hz ? (uint32_t)(((uint64_t)cycles * 1000000u + hz - 1u) / hz) : UINT32_MAX;
}

int kws_governor_pick(const kws_point_cost_t *points, int count, uint32_t cycles, uint32_t budget_us,
                      uint32_t wait_ua, uint32_t vdd_mv, uint32_t *energy_nj)
{
    int best = -1, fastest = -1;
    uint64_t best_nj = UINT64_MAX;
    for (int i = 0; i < count; i++) {
        uint32_t us = kws_governor_run_us(cycles, points[i].hz);
        uint32_t extra_ua = points[i].run_ua > wait_ua ? points[i].run_ua - wait_ua : 0u;
        /* us x uA x mV = 1e-15 J = 1e-6 nJ */
        uint64_t nj = ((uint64_t)us * extra_ua / 1000u) * vdd_mv / 1000u;
        if (energy_nj)
            energy_nj[i] = nj > UINT32_MAX ? UINT32_MAX : (uint32_t)nj;
        if (fastest < 0 || points[i].hz > points[fastest].hz)
            fastest = i;
        if (us <= budget_us && nj < best_nj) {
            best = i;
            best_nj = nj;
        }
    }
    return best >= 0 ? best : fastest;
}
