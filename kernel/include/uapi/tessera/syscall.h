/**
 * @file tessera/syscall.h
 * @brief The system call ABI: numbers, argument registers and flags.
 *
 * The single source for the kernel's dispatch table and the user
 * library's stubs (tessera/sys.h wraps every call). docs/syscalls.md
 * describes each call, its arguments and its errors.
 *
 * Convention: "svc #0" with the call number in r7 and arguments in r0-r5
 * (ipc also r6). The result comes back in r0 (>= 0 success, negative -E_*
 * from errno.h); calls with more results return them in r1-r5 (ipc: r1-r6).
 */
#ifndef TESSERA_SYSCALL_H
#define TESSERA_SYSCALL_H

#include <tessera/errno.h>

#define SYS_ipc 0 /**< ipc: send, receive, call, reply (sys_ipc()) */
#define SYS_thread_control 1 /**< thread_control: TC_* operations on threads */
#define SYS_exchange_registers 2 /**< exchange_registers: a thread's registers, pager, UTCB */
#define SYS_map 3 /**< map: physical pages into a space */
#define SYS_unmap 4 /**< unmap: pages from a space */
#define SYS_mutex_control 5 /**< mutex_control: wait on / wake a user mutex word */
#define SYS_cap_control 6 /**< cap_control: CAP_CTRL_* on capabilities */
#define SYS_irq_control 7 /**< irq_control: bind, unbind, wait for, acknowledge an IRQ */
#define SYS_getid 8 /**< getid: the caller's ids, or a channel's pager (GETID_*) */
#define SYS_time 9 /**< time: ticks, microseconds or the counter since boot */
#define SYS_console_write 10 /**< console_write: bytes to the kernel console */
#define SYS_sched_control 11 /**< sched_control: a user-level scheduler's answers */
#define SYS_COUNT 12 /**< number of system calls; a higher number is -E_NOSYS */

/** @brief X(name) for every call above: the kernel builds its dispatch
 * table from this list (indexed by SYS_<name>, so order does not matter). */
#define SYSCALL_LIST(X)                                                        \
	X(ipc)                                                                 \
	X(thread_control)                                                      \
	X(exchange_registers)                                                  \
	X(map)                                                                 \
	X(unmap)                                                               \
	X(mutex_control)                                                       \
	X(cap_control)                                                         \
	X(irq_control)                                                         \
	X(getid)                                                               \
	X(time)                                                                \
	X(console_write)                                                       \
	X(sched_control)

/*
 * thread_control: r0 = operation, r1 = target thread id (0: the caller),
 * further arguments per operation. Results in r0 (new tid, exit code, ...).
 */
#define TC_CREATE 1  /**< r1 = space source tid (0: caller), r2 = TC_* flags,
		      * r3 = suggested tgid (same-space clone), r4 = pc,
		      * r5 = sp; the thread is created inactive: TC_RUN it */
#define TC_RUN 2     /**< start an inactive thread; in a container with a
		      * user-level scheduler r2 = its nice value
		      * (SCHED_NICE_MIN..MAX) and the call waits for the
		      * scheduler's answer (docs/scheduling.md); r1 then
		      * = the index of the container that admitted it
		      * (SCHED_BY_KERNEL: the kernel started it) */
#define TC_SUSPEND 3 /**< stop at its next safe point; a blocking wait ends
		      * with -E_INTR */
#define TC_RESUME 4 /**< let a suspended thread run again (-E_INVAL if it is not suspended) */
#define TC_DESTROY 5 /**< end it (and everything it pages) with exit code r2 */
#define TC_RECYCLE 6 /**< reset an inactive/suspended thread: registers
		      * cleared, same id, space and pager */
#define TC_WAIT 7    /**< wait for a paged child (r1, or 0: any) to exit and
		      * reap it; r0 = its exit code, r1 = its tid */
#define TC_EXIT 8    /**< r1 = exit code; ends the caller */
#define TC_YIELD 9   /**< give the rest of the timeslice to others */
#define TC_DESTROY_CHILDREN 10 /**< end and reap every thread the caller
				* pages (and what they page), exit code
				* r2; r0 = how many it paged */
#define TC_CPUS 11   /**< r2 = the cores it may run on (bit n: core n), a
		      * subset of its container's with a core online (0:
		      * unchanged); it moves if its core is not in it.
		      * r1 = its mask, r2 = its core (afterwards) */

/* TC_CREATE flags (r2) */
#define TC_SAME_SPACE 0x1  /**< share the space of r1's thread */
#define TC_NEW_SPACE 0x2   /**< a new, empty space */
#define TC_COPY_SPACE 0x4  /**< a new space with the same mappings as r1's */
#define TC_AS_PAGER 0x10   /**< the creator pages the new thread */
#define TC_SHARE_PAGER 0x20 /**< the creator's pager pages the new thread */
#define TC_SPACE_MASK 0x7 /**< the space bits of the TC_CREATE flags */

/*
 * ipc: r0 = destination tid, r1 = source tid or IPC_ANY, r2 = tag,
 * r3-r6 = message registers MR0-MR3 (short message).
 * Tag: bits 0-3 flags, 4-5 type, 8-15 length, 16-31 label.
 * On return from a receive: r0 = 0 or -E_*, r1 = sender tid, r2 = tag
 * (type, length, label of the message), r3-r6 = MR0-MR3.
 */
#define IPC_ANY 0xffffffffu /**< receive from any sender (ipc r1) */
#define IPC_SEND 0x1u /**< tag flag: send to r0 */
#define IPC_RECV 0x2u /**< tag flag: then receive from r1 (a tid or IPC_ANY) */
#define IPC_NONBLOCK 0x4u /**< send only if the destination already waits */
#define IPC_TYPE_SHORT 0x00u /**< r3-r6 only */
#define IPC_TYPE_FULL 0x10u  /**< also UTCB mr[0..length) */
#define IPC_TYPE_EXT 0x20u   /**< also a buffer of up to a page, see utcb */
#define IPC_TYPE_MASK 0x30u /**< the type bits of a tag */
/** @brief A tag: label (16 bits, the receiver's to interpret), length
 * (words of a full message, 0..UTCB_MRS), type (IPC_TYPE_*) and flags
 * (IPC_SEND, IPC_RECV, IPC_NONBLOCK; the ipc_* wrappers set these). */
#define IPC_TAG(label, length, type, flags)                                    \
	(((uint32_t)(label) << 16) | (((uint32_t)(length)&0xff) << 8) |       \
	 (type) | (flags))
#define IPC_TAG_LABEL(tag) ((tag) >> 16) /**< the label of a tag */
#define IPC_TAG_LENGTH(tag) (((tag) >> 8) & 0xff) /**< the length of a tag */
#define IPC_CALL (IPC_SEND | IPC_RECV) /**< send and receive from the same thread: a call */
#define IPC_REPLY_WAIT (IPC_SEND | IPC_RECV | IPC_NONBLOCK) /**< reply without blocking, then receive from anyone */

/*
 * Exceptions reach a thread's pager as a call with label IPC_LABEL_FAULT:
 * MR0 = cause (FAULT_*), MR1 = fault address, MR2 = pc, MR3 = status.
 * The pager answers with a send to the thread: MR0 = 0 resumes it at the
 * faulting instruction, anything else ends it (exit code 128 + cause).
 */
#define IPC_LABEL_FAULT 0xfff0u /**< label of a fault message (a call from the faulting thread to its pager) */
#define FAULT_UNDEF 1 /**< fault cause (MR0): undefined instruction; exit code 129 if not served */
/* The kernel's messages to a user-level scheduler (docs/scheduling.md),
 * sent on the named thread's behalf (r1 = its tid): */
#define IPC_LABEL_SCHED_START 0xfff1u   /**< MR0 = creator tid, MR1 = the
					 * creator's priority now (0: gone),
					 * MR2 = nice, MR3 = starting tid */
#define IPC_LABEL_SCHED_STOP 0xfff2u    /**< MR0 = exit code, MR1 = CPU
					 * ticks used, MR2 = messages lost */
#define IPC_LABEL_SCHED_QUANTUM 0xfff3u /**< MR0 = ticks used (its quantum),
					 * MR1 = ticks since it was given,
					 * MR2 = CPU ticks used in all,
					 * MR3 = its priority */
#define FAULT_PREFETCH 3 /**< fault cause: prefetch abort (instruction fetch); exit code 131 */
#define FAULT_DATA 4 /**< fault cause: data abort; exit code 132 */

/* The user thread control block: one per thread, at a user address the
 * thread's pager chooses (exchange_registers); TPIDRURO holds it. */
#define UTCB_MRS 64 /**< message registers in the UTCB: the longest full message, in words */
#define UTCB_SIZE 512 /**< bytes of a UTCB (struct utcb) */
#ifndef __ASSEMBLER__
#include <stdint.h>
/** @brief The user thread control block: one per thread, at a user
 * address (aligned to UTCB_SIZE) its pager chooses with exchange_registers;
 * a first pager's is the last page of its region. utcb_self() finds it. */
struct utcb {
	uint32_t mr[UTCB_MRS];  /**< full messages: words sent and received */
	uint32_t ext_send_buf;  /**< extended send: buffer and length */
	uint32_t ext_send_len;  /**< extended send: bytes (<= IPC_EXT_MAX) */
	uint32_t ext_recv_buf;  /**< extended receive: buffer and size; */
	uint32_t ext_recv_size; /**< extended receive: the buffer's size */
	uint32_t ext_recv_len;  /**< bytes the last extended receive got */
	uint32_t tls;           /**< the thread's own (the kernel never reads it) */
	uint32_t user[58];      /**< the thread's own (the kernel never reads it) */
};
_Static_assert(sizeof(struct utcb) == UTCB_SIZE, "utcb layout");
#endif
#define IPC_EXT_MAX 4096 /**< the largest extended message, in bytes */

/*
 * exchange_registers: r0 = tid, r1 = EXREGS_* flags, r2 = pointer to a
 * struct exregs in the caller's space (read for SET_*, written for GET).
 */
#define EXREGS_SET_REGS 0x1  /**< r0-r12 */
#define EXREGS_SET_SP 0x2 /**< set sp */
#define EXREGS_SET_PC 0x4 /**< set pc */
#define EXREGS_SET_LR 0x8 /**< set lr */
#define EXREGS_SET_PAGER 0x10 /**< set the pager (a thread of the same container, not itself) */
#define EXREGS_SET_UTCB 0x20 /**< set the UTCB address (aligned to UTCB_SIZE) */
#define EXREGS_GET 0x100 /**< write the current values back (after sets) */
#define EXREGS_VALID_MASK 0x13f /**< every valid exchange_registers flag */
#ifndef __ASSEMBLER__
/** @brief Registers of a thread for exchange_registers. */
struct exregs {
	uint32_t r[13]; /**< r0-r12 (EXREGS_SET_REGS) */
	uint32_t sp, lr, pc;
	uint32_t cpsr;  /**< read only: user mode is enforced */
	uint32_t pager; /**< tid, 0: none */
	uint32_t utcb;  /**< UTCB address */
};
/** @var exregs::sp
 * @brief stack pointer (EXREGS_SET_SP) */
/** @var exregs::lr
 * @brief link register (EXREGS_SET_LR) */
/** @var exregs::pc
 * @brief program counter (EXREGS_SET_PC) */
#endif

/*
 * map: r0 = physical address, r1 = virtual address, r2 = pages,
 * r3 = MAP_* attributes, r4 = target thread (0: caller). unmap: r0 =
 * virtual address, r1 = pages, r2 = target thread.
 */
#define MAP_ATTR_READ 0x1 /**< readable (required in every map) */
#define MAP_ATTR_WRITE 0x2 /**< writable */
#define MAP_ATTR_EXEC 0x4 /**< executable (a MAP_ATTR_DEVICE mapping never is) */
#define MAP_ATTR_DEVICE 0x8 /**< ARM Device memory type (uncached, never executable); required for a manifest device */
#define MAP_ATTR_MASK 0xf /**< every valid map attribute */
#define MAP_MAX_PAGES 1024 /**< pages one map or unmap may cover */

/*
 * mutex_control: r0 = address of a user mutex word, r1 = operation.
 * Word: 0 unlocked, 1 locked, 2 locked with waiters. Lock and unlock run in
 * user space (LDREX/STREX); the kernel is entered only on contention.
 */
#define MUTEX_WAIT 1 /**< block while the word still holds 2 */
#define MUTEX_WAKE 2 /**< wake one waiter; r0 = number woken */

/* The kernel interface page, mapped read-only in every space. */
#define KIP_ADDRESS 0x7ffff000u /**< where the kernel interface page (struct kip) is mapped, read-only, in every space */
#define KIP_MAGIC 0x5049494bu /**< "KIIP" */
#ifndef __ASSEMBLER__
/** @brief The kernel interface page at KIP_ADDRESS (kip_get()). */
struct kip {
	uint32_t magic;          /**< KIP_MAGIC */
	uint32_t abi_version;    /**< ABI_VERSION */
	uint32_t kernel_version; /**< major << 16 | minor << 8 | patch */
	uint32_t syscall_count;  /**< SYS_COUNT */
	uint32_t tick_hz;        /**< kernel ticks a second */
	uint32_t page_size;      /**< 4096 */
	uint32_t user_va_end;    /**< first address above user space */
	uint32_t utcb_size;      /**< UTCB_SIZE */
	uint32_t utcb_mrs;       /**< UTCB_MRS */
	uint32_t ext_max;        /**< IPC_EXT_MAX */
	uint32_t nr_containers;  /**< containers in the image */
	char build[32];          /**< "tessera <version> <board>" */
	uint32_t cpus_online; /**< bit n: core n runs threads (TC_CPUS) */
};
#endif
#define ABI_VERSION 1 /**< the system call ABI's version (struct kip abi_version) */

/*
 * irq_control: r0 = operation, r1 = IRQ number, r2 = thread (bind only;
 * 0: the caller). A bound IRQ is masked when it fires until its thread
 * acknowledges it.
 */
#define IRQ_BIND 1   /**< needs an irq_control capability on the thread, a
		      * device capability carrying the IRQ, a unit of the
		      * IRQS budget; -E_BUSY if already bound */
#define IRQ_UNBIND 2 /**< by the bound thread or one with the capability */
#define IRQ_WAIT 3   /**< the bound thread waits until it fires (returns at
		      * once if it fired since the last wait) */
#define IRQ_ACK 4    /**< unmask it again */

/* console_write: r0 = buffer, r1 = length; at most this much per call. */
#define CONSOLE_WRITE_MAX 256 /**< the most bytes one console_write takes */

/* getid: r0 = GETID_SELF (0): results r0 = thread id, r1 = thread-group
 * id, r2 = container, r3 = pager tid (0: none).
 * r0 = GETID_CHANNEL, r1 = a container's name (not NUL-terminated), r2 =
 * its length (1..GETID_NAME_MAX): r0 = the tid of that container's first
 * pager, if the caller may send ipc to it (a channel); -E_NOENT no such
 * container or no channel to it (the same answer, so nothing is learnt
 * about containers it cannot talk to), -E_BUSY between lives (its pager
 * ended, a restart may follow), -E_DEAD stopped for good, -E_FAULT name
 * not readable, -E_INVAL length. Any other r0: -E_INVAL. */
#define GETID_SELF 0 /**< getid r0: the caller's ids (sys_getid()) */
#define GETID_CHANNEL 1 /**< getid r0: the first pager of a named container (channel_lookup()) */
#define GETID_NAME_MAX 16 /**< = BOOTINFO_NAME_LEN, a manifest name's limit */

/*
 * Thread ids name one thread for ever: the low TID_INDEX_BITS bits are a
 * slot of the kernel's thread table, the bits above it the slot's
 * generation, which grows each time the slot is reused. An id of a dead
 * thread therefore never names a live one (a slot whose generation would
 * wrap is retired, never reused). Ids stay below 2^31, so a call can
 * return one in r0 as a non-negative result. The first thread of each
 * slot has generation 0: its id is the slot number.
 */
#define TID_INDEX_BITS 12 /**< bits of a tid naming its thread-table slot */
#define TID_INDEX_MASK ((1u << TID_INDEX_BITS) - 1) /**< the slot bits of a tid */
#define TID_GENERATION_LIMIT (1u << (31 - TID_INDEX_BITS)) /**< generations a slot has before it is retired */
#define TID_INDEX(tid) ((tid) & TID_INDEX_MASK) /**< the thread-table slot of a tid */
#define TID_GENERATION(tid) ((tid) >> TID_INDEX_BITS) /**< the generation of a tid's slot */

/* time: r0 = TIME_TICKS (0), TIME_MICROSECONDS or TIME_COUNTER. Results:
 * r1/r2 = low/high 32 bits of the count since boot, r3 = counts a second. */
#define TIME_TICKS 0        /**< kernel ticks (the KIP gives the rate) */
#define TIME_MICROSECONDS 1 /**< read off the counter */
#define TIME_COUNTER 2      /**< the board's counter itself, at its rate */

/*
 * sched_control: r0 = operation, r1 = thread id, r2 = priority
 * (1..the container's manifest priority), r3 = quantum in ticks
 * (1..SCHED_QUANTUM_MAX). Needs a CAP_RES_SCHED capability on the thread.
 */
#define SCHED_ADMIT 1  /**< start a thread whose start message it got */
#define SCHED_REFUSE 2 /**< end it (exit code -E_PERM); TC_RUN fails */
#define SCHED_SET 3    /**< new priority and quantum for an admitted thread
			* (resumes one waiting after its quantum ran out) */
#define SCHED_FORWARD 4 /**< pass a thread waiting for its start answer on
			 * to the scheduler of container r2 (one the
			 * manifest lets schedule the thread's container);
			 * r3 ignored */
#define SCHED_GET 5     /**< r0 = the index of the container scheduling the
			 * thread now (-E_INVAL: the kernel does) */
#define SCHED_FORWARDS_MAX 4 /**< forwards of one start */
#define SCHED_BY_KERNEL 0xffffffffu /**< TC_RUN's r1: the kernel started it */
#define SCHED_QUANTUM_MAX 1000 /**< the longest quantum sched_control gives, in ticks */
#define SCHED_NICE_MIN (-20) /**< the most favoured nice value (TC_RUN r2) */
#define SCHED_NICE_MAX 19 /**< the least favoured nice value */

#endif
