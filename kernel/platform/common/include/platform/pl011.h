#ifndef PLATFORM_PL011_H
#define PLATFORM_PL011_H
void pl011_init(void *regs);
void pl011_putc(char c);
#endif
