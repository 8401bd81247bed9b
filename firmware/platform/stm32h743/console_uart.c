/*
 * Console on USART3 (PD8 TX, PD9 RX, AF7; ST-LINK virtual COM port), 115200 8N1.
 *
 * The kernel clock is HSI 64 MHz whatever the operating point, so BRR never changes.
 * TX: bytes go into a ring that the TXE interrupt drains, so writers never wait for the
 * wire; in an interrupt handler or with interrupts masked, a full ring drops bytes
 * (counted) instead of spinning, so the audio path is never held up by logging.
 * RX: the RXNE interrupt fills a second ring that h7_console_getc() reads.
 * Waiting for the wire (a full ring, h7_console_flush) sleeps (WFI) between interrupts: one
 * character takes 86.8 us, a 250-byte line 22 ms, which a spin spent in Run at the current
 * clock (the simulated board counts it since USART transmission time is modelled).
 */
#include "common/ring.h"
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

#define CONSOLE_BAUD 115200u
#define KERNEL_HZ 64000000u
#define TX_BUFFER_BYTES 4096u
#define RX_BUFFER_BYTES 256u
#define POLL_TRIES 200000u

static uint8_t s_tx_storage[TX_BUFFER_BYTES];
static uint8_t s_rx_storage[RX_BUFFER_BYTES];
static h7_ring_t s_tx;
static h7_ring_t s_rx;
static volatile bool s_irq_driven;
static volatile uint32_t s_dropped;
static volatile uint32_t s_rx_overruns;

static void gpio_af(h7_gpio_t *port, uint32_t pin, uint32_t af)
{
    port->MODER = (port->MODER & ~(3u << (pin * 2u))) | (H7_GPIO_MODE_AF << (pin * 2u));
    port->OSPEEDR = (port->OSPEEDR & ~(3u << (pin * 2u))) | (1u << (pin * 2u));
    uint32_t shift = (pin & 7u) * 4u;
    port->AFR[pin >> 3] = (port->AFR[pin >> 3] & ~(0xFu << shift)) | (af << shift);
}

void h7_console_init(void)
{
    h7_ring_init(&s_tx, s_tx_storage, sizeof s_tx_storage);
    h7_ring_init(&s_rx, s_rx_storage, sizeof s_rx_storage);
    H7_RCC->AHB4ENR |= H7_RCC_AHB4ENR_GPIOEN(H7_PORT_D);
    H7_RCC->APB1LENR |= H7_RCC_APB1LENR_USART3EN;
    (void)H7_RCC->APB1LENR;
    gpio_af(H7_GPIOD, 8, H7_GPIO_AF7_USART3);
    gpio_af(H7_GPIOD, 9, H7_GPIO_AF7_USART3);

    H7_USART3->CR1 = 0;
    H7_USART3->PRESC = 0;
    H7_USART3->BRR = (KERNEL_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD; /* 556: 0.08% error */
    H7_USART3->CR2 = 0;
    H7_USART3->CR3 = H7_USART_CR3_EIE;
    H7_USART3->CR1 = H7_USART_CR1_TE | H7_USART_CR1_RE | H7_USART_CR1_UE;
    (void)h7_wait_bits(&H7_USART3->ISR, H7_USART_ISR_TEACK, H7_USART_ISR_TEACK, POLL_TRIES);
}

void h7_console_enable_irq(void)
{
    H7_USART3->CR1 |= H7_USART_CR1_RXNEIE;
    h7_irq_enable(H7_IRQ_USART3, H7_PRIO_CONSOLE);
    s_irq_driven = true;
}

void USART3_IRQHandler(void)
{
    uint32_t isr = H7_USART3->ISR;
    if (isr & (H7_USART_ISR_ORE | H7_USART_ISR_FE | H7_USART_ISR_NE | H7_USART_ISR_PE)) {
        if (isr & H7_USART_ISR_ORE)
            s_rx_overruns++;
        H7_USART3->ICR = H7_USART_ICR_ORECF | H7_USART_ICR_FECF | H7_USART_ICR_NECF | H7_USART_ICR_PECF;
    }
    if (isr & H7_USART_ISR_RXNE) {
        uint8_t byte = (uint8_t)H7_USART3->RDR;
        if (!h7_ring_put(&s_rx, byte))
            s_rx_overruns++;
    }
    if (isr & H7_USART_ISR_WUF)
        H7_USART3->ICR = H7_USART_ICR_WUCF;
    if ((H7_USART3->CR1 & H7_USART_CR1_TCIE) && (isr & H7_USART_ISR_TC))
        H7_USART3->CR1 &= ~H7_USART_CR1_TCIE; /* wait_tc_asleep's wake-up, once */
    if ((H7_USART3->CR1 & H7_USART_CR1_TXEIE) && (isr & H7_USART_ISR_TXE)) {
        int next = h7_ring_get(&s_tx);
        if (next >= 0)
            H7_USART3->TDR = (uint32_t)next;
        else
            H7_USART3->CR1 &= ~H7_USART_CR1_TXEIE;
    }
}

static bool poll_put(uint8_t byte)
{
    if (!h7_wait_bits(&H7_USART3->ISR, H7_USART_ISR_TXE, H7_USART_ISR_TXE, POLL_TRIES))
        return false;
    H7_USART3->TDR = byte;
    return true;
}

/* Sends what the ring holds by polling; caller has interrupts masked or none enabled. */
static void drain_polled(void)
{
    int next;
    while ((next = h7_ring_get(&s_tx)) >= 0)
        if (!poll_put((uint8_t)next))
            break;
}

static bool in_handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    return ipsr != 0u;
}

/* A stuck transmitter (no TXE) must not hang the caller forever: give up after this. */
#define STALL_LIMIT_MS 1000u

/* Sleeps until the TX ring's fill level differs from `used` (the TXE interrupt took a byte)
 * or any other interrupt. Interrupts are masked from the check to the WFI: a TXE in between
 * pends and WFI returns at once instead of sleeping to the next tick. */
static void sleep_while_used(uint32_t used)
{
    uint32_t irq = h7_irq_save();
    if (h7_ring_used(&s_tx) == used)
        h7_wfi();
    h7_irq_restore(irq);
}

/* Sleeps until TC (the last byte's stop bit sent): TCIE wakes the core, the handler turns it
 * off. Thread mode with interrupts on only. */
static void wait_tc_asleep(void)
{
    uint32_t start = h7_time_ms();
    while (!(H7_USART3->ISR & H7_USART_ISR_TC)) {
        uint32_t irq = h7_irq_save();
        if (!(H7_USART3->ISR & H7_USART_ISR_TC)) {
            H7_USART3->CR1 |= H7_USART_CR1_TCIE;
            h7_wfi();
        }
        h7_irq_restore(irq);
        if ((uint32_t)(h7_time_ms() - start) > STALL_LIMIT_MS)
            break;
    }
}

size_t h7_console_write(const char *data, size_t len)
{
    const uint8_t *bytes = (const uint8_t *)data;
    size_t done = 0;
    uint32_t waiting_since = 0;
    bool waiting = false;
    while (done < len) {
        uint32_t irq = h7_irq_save();
        uint32_t n = h7_ring_write(&s_tx, bytes + done, (uint32_t)(len - done));
        if (n > 0u && s_irq_driven)
            H7_USART3->CR1 |= H7_USART_CR1_TXEIE;
        if (!s_irq_driven)
            drain_polled(); /* early boot: no interrupt yet */
        h7_irq_restore(irq);
        done += n;
        if (done == len)
            break;
        if (n > 0u) {
            waiting = false;
            continue;
        }
        /* Ring full. Never spin where the TXE interrupt cannot run to make room. */
        if (s_irq_driven && (irq != 0u || in_handler())) {
            s_dropped += (uint32_t)(len - done);
            break;
        }
        if (!waiting) {
            waiting = true;
            waiting_since = h7_time_ms();
        } else if ((uint32_t)(h7_time_ms() - waiting_since) > STALL_LIMIT_MS) {
            s_dropped += (uint32_t)(len - done);
            break;
        }
        sleep_while_used(TX_BUFFER_BYTES); /* full: until the TXE interrupt takes one */
    }
    return done;
}

void h7_console_flush(void)
{
    if (!s_irq_driven || h7_get_primask() != 0u || in_handler()) {
        uint32_t irq = h7_irq_save();
        drain_polled();
        h7_irq_restore(irq);
    } else {
        /* 4 KB at 115200 baud take 356 ms; progress is what counts */
        uint32_t last_used = h7_ring_used(&s_tx);
        uint32_t last_change = h7_time_ms();
        while (last_used != 0u) {
            sleep_while_used(last_used);
            uint32_t used = h7_ring_used(&s_tx);
            if (used != last_used) {
                last_used = used;
                last_change = h7_time_ms();
            } else if ((uint32_t)(h7_time_ms() - last_change) > STALL_LIMIT_MS) {
                break;
            }
        }
        wait_tc_asleep();
        return;
    }
    (void)h7_wait_bits(&H7_USART3->ISR, H7_USART_ISR_TC, H7_USART_ISR_TC, POLL_TRIES);
}

void h7_console_hold(void)
{
    H7_USART3->CR1 &= ~H7_USART_CR1_TXEIE;
    (void)h7_wait_bits(&H7_USART3->ISR, H7_USART_ISR_TC, H7_USART_ISR_TC, POLL_TRIES);
}

bool h7_console_idle(void)
{
    return h7_ring_used(&s_tx) == 0u && (H7_USART3->ISR & H7_USART_ISR_TC) != 0u;
}

void h7_console_release(void)
{
    if (s_irq_driven && h7_ring_used(&s_tx) != 0u)
        H7_USART3->CR1 |= H7_USART_CR1_TXEIE;
}

void h7_console_write_polled(const char *data, size_t len)
{
    uint32_t irq = h7_irq_save();
    H7_USART3->CR1 &= ~H7_USART_CR1_TXEIE;
    drain_polled(); /* keep the order: what was queued goes first */
    for (size_t i = 0; i < len; i++)
        if (!poll_put((uint8_t)data[i]))
            break;
    (void)h7_wait_bits(&H7_USART3->ISR, H7_USART_ISR_TC, H7_USART_ISR_TC, POLL_TRIES);
    h7_irq_restore(irq);
}

int h7_console_getc(void) { return h7_ring_get(&s_rx); }

uint32_t h7_console_dropped(void) { return s_dropped; }
