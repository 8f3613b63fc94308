/*
 * The boot loader: check the image table, unpack and verify every part, and
 * jump to the kernel with the boot-info and image-table addresses. A bad
 * image is refused with the name of the bad part; nothing of it is started
 * (the kernel part is only entered once every part has been verified).
 */
#include <stdarg.h>
#include <stdio.h>
#include <arch/poweroff.h>
#include <generated/board.h>
#include <loader/hyp_stub.h>
#include <generated/version.h>
#include <loader/image_format.h>
#include <loader/image_table.h>
#include <loader/lz4frame.h>
#include <platform/pl011.h>

/* Exit status of a refused image (kernel panics use 3). */
#define LOADER_REFUSED_STATUS 2

uint8_t loader_stack[4096] __attribute__((aligned(8)));
extern uint8_t loader_stack_top[];
__asm__(".global loader_stack_top\n"
	".set loader_stack_top, loader_stack + 4096");
extern uint8_t __image_table[];

typedef void (*kernel_entry_fn)(uint32_t bootinfo, uint32_t table);

void loader_main(uint32_t left_hyp);

/* A run of the formatter's output to the UART, '\n' as "\r\n". */
static void uart_run(void *ctx, const char *s, size_t len)
{
	const char *run = s, *end = s + len;

	(void)ctx;
	for (const char *p = s; p != end; p++) {
		if (*p != '\n')
			continue;
		pl011_write(run, (size_t)(p - run));
		pl011_write("\r\n", 2);
		run = p + 1;
	}
	pl011_write(run, (size_t)(end - run));
}

static void print(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vcbprintf_runs(uart_run, NULL, fmt, ap);
	va_end(ap);
}

#ifdef CONFIG_BENCH_COUNTERS
#include <platform/bench_counter.h>
#endif

static void __attribute__((noreturn))
refuse(const void *image, const struct image_fault *f)
{
	if (f->part < 0) {
		print("loader: image refused: image table: %s\n",
		      image_strerror(f->code));
	} else {
		const struct image_part *p = image_part(image, (unsigned)f->part);
		print("loader: image refused: part %d '%.*s': %s%s%s\n", f->part,
		      (int)IMAGE_NAME_LEN, p->name, image_strerror(f->code),
		      f->code == IMAGE_ERR_FRAME ? ": " : "",
		      f->code == IMAGE_ERR_FRAME ? lz4f_strerror(f->detail) : "");
	}
	print("loader: nothing started\n");
	arch_poweroff(LOADER_REFUSED_STATUS);
	for (;;)
		;
}

/* The stub start.S left as HYP's vectors, asked for HVBAR with the call a
 * later hypervisor layer would make (loader/hyp_stub.h). */
static uint32_t hyp_stub_vectors(void)
{
	register uint32_t r0 __asm__("r0") = HYP_STUB_GET_VECTORS;

	__asm__ volatile(".arch_extension virt\n\thvc #0"
			 : "+r"(r0)::"memory");
	return r0;
}

/* left_hyp: entered in HYP mode, start.S left it for SVC. */
void loader_main(uint32_t left_hyp)
{
	const uint8_t *image = (const uint8_t *)BOARD_IMAGE_BASE;
	uint32_t avail = BOARD_RAM_BASE + BOARD_RAM_SIZE - BOARD_IMAGE_BASE;
	struct image_fault fault;
#ifdef CONFIG_BENCH_COUNTERS
	uint32_t bench_main, bench_unpack;

	bench_counter_start();
	bench_main = bench_counter();
#endif

	pl011_init((void *)BOARD_UART_PL011);
	print("loader: Tessera " TESSERA_VERSION " image at 0x%08x, table at 0x%08x\n",
	      (unsigned)BOARD_IMAGE_BASE, (unsigned)(uintptr_t)__image_table);
	if (left_hyp)
		print("loader: entered in HYP: left for SVC (HCR 0, CNTVOFF 0, "
		      "HVBAR 0x%08x: the HYP stub)\n",
		      (unsigned)hyp_stub_vectors());
	if (image_check(image, avail, BOARD_RAM_BASE, BOARD_RAM_SIZE, &fault))
		refuse(image, &fault);
	const struct image_header *h = (const void *)__image_table;
#ifdef CONFIG_BENCH_COUNTERS
	bench_unpack = bench_counter();
#endif
	for (unsigned i = 0; i < h->nr_parts; i++) {
		const struct image_part *p = image_part(image, i);
		if (image_unpack_part(image, i, (void *)(uintptr_t)p->load_addr,
				      &fault))
			refuse(image, &fault);
#ifdef CONFIG_LOADER_VERBOSE
		print("loader: part %u '%.*s': %u bytes at 0x%08x, checksum ok\n",
		      i, (int)IMAGE_NAME_LEN, p->name, (unsigned)p->raw_size,
		      (unsigned)p->load_addr);
#endif
	}
#ifdef CONFIG_BENCH_COUNTERS
	print("loader: bench counters: loader_main %u, unpack %u to %u\n",
	      (unsigned)bench_main, (unsigned)bench_unpack,
	      (unsigned)bench_counter());
#endif
	const struct image_part *kernel = image_part(image, h->kernel_part);
	const struct image_part *bootinfo = image_part(image, h->bootinfo_part);
	print("loader: starting kernel at 0x%08x\n", (unsigned)kernel->entry);
#ifdef CONFIG_BENCH_COUNTERS
	/* the kernel prints it: TPIDRURW survives head.S */
	__asm__ volatile("mcr p15, 0, %0, c13, c0, 2" ::"r"(bench_counter()));
#endif
	((kernel_entry_fn)(uintptr_t)kernel->entry)(bootinfo->load_addr,
						   (uint32_t)(uintptr_t)h);
	for (;;)
		;
}
