/* QUADSPI driver (see qspi.h). Register fields from RM0433 23.5 (qspi_regs.h, checked
 * against ST's header); flash commands and timing from the W25Q64JV datasheet:
 * 9Fh JEDEC ID (EF 40 17), 05h/35h status registers 1/2 (BUSY = SR1 bit 0, QE = SR2
 * bit 1), EBh Fast Read Quad I/O: instruction on one line, 24-bit address and the mode
 * byte M7-0 on four, 4 dummy clocks, data on four; 133 MHz for every instruction but 03h. */
#include "platform/stm32h743/qspi.h"

#include <stddef.h>

#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"
#include "platform/stm32h743/qspi_regs.h"

#define QSPI_JEDEC_W25Q64JV 0xEF4017u
#define QSPI_CMD_READ_ID 0x9Fu
#define QSPI_CMD_READ_SR1 0x05u
#define QSPI_CMD_READ_SR2 0x35u
#define QSPI_CMD_FAST_READ_QUAD_IO 0xEBu
#define QSPI_SR1_BUSY 0x01u
#define QSPI_SR2_QE 0x02u
/* rcc_hclk3 is at most 240 MHz on the STM32H743 (DS12110): /2 gives 120 MHz <= 133 MHz at
 * every operating point, so a later change of point never overclocks the flash. */
#define QSPI_PRESCALER 1u
#define QSPI_FSIZE 22u  /* 2^(22+1) = 8 MB */
#define QSPI_CSHT 1u    /* nCS high 2 clocks between commands (tSHSL 10 ns at 120 MHz) */
#define QSPI_DUMMY 4u
#define QSPI_MODE_BYTE 0xFFu  /* M5-4 != 10: no continuous read mode */

static int qspi_ready;

/* NUCLEO-H743ZI2 has no QSPI flash: an external W25Q64JV module on the QUADSPI pins of the
 * Zio connectors (DS12110 alternate functions): CLK PB2 AF9, BK1_NCS PB6 AF10,
 * IO0 PD11 AF9, IO1 PD12 AF9, IO2 PE2 AF9, IO3 PD13 AF9. */
static void qspi_pin(int port, int pin, uint32_t af) {
    h7_gpio_t *g = H7_GPIO(port);
    H7_RCC->AHB4ENR |= H7_RCC_AHB4ENR_GPIOEN(port);
    g->MODER = (g->MODER & ~(3u << (2 * pin))) | (2u << (2 * pin));
    g->OSPEEDR |= 3u << (2 * pin);
    g->AFR[pin >> 3] = (g->AFR[pin >> 3] & ~(0xFu << (4 * (pin & 7)))) | (af << (4 * (pin & 7)));
}

static int qspi_idle(void) {
    return h7_wait_bits(&H7_QUADSPI->SR, H7_QUADSPI_SR_BUSY, 0, H7_WAIT_TRIES);
}

/* An indirect read of n (<= 4) bytes after a one-line instruction, data on one line. */
static int qspi_read_register(uint32_t instruction, uint32_t n, uint32_t *out) {
    if (!qspi_idle()) return -1;
    H7_QUADSPI->DLR = n - 1u;
    H7_QUADSPI->CCR = (H7_QSPI_FMODE_INDIRECT_READ << H7_QUADSPI_CCR_FMODE_Pos) |
                      (H7_QSPI_LINES_1 << H7_QUADSPI_CCR_DMODE_Pos) |
                      (H7_QSPI_LINES_1 << H7_QUADSPI_CCR_IMODE_Pos) | instruction;
    if (!h7_wait_bits(&H7_QUADSPI->SR, H7_QUADSPI_SR_TCF, H7_QUADSPI_SR_TCF, H7_WAIT_TRIES)) return -1;
    uint32_t word = H7_QUADSPI->DR;
    H7_QUADSPI->FCR = H7_QUADSPI_FCR_CTCF;
    *out = 0;
    for (uint32_t i = 0; i < n; i++) *out = (*out << 8) | ((word >> (8 * i)) & 0xFFu);
    return qspi_idle() ? 0 : -1;
}

int h7_qspi_ready(void) { return qspi_ready; }

int h7_qspi_init(h7_qspi_info_t *info) {
    info->jedec_id = 0;
    info->clock_hz = 0;
    info->error = NULL;
    qspi_ready = 0;
    H7_RCC->AHB3ENR |= H7_RCC_AHB3ENR_QSPIEN;
    (void)H7_RCC->AHB3ENR;
    H7_RCC->D1CCIPR &= ~H7_RCC_D1CCIPR_QSPISEL; /* rcc_hclk3 */
    qspi_pin(H7_PORT_B, 2, 9);
    qspi_pin(H7_PORT_B, 6, 10);
    qspi_pin(H7_PORT_D, 11, 9);
    qspi_pin(H7_PORT_D, 12, 9);
    qspi_pin(H7_PORT_E, 2, 9);
    qspi_pin(H7_PORT_D, 13, 9);
    H7_QUADSPI->CR = 0;
    H7_QUADSPI->DCR = (QSPI_FSIZE << H7_QUADSPI_DCR_FSIZE_Pos) | (QSPI_CSHT << H7_QUADSPI_DCR_CSHT_Pos);
    H7_QUADSPI->CR = (QSPI_PRESCALER << H7_QUADSPI_CR_PRESCALER_Pos) | H7_QUADSPI_CR_EN;
    h7_clock_info_t clk;
    h7_clock_read_info(&clk);
    info->clock_hz = clk.hclk_hz / (QSPI_PRESCALER + 1u);

    uint32_t id = 0, sr1 = QSPI_SR1_BUSY, sr2 = 0;
    if (qspi_read_register(QSPI_CMD_READ_ID, 3, &id) != 0) {
        info->error = "QUADSPI does not complete a command (busy for ever)";
        return -1;
    }
    info->jedec_id = id;
    if (id == 0xFFFFFFu || id == 0) {
        info->error = "no QSPI flash answers (JEDEC ID reads all ones or zeros)";
        return -1;
    }
    if (id != QSPI_JEDEC_W25Q64JV) {
        info->error = "QSPI flash is not a W25Q64JV (JEDEC ID differs from EF4017)";
        return -1;
    }
    for (uint32_t tries = 0; tries < 1000u && (sr1 & QSPI_SR1_BUSY); tries++)
        if (qspi_read_register(QSPI_CMD_READ_SR1, 1, &sr1) != 0) break;
    if (sr1 & QSPI_SR1_BUSY) {
        info->error = "QSPI flash stays busy (status register 1 BUSY)";
        return -1;
    }
    if (qspi_read_register(QSPI_CMD_READ_SR2, 1, &sr2) != 0 || !(sr2 & QSPI_SR2_QE)) {
        info->error = "QSPI flash has quad mode off (status register 2 QE = 0)";
        return -1;
    }
    if (!qspi_idle()) {
        info->error = "QUADSPI busy before memory-mapped mode";
        return -1;
    }
    H7_QUADSPI->ABR = QSPI_MODE_BYTE;
    H7_QUADSPI->CCR = (H7_QSPI_FMODE_MEMORY_MAPPED << H7_QUADSPI_CCR_FMODE_Pos) |
                      (H7_QSPI_LINES_4 << H7_QUADSPI_CCR_DMODE_Pos) | (QSPI_DUMMY << H7_QUADSPI_CCR_DCYC_Pos) |
                      (H7_QSPI_ABSIZE_8 << H7_QUADSPI_CCR_ABSIZE_Pos) |
                      (H7_QSPI_LINES_4 << H7_QUADSPI_CCR_ABMODE_Pos) |
                      (H7_QSPI_ADSIZE_24 << H7_QUADSPI_CCR_ADSIZE_Pos) |
                      (H7_QSPI_LINES_4 << H7_QUADSPI_CCR_ADMODE_Pos) |
                      (H7_QSPI_LINES_1 << H7_QUADSPI_CCR_IMODE_Pos) | QSPI_CMD_FAST_READ_QUAD_IO;
    qspi_ready = 1;
    return 0;
}
