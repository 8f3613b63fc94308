#ifndef PLATFORM_PL011_H
#define PLATFORM_PL011_H
void pl011_init(void *regs);
void pl011_putc(char c);
/* Raise the UART's interrupt when a byte arrives. */
void pl011_rx_enable(void);
/* The next byte received, or -1 if none (reading clears the interrupt
 * once the FIFO is empty). */
int pl011_getc(void);
#endif
