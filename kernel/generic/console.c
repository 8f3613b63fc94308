/* printk: formatted kernel output straight to the platform UART; the
 * console's one input, the state key. */
#include <stdio.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/state_report.h>

/*
 * The formatter hands over runs (each stretch of the format's literal text,
 * each conversion's digits) and they go to the UART as they are, but for
 * '\n', which becomes "\r\n" as terminals want. A character at a time,
 * through a call chain down to the UART, printing was a third of kernel
 * init with 8 containers (docs/benchmarks.md, "Kernel init").
 */
static void console_run(void *ctx, const char *s, size_t len)
{
	const char *run = s, *end = s + len;

	(void)ctx;
	for (const char *p = s; p != end; p++) {
		if (*p != '\n')
			continue;
		if (p != run)
			platform_write(run, (size_t)(p - run));
		platform_write("\r\n", 2);
		run = p + 1;
	}
	if (run != end)
		platform_write(run, (size_t)(end - run));
}

void console_write(const char *s, size_t len)
{
	if (len)
		console_run(NULL, s, len);
}

int vprintk(const char *fmt, va_list ap)
{
	return vcbprintf_runs(console_run, NULL, fmt, ap);
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
