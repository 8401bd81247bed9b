/* QUADSPI driver: a 64 Mbit quad-SPI NOR flash (Winbond W25Q64JV) found, checked and put in
 * memory-mapped mode at 0x90000000 (RM0433 section 23; flash commands from the W25Q64JV
 * datasheet). Weights placed in the image's .qspi section are then readable in place
 * (slowly: a command per non-sequential read) and by the MDMA (mdma.h). */
#ifndef H7_PLATFORM_STM32H743_QSPI_H
#define H7_PLATFORM_STM32H743_QSPI_H

#include <stdint.h>

#define H7_QSPI_FLASH_BYTES (8u * 1024u * 1024u)
#define H7_QSPI_WINDOW 0x90000000u

typedef struct {
    uint32_t jedec_id;  /* manufacturer, type, capacity (0xEF4017 for the W25Q64JV) */
    uint32_t clock_hz;  /* the QUADSPI clock it runs at */
    const char *error;  /* NULL when ready, else one line saying why not */
} h7_qspi_info_t;

/* Clocks, pins, the flash's identity and quad mode, then memory-mapped Fast Read Quad I/O
 * (EBh). 0 when the window is readable; -1 with info->error set otherwise (no flash, a
 * different flash, quad mode off, busy for ever): nothing waits without a bound. */
int h7_qspi_init(h7_qspi_info_t *info);
/* Whether the window is readable now. */
int h7_qspi_ready(void);

#endif
