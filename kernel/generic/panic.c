/*
 * panic: print why, where from (registers and the words of the kernel
 * stack above sp), then end the system with a non-zero status.
 *
 * The kernel keeps no frame pointers and no unwind tables in its image:
 * the host unwinds. tools/symbolize.py reads the "backtrace from" and
 * "stack" lines and walks the frames with the kernel ELF's DWARF call
 * frame information (.debug_frame), then names each return address
 * (docs/testing.md "Readable crashes").
 */
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/printk.h>

/* 256 bytes: a handful of frames of the kernel's small functions */
#define STACK_DUMP_WORDS 64
#define WORDS_PER_LINE 8

/* The "backtrace from" line, then the words from sp up (at most
 * STACK_DUMP_WORDS, never past the top of this core's kernel stack). */
static void dump_stack_words(uint32_t pc, uint32_t sp, uint32_t lr)
{
	uint32_t top = this_cpu()->kstack_top;
	uint32_t bottom = top - CONFIG_KERNEL_STACK_SIZE;

	if (!top || sp < bottom || sp >= top || (sp & 3)) {
		printk("  backtrace from pc %08x sp %08x lr %08x, 0 stack words "
		       "(sp is not on this core's kernel stack)\n",
		       (unsigned)pc, (unsigned)sp, (unsigned)lr);
		return;
	}
	uint32_t n = (top - sp) / 4;

	if (n > STACK_DUMP_WORDS)
		n = STACK_DUMP_WORDS;
	printk("  backtrace from pc %08x sp %08x lr %08x, %u stack words\n",
	       (unsigned)pc, (unsigned)sp, (unsigned)lr, (unsigned)n);
	for (uint32_t i = 0; i < n; i++) {
		const uint32_t *w = (const uint32_t *)(uintptr_t)(sp + 4 * i);

		if (i % WORDS_PER_LINE == 0)
			printk("  stack %08x:", (unsigned)(sp + 4 * i));
		printk(" %08x", (unsigned)*w);
		if (i % WORDS_PER_LINE == WORDS_PER_LINE - 1 || i + 1 == n)
			printk("\n");
	}
}

static void __attribute__((noreturn))
vpanic(const struct panic_regs *at, const char *fmt, va_list ap)
{
	printk("\nKERNEL PANIC: ");
	vprintk(fmt, ap);
	printk("\n");
	dump_stack_words(at->pc, at->sp, at->lr);
	printk("system halted (exit status %d)\n", PANIC_EXIT_STATUS);
	platform_exit(PANIC_EXIT_STATUS);
}

void panic_at(const struct panic_regs *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(at, fmt, ap);
}

void panic(const char *fmt, ...)
{
	struct panic_regs here;
	va_list ap;

	/* one instruction group, so pc and sp belong together: the host
	 * unwinds from this point of panic() itself */
	__asm__ volatile("mov %0, pc\n\tmov %1, sp\n\tmov %2, lr"
			 : "=r"(here.pc), "=r"(here.sp), "=r"(here.lr));
	va_start(ap, fmt);
	vpanic(&here, fmt, ap);
}
