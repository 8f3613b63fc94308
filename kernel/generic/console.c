/* printk: formatted kernel output straight to the platform UART; the
 * console's one input, the state key. */
#include <stdio.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/state_report.h>

/*
 * Output gathers in a line buffer and reaches the UART a run at a time:
 * vcbprintf hands over one character per call, and a call chain down to
 * the UART for each was most of what printing cost (a third of kernel
 * init with 8 containers, docs/benchmarks.md).
 */
struct console_line {
	size_t len;
	char buf[64];
};

/* out of line, so that line_putc's call to it is a tail call */
static __attribute__((noinline)) void line_flush(struct console_line *l)
{
	platform_write(l->buf, l->len);
	l->len = 0;
}

/* '\n' becomes "\r\n", as terminals want. Flushing last, as a tail
 * call, keeps the common case free of a stack frame. */
static void line_putc(void *ctx, char c)
{
	struct console_line *l = ctx;
	size_t n = l->len;

	if (c == '\n')
		l->buf[n++] = '\r';
	l->buf[n++] = c;
	l->len = n;
	if (n > sizeof(l->buf) - 2)
		line_flush(l);
}

void console_write(const char *s, size_t len)
{
	struct console_line l;

	l.len = 0;
	for (size_t i = 0; i < len; i++)
		line_putc(&l, s[i]);
	line_flush(&l);
}

int vprintk(const char *fmt, va_list ap)
{
	struct console_line l;

	l.len = 0; /* (the buffer needs no zeroing) */
	int n = vcbprintf(line_putc, &l, fmt, ap);

	line_flush(&l);
	return n;
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
