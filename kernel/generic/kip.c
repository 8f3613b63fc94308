/* The kernel interface page: version and layout facts for user space. */
#include <string.h>
#include <kernel/kip.h>
#include <kernel/kmem.h>
#include <kernel/platform.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/space.h>
#include <tessera/syscall.h>
#include <generated/version.h>


static paddr_t kip_page;

void kip_init(unsigned nr_containers)
{
	kip_page = kmem_alloc_pages(1, 1);
	BUG_ON(!kip_page.pa, "no memory for the kernel interface page");
	struct kip *k = phys_to_virt(kip_page);
	k->magic = KIP_MAGIC;
	k->abi_version = ABI_VERSION;
	k->kernel_version = TESSERA_VERSION_CODE;
	k->syscall_count = SYS_COUNT;
	k->tick_hz = platform_timer_hz();
	k->page_size = PAGE_SIZE;
	k->user_va_end = USER_VA_END;
	k->utcb_size = UTCB_SIZE;
	k->utcb_mrs = UTCB_MRS;
	k->ext_max = IPC_EXT_MAX;
	k->nr_containers = nr_containers;
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		if (cpu_state[cpu].online)
			k->cpus_online |= 1u << cpu;
	strlcpy(k->build, "tessera " TESSERA_VERSION " " BOARD_NAME, sizeof(k->build));
}

int kip_map(struct space *s)
{
	return arch_map_page(&s->arch, KIP_ADDRESS, kip_page, MAP_READ);
}
