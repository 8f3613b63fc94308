/* printk: formatted kernel output straight to the platform UART; the
 * console's one input, the state key. */
#include <stdio.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/state_report.h>

static void console_putc(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		platform_putc('\r');
	platform_putc(c);
}

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		console_putc(NULL, s[i]);
}

int vprintk(const char *fmt, va_list ap)
{
	return vcbprintf(console_putc, NULL, fmt, ap);
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

/* Ctrl-T: the state key (CONFIG_CONSOLE_STATE_KEY). */
#define CONSOLE_STATE_KEY 0x14

void console_interrupt(void)
{
	int c;

	/* read everything that arrived, which also drops the interrupt;
	 * nothing but the state key means anything to the kernel */
	while ((c = platform_getc()) >= 0) {
		if (c == CONSOLE_STATE_KEY)
			state_report();
	}
}
