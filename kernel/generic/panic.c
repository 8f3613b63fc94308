/* panic: print why, then end the system with a non-zero status. */
#include <kernel/panic.h>
#include <kernel/platform.h>
#include <kernel/printk.h>

void panic(const char *fmt, ...)
{
	va_list ap;

	printk("\nKERNEL PANIC: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\nsystem halted (exit status %d)\n", PANIC_EXIT_STATUS);
	platform_exit(PANIC_EXIT_STATUS);
}
