/* MDMA driver (see mdma.h). Channel 0, software request, TRGM = repeated block: one
 * request moves BRC + 1 blocks of BNDT bytes, addresses incrementing by the beat (the
 * largest of 8/4/2/1 bytes that divides source, destination and length). A copy longer
 * than 4096 blocks of 64 KB is refused; one whose length is not a multiple of the block
 * takes a second request for the rest. Requests are chained from the interrupt (CTCIF). */
#include "platform/stm32h743/mdma.h"

#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"
#include "platform/stm32h743/mdma_regs.h"
#include "platform/stm32h743/qspi_regs.h"

#define MDMA_CH (&H7_MDMA->CH[0])
#define MDMA_MAX_BLOCK 65536u
#define MDMA_MAX_BLOCKS 4096u

typedef struct {
    uintptr_t dst, src;
    uint32_t n;
} mdma_job;

static volatile mdma_job queue[H7_MDMA_QUEUE];
static volatile unsigned head, tail; /* jobs [head, tail) mod H7_MDMA_QUEUE; head runs */
static volatile int running;
static volatile const char *error;
static volatile uint32_t error_cesr;

void h7_mdma_init(void) {
    H7_RCC->AHB3ENR |= H7_RCC_AHB3ENR_MDMAEN;
    (void)H7_RCC->AHB3ENR;
    MDMA_CH->CCR = 0;
    MDMA_CH->CIFCR = 0x1Fu;
    head = tail = 0;
    running = 0;
    error = NULL;
    h7_irq_enable(H7_IRQ_MDMA, 6);
}

static uint32_t beat_log2(uintptr_t a, uintptr_t b, uint32_t n) {
    uintptr_t v = a | b | n;
    return (v & 7u) == 0 ? 3u : (v & 3u) == 0 ? 2u : (v & 1u) == 0 ? 1u : 0u;
}

/* Starts as much of the head job as one request moves; the job keeps the rest. */
static void start_head(void) {
    volatile mdma_job *j = &queue[head % H7_MDMA_QUEUE];
    uint32_t sz = beat_log2(j->dst, j->src, j->n), beat = 1u << sz;
    uint32_t block = j->n <= MDMA_MAX_BLOCK ? j->n : MDMA_MAX_BLOCK - (MDMA_MAX_BLOCK % beat);
    uint32_t blocks = j->n / block;
    if (blocks > MDMA_MAX_BLOCKS) blocks = MDMA_MAX_BLOCKS;
    uint32_t tlen = H7_MDMA_TLEN_MAX + 1u; /* 128-byte buffers, a multiple of every beat */
    MDMA_CH->CIFCR = 0x1Fu;
    MDMA_CH->CTCR = H7_MDMA_CTCR_SWRM | (H7_MDMA_TRGM_REPEATED_BLOCK << H7_MDMA_CTCR_TRGM_Pos) |
                    ((tlen - 1u) << H7_MDMA_CTCR_TLEN_Pos) | (sz << H7_MDMA_CTCR_DINCOS_Pos) |
                    (sz << H7_MDMA_CTCR_SINCOS_Pos) | (sz << H7_MDMA_CTCR_DSIZE_Pos) |
                    (sz << H7_MDMA_CTCR_SSIZE_Pos) | (H7_MDMA_INC_UP << H7_MDMA_CTCR_DINC_Pos) |
                    (H7_MDMA_INC_UP << H7_MDMA_CTCR_SINC_Pos);
    MDMA_CH->CBNDTR = ((blocks - 1u) << H7_MDMA_CBNDTR_BRC_Pos) | (block & H7_MDMA_CBNDTR_BNDT);
    MDMA_CH->CSAR = (uint32_t)j->src;
    MDMA_CH->CDAR = (uint32_t)j->dst;
    MDMA_CH->CBRUR = 0;
    MDMA_CH->CLAR = 0;
    MDMA_CH->CTBR = 0; /* AXI on both sides (no TCM) */
    uint32_t moved = block * blocks;
    j->src += moved;
    j->dst += moved;
    j->n -= moved;
    running = 1;
    MDMA_CH->CCR = H7_MDMA_CCR_TEIE | H7_MDMA_CCR_CTCIE | H7_MDMA_CCR_EN;
    MDMA_CH->CCR = H7_MDMA_CCR_TEIE | H7_MDMA_CCR_CTCIE | H7_MDMA_CCR_EN | H7_MDMA_CCR_SWRQ;
}

void MDMA_IRQHandler(void) {
    uint32_t isr = MDMA_CH->CISR;
    if (isr & H7_MDMA_CISR_TEIF) {
        error_cesr = MDMA_CH->CESR;
        MDMA_CH->CCR = 0;
        MDMA_CH->CIFCR = 0x1Fu;
        error = (error_cesr & H7_MDMA_CESR_TED) ? "MDMA transfer error on the write side"
                                                : "MDMA transfer error on the read side";
        running = 0;
        head = tail;
        return;
    }
    if (isr & H7_MDMA_CISR_CTCIF) {
        MDMA_CH->CIFCR = 0x1Fu;
        running = 0;
        if (queue[head % H7_MDMA_QUEUE].n == 0) head++;
        if (head != tail) start_head();
    }
}

int h7_mdma_copy(void *dst, const void *src, size_t n) {
    if (error || n == 0) return error ? -1 : 0;
    if (n > (size_t)MDMA_MAX_BLOCK * MDMA_MAX_BLOCKS) return -1;
    uint32_t irq = h7_irq_save();
    if (tail - head >= H7_MDMA_QUEUE) {
        h7_irq_restore(irq);
        return -1;
    }
    volatile mdma_job *j = &queue[tail % H7_MDMA_QUEUE];
    j->dst = (uintptr_t)dst;
    j->src = (uintptr_t)src;
    j->n = (uint32_t)n;
    tail++;
    if (!running) start_head();
    h7_irq_restore(irq);
    return 0;
}

int h7_mdma_pending(void) { return (int)(tail - head); }

int h7_mdma_wait(uint32_t timeout_ms) {
    uint32_t start = h7_time_ms();
    while (tail != head && !error) {
        if (h7_time_ms() - start > timeout_ms) {
            uint32_t irq = h7_irq_save();
            MDMA_CH->CCR = 0;
            MDMA_CH->CIFCR = 0x1Fu;
            running = 0;
            head = tail;
            error = "MDMA transfer did not complete in time";
            h7_irq_restore(irq);
            break;
        }
        /* interrupts masked from the check to the WFI: a completion in between pends
         * the interrupt and WFI returns at once instead of sleeping to the next tick */
        uint32_t irq = h7_irq_save();
        if (tail != head && !error) h7_wfi();
        h7_irq_restore(irq);
    }
    return error ? -1 : 0;
}

const char *h7_mdma_error(void) { return (const char *)error; }

void h7_mdma_clear_error(void) { error = NULL; }
