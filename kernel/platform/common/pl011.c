/* ARM PL011 UART: polled transmit only (the kernel console). */
#include <stdint.h>
#include <platform/pl011.h>

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)

static volatile uint32_t *uart;

void pl011_init(void *regs)
{
	uart = regs;
}

void pl011_putc(char c)
{
	if (!uart)
		return;
	while (uart[UART_FR / 4] & UART_FR_TXFF)
		;
	uart[UART_DR / 4] = (uint32_t)(unsigned char)c;
}
