/* MDMA driver: memory-to-memory copies in the background on channel 0 (RM0433 section 16),
 * software-requested repeated-block transfers, queued and chained from the MDMA interrupt.
 * The weights streamer (engine/weights_stream.h) uses it to prefetch layer weights from
 * the QSPI window into SRAM while the CPU computes. */
#ifndef H7_PLATFORM_STM32H743_MDMA_H
#define H7_PLATFORM_STM32H743_MDMA_H

#include <stddef.h>
#include <stdint.h>

#define H7_MDMA_QUEUE 8

/* Clock and interrupt. */
void h7_mdma_init(void);
/* Queues a copy of n bytes (any alignment; AXI-reachable memory, not the TCMs). 0, or -1
 * when the queue is full or an earlier copy failed (h7_mdma_error). */
int h7_mdma_copy(void *dst, const void *src, size_t n);
/* Queued or running copies left. */
int h7_mdma_pending(void);
/* Sleeps (WFI) until every queued copy is done, at most timeout_ms: 0 done, -1 a transfer
 * error or the timeout (the channel is stopped, the queue dropped; h7_mdma_error says
 * which, until h7_mdma_clear_error). The caller invalidates the destination in the D-cache
 * before the CPU reads it (h7_dcache_invalidate). */
int h7_mdma_wait(uint32_t timeout_ms);
const char *h7_mdma_error(void);
void h7_mdma_clear_error(void);

#endif
