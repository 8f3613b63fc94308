/* ARM PL011 UART: the kernel console. Polled transmit; receive only for
 * the state key (console_interrupt, CONFIG_CONSOLE_STATE_KEY). */
#include <stdint.h>
#include <platform/pl011.h>

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_IMSC 0x38
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
/* receive and receive-timeout: a byte that stays below the FIFO's
 * trigger level raises the second */
#define UART_INT_RX ((1u << 4) | (1u << 6))

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

void pl011_write(const char *s, size_t len)
{
	if (!uart)
		return;
	for (size_t i = 0; i < len; i++) {
		while (uart[UART_FR / 4] & UART_FR_TXFF)
			;
		uart[UART_DR / 4] = (uint32_t)(unsigned char)s[i];
	}
}

void pl011_rx_enable(void)
{
	if (!uart)
		return;
	/* drop what arrived before the kernel ran; its interrupt status is
	 * not cleared by hand (ICR): a byte that came in meanwhile would
	 * then sit in the FIFO with no interrupt to say so */
	while (pl011_getc() >= 0)
		;
	uart[UART_IMSC / 4] |= UART_INT_RX;
}

int pl011_getc(void)
{
	if (!uart || (uart[UART_FR / 4] & UART_FR_RXFE))
		return -1;
	/* the data register's top bits are error flags: the byte is below */
	return (int)(uart[UART_DR / 4] & 0xff);
}
