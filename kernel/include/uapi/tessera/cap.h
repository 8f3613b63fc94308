/**
 * @file tessera/cap.h
 * @brief Capabilities: the ABI shared by kernel, user library and host
 * tools (tools/captab.py reads the numbers from here; a pytest checks it).
 *
 * docs/capabilities.md explains them; cap_read() (tessera/sys.h) lists
 * the ones a thread can use as struct cap_info.
 *
 * A capability is a kernel object naming a resource and what its holder may
 * do with it. Three kinds:
 *  - quantity (a budget): threads, spaces, mutex waits, page-table pages,
 *    capabilities, IRQs; `size` units, `used` of them charged;
 *  - memory: a physical, virtual or device-MMIO range [base, base + size)
 *    with the access it allows in `ops` (MAP_ATTR_* bits);
 *  - operation: the `ops` of one system call on a target (a container, a
 *    thread group, the threads one pager pages, or one thread).
 *
 * Every capability sits on exactly one list, which decides who can use it:
 * a thread's private list, its thread group's list (checked through the
 * group leader), the list a pager shares with the threads it pages, or its
 * container's list. A thread can use what is on its own list, its group's,
 * its pager's shared list and its container's.
 */
#ifndef TESSERA_CAP_H
#define TESSERA_CAP_H

/* Resources (cap_info.resource). Kind = resource & CAP_KIND_MASK. */
#define CAP_KIND_MASK 0xf0u /**< the kind bits of a resource */
#define CAP_KIND_QUANTITY 0x10u /**< kind: a budget of units */
#define CAP_KIND_MEMORY 0x20u /**< kind: a memory range */
#define CAP_KIND_OPERATION 0x40u /**< kind: operations of one call on a target */

#define CAP_RES_THREADS 0x10u  /**< threads created */
#define CAP_RES_SPACES 0x11u   /**< address spaces created */
#define CAP_RES_MUTEXES 0x12u  /**< threads waiting in kernel mutex queues */
#define CAP_RES_PTPAGES 0x13u  /**< page-table pages of spaces it maps into */
#define CAP_RES_CAPS 0x14u     /**< capabilities made by split / replicate */
#define CAP_RES_IRQS 0x15u     /**< IRQ bindings */
#define CAP_RES_PHYSMEM 0x20u  /**< normal physical memory it may map */
#define CAP_RES_VIRTMEM 0x21u  /**< user virtual addresses it may map at */
#define CAP_RES_DEVMEM 0x22u   /**< device MMIO it may map (device attrs) */
#define CAP_RES_TCTRL 0x40u    /**< thread_control */
#define CAP_RES_EXREGS 0x41u   /**< exchange_registers */
#define CAP_RES_IPC 0x42u      /**< ipc (sending; replies need none) */
#define CAP_RES_CAPCTRL 0x43u  /**< cap_control */
#define CAP_RES_MUTEX 0x44u    /**< mutex_control */
#define CAP_RES_MAP 0x45u      /**< map / unmap into the target's space */
#define CAP_RES_IRQCTRL 0x46u  /**< irq_control */
#define CAP_RES_SCHED 0x47u    /**< sched_control: answer for the target's
				* threads (only the manifest's scheduler
				* key makes one; docs/scheduling.md) */

/* Operation bits (cap_info.ops) per operation resource. */
#define CAP_OP_TC_CREATE 0x01u /**< create a thread from the target's space */
#define CAP_OP_TC_RUN 0x02u /**< TC_RUN */
#define CAP_OP_TC_SUSPEND 0x04u /**< TC_SUSPEND */
#define CAP_OP_TC_RESUME 0x08u /**< TC_RESUME */
#define CAP_OP_TC_DESTROY 0x10u /**< TC_DESTROY (of a first pager: its whole container) */
#define CAP_OP_TC_RECYCLE 0x20u /**< TC_RECYCLE */
#define CAP_OP_TC_CPUS 0x40u /**< TC_CPUS: change the cores it may run on */
#define CAP_OP_TC_ALL 0x7fu /**< every thread_control operation */
#define CAP_OP_EXREGS_READ 0x1u /**< exchange_registers EXREGS_GET */
#define CAP_OP_EXREGS_WRITE 0x2u /**< exchange_registers EXREGS_SET_* */
#define CAP_OP_EXREGS_ALL 0x3u /**< both */
#define CAP_OP_IPC_SEND 0x1u /**< send ipc to the target */
#define CAP_OP_IPC_ALL 0x1u /**< every ipc operation (send) */
#define CAP_OP_CAP_READ 0x01u   /**< count, read */
#define CAP_OP_CAP_SHARE 0x02u /**< CAP_CTRL_SHARE */
#define CAP_OP_CAP_GRANT 0x04u /**< CAP_CTRL_GRANT */
#define CAP_OP_CAP_SPLIT 0x08u /**< CAP_CTRL_SPLIT */
#define CAP_OP_CAP_REPLICATE 0x10u /**< CAP_CTRL_REPLICATE */
#define CAP_OP_CAP_DEDUCE 0x20u /**< CAP_CTRL_DEDUCE */
#define CAP_OP_CAP_DESTROY 0x40u /**< CAP_CTRL_DESTROY */
#define CAP_OP_CAP_ALL 0x7fu /**< every cap_control operation */
#define CAP_OP_MUTEX_WAIT 0x1u /**< MUTEX_WAIT */
#define CAP_OP_MUTEX_WAKE 0x2u /**< MUTEX_WAKE */
#define CAP_OP_MUTEX_ALL 0x3u /**< both */
#define CAP_OP_MAP 0x1u /**< map into the target's space */
#define CAP_OP_UNMAP 0x2u /**< unmap from it */
#define CAP_OP_MAP_ALL 0x3u /**< both */
#define CAP_OP_IRQ_BIND 0x1u /**< IRQ_BIND an IRQ to the target (and unbind it) */
#define CAP_OP_IRQ_ALL 0x1u /**< every irq_control operation needing a capability */
#define CAP_OP_SCHED_CONTROL 0x1u /**< sched_control on the target's threads */
#define CAP_OP_SCHED_FORWARDED 0x2u /**< held by a container the manifest's
				     * forward_schedulers names: it gets
				     * only the starts forwarded to it */
#define CAP_OP_SCHED_ALL 0x3u /**< both sched bits */

/* Targets of operation capabilities (cap_info.target_kind). */
#define CAP_TGT_NONE 0u      /**< quantity and memory capabilities */
#define CAP_TGT_CONTAINER 1u /**< every thread of container `target` */
#define CAP_TGT_GROUP 2u     /**< every thread of thread group `target` */
#define CAP_TGT_PAGED 3u     /**< thread `target` and every thread it pages */
#define CAP_TGT_THREAD 4u    /**< thread `target` only */

/* What the holder may do with the capability itself (cap_info.flags). */
#define CAP_F_SHARE 0x01u /**< may be moved to a shared list (cap_share()) */
#define CAP_F_GRANT 0x02u /**< may be granted to another thread (cap_grant()) */
#define CAP_F_SPLIT 0x04u /**< may be split (cap_split()) */
#define CAP_F_REPLICATE 0x08u /**< operation capabilities only */
#define CAP_F_DEDUCE 0x10u /**< may be narrowed (cap_deduce()) */
#define CAP_F_DESTROY 0x20u /**< may be destroyed (cap_destroy()) */
#define CAP_F_ALL 0x3fu /**< every flag */

/* The list a capability sits on (cap_info.list). */
#define CAP_LIST_PRIVATE 1u   /**< the holder thread only */
#define CAP_LIST_GROUP 2u     /**< the holder's thread group */
#define CAP_LIST_PAGED 3u     /**< the threads the holder pages */
#define CAP_LIST_CONTAINER 4u /**< every thread of the container */

/*
 * cap_control: r0 = operation, further arguments per operation.
 * Capabilities are named by id (cap_info.id); an id the caller cannot use
 * is -E_NOENT, a right it lacks -E_PERM.
 */
#define CAP_CTRL_COUNT 1     /**< r0 = number of capabilities it can use */
#define CAP_CTRL_READ 2      /**< r1 = struct cap_info array, r2 = entries;
			      * r0 = entries written */
#define CAP_CTRL_SHARE 3     /**< r1 = id (from its private list), r2 = a
			      * CAP_SHARE_* scope: moves it there */
#define CAP_CTRL_GRANT 4     /**< r1 = id, r2 = tid of the same container:
			      * moves it to that thread's private list */
#define CAP_CTRL_SPLIT 5     /**< r1 = id, r2 = amount: quantity units, or
			      * memory bytes (page multiple) off the end, or
			      * operation bits; r0 = id of the new one */
#define CAP_CTRL_REPLICATE 6 /**< r1 = id (operation only); r0 = new id */
#define CAP_CTRL_DEDUCE 7    /**< r1 = id, r2 = ops (subset), r3 = flags
			      * (subset), r4 = target kind (0: keep), r5 =
			      * target (must lie inside the old target) */
#define CAP_CTRL_DESTROY 8   /**< r1 = id; a budget with units in use, or
			      * a capability others were split from, is
			      * -E_BUSY; a split-off budget gives its units
			      * back to the one it came from */

#define CAP_SHARE_PAGED 1u     /**< with the threads the caller pages */
#define CAP_SHARE_SIBLINGS 2u  /**< with every thread its own pager pages */
#define CAP_SHARE_GROUP 3u     /**< with its thread group */
#define CAP_SHARE_CONTAINER 4u /**< with its whole container */

#ifndef __ASSEMBLER__
#include <stdint.h>
/** @brief One capability as cap_read() (CAP_CTRL_READ) describes it. */
struct cap_info {
	uint32_t id;          /**< its id, for the other cap_control calls */
	uint32_t resource;    /**< CAP_RES_* */
	uint32_t ops;         /**< operation bits, or memory MAP_ATTR_* bits */
	uint32_t flags;       /**< CAP_F_* */
	uint32_t target_kind; /**< CAP_TGT_* */
	uint32_t target;      /**< container id, tgid or tid */
	uint32_t base;        /**< memory: first byte */
	uint32_t size;        /**< memory: bytes; quantity: units */
	uint32_t used;        /**< quantity: units charged */
	uint32_t list;        /**< CAP_LIST_* it sits on */
	uint32_t holder;      /**< tid (private/group/paged) or container id */
	uint32_t irq;         /**< device memory: its IRQ, CAP_NO_IRQ if none */
};
_Static_assert(sizeof(struct cap_info) == 48, "cap_info layout");
#endif
#define CAP_NO_IRQ 0xffffffffu /**< cap_info.irq of device memory without an IRQ */

#endif
