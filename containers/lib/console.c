/* Buffered console output for containers over the console_write call. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <tessera/console.h>
#include <tessera/sys.h>

struct line_buf {
	char buf[CONSOLE_WRITE_MAX];
	size_t len;
};

static void flush(struct line_buf *lb)
{
	if (lb->len)
		sys_console_write(lb->buf, lb->len);
	lb->len = 0;
}

static void put(void *ctx, char c)
{
	struct line_buf *lb = ctx;

	lb->buf[lb->len++] = c;
	if (c == '\n' || lb->len == sizeof(lb->buf))
		flush(lb);
}

int printf(const char *fmt, ...)
{
	struct line_buf lb = {.len = 0};
	va_list ap;

	va_start(ap, fmt);
	int n = vcbprintf(put, &lb, fmt, ap);
	va_end(ap);
	flush(&lb);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}
