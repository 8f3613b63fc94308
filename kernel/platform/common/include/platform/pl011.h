#ifndef PLATFORM_PL011_H
#define PLATFORM_PL011_H
#include <stddef.h>
void pl011_init(void *regs);
void pl011_putc(char c);
/* len bytes, each when the transmit FIFO has room. */
void pl011_write(const char *s, size_t len);
/* Raise the UART's interrupt when a byte arrives. */
void pl011_rx_enable(void);
/* The next byte received, or -1 if none (reading clears the interrupt
 * once the FIFO is empty). */
int pl011_getc(void);
#endif
