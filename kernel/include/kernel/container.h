/* Containers as created from the boot info. */
#ifndef KERNEL_CONTAINER_H
#define KERNEL_CONTAINER_H

#include <boot/bootinfo.h>
#include <kernel/cap.h>
#include <kernel/types.h>

struct thread;

struct container {
	char name[BOOTINFO_NAME_LEN + 1];
	uint32_t id;
	struct thread *pager;
	uint32_t live_threads;
	int exit_code;
	uint32_t nr_regions; /* mapped into its pager's space at boot */
	struct bootinfo_region regions[BOOTINFO_MAX_REGIONS];
	struct cap_list caps; /* container-wide capabilities */
	uint32_t restart, restart_limit; /* BI_RESTART_* policy */
};

void containers_create(const struct bootinfo_header *bi);
struct container *container_by_id(uint32_t id);
/* The status the system ends with: the first non-zero container exit. */
int containers_exit_status(void);
/* One line per container: exit code and the peak use of each budget. */
void containers_report(void);
void container_thread_exited(struct container *c, struct thread *t, int code);

#endif
