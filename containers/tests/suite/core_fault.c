/*
 * Exceptions reaching a pager, and what mapping attributes really allow:
 * undefined instructions (refused, emulated, privileged CP15 accesses),
 * data aborts (read-only pages, unmapped pages, the KIP, kernel memory,
 * alignment) with their exact address and status, instruction fetches from
 * non-executable and device pages, user mode that cannot be left, device
 * aliases of RAM, attribute and range errors of map, TC_DESTROY_CHILDREN, a
 * pager dying with a fault message in hand, and time sharing among equals.
 *
 * Every faulting thread is a child created with TC_AS_PAGER, so the test's
 * own thread is its pager and receives its faults as IPC_LABEL_FAULT calls.
 * The cases run the child to its end before checking anything (a failed
 * expectation returns from the case, and must not leave a child waiting
 * for a fault reply or a page mapped for the next case).
 */
#include <stddef.h>
#include <tessera/boot.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#define THREAD_MAX_PAGER_DEPTH 16 /* kernel/include/kernel/thread.h */

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096u
#endif

/* Free user addresses, away from core_mem.c's alias at 0x30000000. */
#define RO_VA 0x38000000u     /* read-only alias of ro_page */
#define MISS_VA 0x38010000u   /* nothing mapped until a pager maps it */
#define NX_VA 0x38020000u     /* RW, non-exec alias of code_page */
#define DEV_VA 0x38030000u    /* device alias of dev_page */
#define DEVX_VA 0x38040000u   /* device alias of code_page, "exec" asked */
#define ATTR_VA 0x38050000u   /* map.attribute_errors */

/* ARM short-descriptor fault status (DFSR/IFSR): FS[4] is bit 10. */
#define FSR_FS(s) (((s)&0xfu) | (((s) >> 6) & 0x10u))
#define FSR_WNR (1u << 11)           /* DFSR: the access was a write */
#define FS_ALIGNMENT 0x01u
#define FS_TRANSLATION_SECTION 0x05u
#define FS_TRANSLATION_PAGE 0x07u
#define FS_PERMISSION_SECTION 0x0du
#define FS_PERMISSION_PAGE 0x0fu

#define STORED_WORD 0xc0ffee01u /* what fault_store_fn writes */
#define RO_OFFSET 0x48cu        /* where in the page the child writes */

#define FAULT_EXIT(cause) (128 + (cause))

/*
 * The instructions under test, in ARM state, each with a label so the
 * pager can compare the pc it is told with the real address.
 */
__asm__(".pushsection .text.core_fault, \"ax\", %progbits\n"
	".arm\n"
	".p2align 2\n"
	/* int fault_udf_fn(arg): udf #0, then return arg + 1 */
	".global fault_udf_fn\n"
	".type fault_udf_fn, %function\n"
	"fault_udf_fn:\n"
	".global fault_udf_insn\n"
	"fault_udf_insn:\n"
	"	.inst 0xe7f000f0\n" /* udf #0 */
	"	add r0, r0, #1\n"
	"	bx lr\n"
	/* int fault_udf_add_fn(arg): udf #5; udf #0x23; return r0: a pager
	 * emulating "udf #n" as r0 += n makes it return arg + 40 */
	".global fault_udf_add_fn\n"
	".type fault_udf_add_fn, %function\n"
	"fault_udf_add_fn:\n"
	".global fault_udf_add_insn1\n"
	"fault_udf_add_insn1:\n"
	"	.inst 0xe7f000f5\n" /* udf #5 */
	".global fault_udf_add_insn2\n"
	"fault_udf_add_insn2:\n"
	"	.inst 0xe7f002f3\n" /* udf #0x23 */
	"	bx lr\n"
	/* int fault_store_fn(addr): *addr = STORED_WORD; return 0 */
	".global fault_store_fn\n"
	".type fault_store_fn, %function\n"
	"fault_store_fn:\n"
	"	movw r1, #0xee01\n"
	"	movt r1, #0xc0ff\n"
	".global fault_store_insn\n"
	"fault_store_insn:\n"
	"	str r1, [r0]\n"
	"	mov r0, #0\n"
	"	bx lr\n"
	/* int fault_load_fn(addr): return *addr */
	".global fault_load_fn\n"
	".type fault_load_fn, %function\n"
	"fault_load_fn:\n"
	".global fault_load_insn\n"
	"fault_load_insn:\n"
	"	ldr r0, [r0]\n"
	"	bx lr\n"
	/* int fault_ldm_fn(addr): return addr[0] + addr[1] with one LDM
	 * (LDM always needs a word-aligned address: SCTLR.A does not
	 * matter) */
	".global fault_ldm_fn\n"
	".type fault_ldm_fn, %function\n"
	"fault_ldm_fn:\n"
	".global fault_ldm_insn\n"
	"fault_ldm_insn:\n"
	"	ldm r0, {r1, r2}\n"
	"	add r0, r1, r2\n"
	"	bx lr\n"
	/* int fault_mrc_sctlr_fn(arg): read SCTLR (PL1 only) */
	".global fault_mrc_sctlr_fn\n"
	".type fault_mrc_sctlr_fn, %function\n"
	"fault_mrc_sctlr_fn:\n"
	".global fault_mrc_sctlr_insn\n"
	"fault_mrc_sctlr_insn:\n"
	"	mrc p15, 0, r0, c1, c0, 0\n"
	"	bx lr\n"
	/* int fault_mcr_tpidruro_fn(value): write TPIDRURO (read-only at
	 * PL0: the kernel keeps the UTCB address there) */
	".global fault_mcr_tpidruro_fn\n"
	".type fault_mcr_tpidruro_fn, %function\n"
	"fault_mcr_tpidruro_fn:\n"
	".global fault_mcr_tpidruro_insn\n"
	"fault_mcr_tpidruro_insn:\n"
	"	mcr p15, 0, r0, c13, c0, 3\n"
	"	mov r0, #0\n"
	"	bx lr\n"
	/* int mode_change_fn(arg): try to enter SVC mode and mask
	 * interrupts both ways; return the CPSR's mode and I/F bits */
	".global mode_change_fn\n"
	".type mode_change_fn, %function\n"
	"mode_change_fn:\n"
	"	msr cpsr_c, #0xd3\n"
	"	cpsid if, #0x13\n"
	"	mrs r0, cpsr\n"
	"	and r0, r0, #0xdf\n"
	"	bx lr\n"
	".popsection\n");

/* int thumb_udf_fn(arg): Thumb code, r0 += 1, a 16-bit udf, r0 += 2 */
__asm__(".pushsection .text\n"
	".syntax unified\n"
	".thumb\n"
	".global thumb_udf_fn\n"
	".type thumb_udf_fn, %function\n"
	".thumb_func\n"
	"thumb_udf_fn:\n"
	"	adds r0, r0, #1\n"
	".global thumb_udf_insn\n"
	"thumb_udf_insn:\n"
	"	.inst.n 0xde00\n"
	"	adds r0, r0, #2\n"
	"	bx lr\n"
	".arm\n"
	".popsection\n");

int thumb_udf_fn(uint32_t arg);
extern const char thumb_udf_insn[];
int fault_udf_fn(uint32_t arg);
int fault_udf_add_fn(uint32_t arg);
int fault_store_fn(uint32_t addr);
int fault_load_fn(uint32_t addr);
int fault_ldm_fn(uint32_t addr);
int fault_mrc_sctlr_fn(uint32_t arg);
int fault_mcr_tpidruro_fn(uint32_t value);
int mode_change_fn(uint32_t arg);
extern const uint32_t fault_udf_insn[], fault_udf_add_insn1[],
	fault_udf_add_insn2[], fault_store_insn[], fault_load_insn[],
	fault_ldm_insn[], fault_mrc_sctlr_insn[], fault_mcr_tpidruro_insn[];

#define ADDR(sym) ((uint32_t)(uintptr_t)(sym))

/* A function of two instructions: mov r0, #imm; bx lr. */
#define INSN_MOV_R0(imm) (0xe3a00000u | ((imm)&0xffu))
#define INSN_BX_LR 0xe12fff1eu

static uint32_t ro_page[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));
static uint32_t code_page[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));
static uint32_t dev_page[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));
static uint32_t attr_pages[2][PAGE_SIZE / 4]
	__attribute__((aligned(PAGE_SIZE)));

static uint32_t phys_of(const void *p)
{
	return container_region.phys +
	       ((uint32_t)(uintptr_t)p - container_region.virt);
}

static uint32_t self_tid(void)
{
	struct sys_ids ids;

	sys_getid(&ids);
	return ids.tid;
}

static uint64_t now(void)
{
	uint64_t t;
	uint32_t hz;

	sys_time(&t, &hz);
	return t;
}

/* ---- serving faults ---------------------------------------------------- */

struct fault_msg {
	uint32_t from, tag;
	uint32_t cause, addr, pc, status;
};

#define LOG_MAX 4

struct fault_log {
	int n;                       /* fault messages received */
	struct fault_msg f[LOG_MAX]; /* the first LOG_MAX of them */
	int other;                   /* messages that were not faults */
	int end;                     /* the receive error that ended it */
	int reply_errors;            /* replies the kernel refused */
};

/* What the pager answers a fault with: MR0 of the reply (0: resume). */
typedef uint32_t (*fault_policy)(int tid, const struct fault_msg *f, int nth);

static uint32_t refuse(int tid, const struct fault_msg *f, int nth)
{
	(void)tid, (void)f, (void)nth;
	return 1;
}

/* Answer a waiting faulter; never blocks (IPC_NONBLOCK). */
static int fault_reply(int tid, uint32_t mr0)
{
	struct ipc_msg m = {.tag = IPC_SEND | IPC_NONBLOCK, .mr = {mr0}};

	return sys_ipc((uint32_t)tid, 0, &m);
}

/*
 * Be tid's pager until it ends: log every message, answer faults as the
 * policy says (anything past LOG_MAX is refused, so a thread faulting in
 * a loop still ends). Returns its exit code, reaped.
 */
static int serve(int tid, fault_policy policy, struct fault_log *log)
{
	*log = (struct fault_log){0};
	for (;;) {
		struct ipc_msg m = {0};
		int err = ipc_receive((uint32_t)tid, &m);

		if (err) { /* -E_DEAD: it ended; -E_NOENT: it had already */
			log->end = err;
			break;
		}
		if (IPC_TAG_LABEL(m.tag) != IPC_LABEL_FAULT) {
			log->other++;
			continue;
		}
		struct fault_msg f = {m.from, m.tag, m.mr[0],
				      m.mr[1], m.mr[2], m.mr[3]};
		int nth = log->n++;
		if (nth < LOG_MAX)
			log->f[nth] = f;
		uint32_t answer = nth < LOG_MAX ? policy(tid, &f, nth) : 1;
		if (fault_reply(tid, answer) != 0)
			log->reply_errors++;
	}
	return spawn_wait(tid);
}

static bool ended_without_fault(const struct fault_log *log)
{
	return log->n == 0 && log->other == 0 &&
	       (log->end == -E_DEAD || log->end == -E_NOENT);
}

/* ---- undefined instructions -------------------------------------------- */

TEST_CASE(undef, reported_to_pager_and_refusal_ends_thread)
{
	struct fault_log log = {0};
	int tid = spawn(fault_udf_fn, 6);

	EXPECT_GT(tid, 0);
	int code = serve(tid, refuse, &log);
	EXPECT_EQ(log.n, 1);
	EXPECT_EQ(log.other, 0);
	EXPECT_EQ(log.reply_errors, 0);
	EXPECT_EQ(log.f[0].from, tid);
	EXPECT_EQ(IPC_TAG_LABEL(log.f[0].tag), IPC_LABEL_FAULT);
	EXPECT_EQ(log.f[0].tag & IPC_TYPE_MASK, IPC_TYPE_SHORT);
	EXPECT_EQ(log.f[0].cause, FAULT_UNDEF);
	EXPECT_EQ(log.f[0].pc, ADDR(fault_udf_insn));
	EXPECT_EQ(code, FAULT_EXIT(FAULT_UNDEF));
}

/* "udf #imm16" of an ARM instruction word, or -1 if it is not one. */
static int udf_imm(uint32_t insn)
{
	if ((insn & 0xfff000f0u) != 0xe7f000f0u)
		return -1;
	return (int)(((insn >> 4) & 0xfff0u) | (insn & 0xfu));
}

static uint32_t emulated_pcs[LOG_MAX];

/* Emulate "udf #n" as r0 += n: read the instruction at the faulting pc,
 * then set r0 and pc = pc + 4 with exchange_registers and resume. */
static uint32_t emulate_udf_add(int tid, const struct fault_msg *f, int nth)
{
	struct exregs r = {0};

	if (f->cause != FAULT_UNDEF ||
	    sys_exchange_registers((uint32_t)tid, EXREGS_GET, &r) != 0)
		return 1;
	emulated_pcs[nth] = r.pc; /* the kernel's view, before the change */
	if (r.pc != f->pc)
		return 2;
	int imm = udf_imm(*(const volatile uint32_t *)(uintptr_t)r.pc);
	if (imm < 0)
		return 3;
	r.r[0] += (uint32_t)imm;
	r.pc += 4;
	if (sys_exchange_registers((uint32_t)tid,
				   EXREGS_SET_REGS | EXREGS_SET_PC | EXREGS_GET,
				   &r) != 0 ||
	    r.pc != f->pc + 4)
		return 4;
	return 0;
}

TEST_CASE(undef, emulated_by_pager_through_exchange_registers)
{
	struct fault_log log = {0};

	for (int i = 0; i < LOG_MAX; i++)
		emulated_pcs[i] = 0;
	int tid = spawn(fault_udf_add_fn, 100);

	EXPECT_GT(tid, 0);
	int code = serve(tid, emulate_udf_add, &log);
	EXPECT_EQ(log.n, 2);
	EXPECT_EQ(log.reply_errors, 0);
	EXPECT_EQ(log.f[0].pc, ADDR(fault_udf_add_insn1));
	EXPECT_EQ(emulated_pcs[0], ADDR(fault_udf_add_insn1));
	EXPECT_EQ(log.f[1].pc, ADDR(fault_udf_add_insn2));
	EXPECT_EQ(emulated_pcs[1], ADDR(fault_udf_add_insn2));
	EXPECT_EQ(code, 100 + 5 + 0x23); /* both emulated, nothing skipped */
}

/* In Thumb state the pager sees the udf's own address and skips it with
 * pc + 2 (the kernel once reported it 2 bytes early). */
static uint32_t skip_thumb_udf(int tid, const struct fault_msg *f, int nth)
{
	struct exregs r = {0};

	(void)nth;
	if (f->cause != FAULT_UNDEF ||
	    sys_exchange_registers((uint32_t)tid, EXREGS_GET, &r) != 0 ||
	    !(r.cpsr & 0x20u) || r.pc != f->pc)
		return 1;
	r.pc += 2;
	return sys_exchange_registers((uint32_t)tid, EXREGS_SET_PC, &r) ? 2 : 0;
}

TEST_CASE(undef, thumb_state_reported_at_the_instruction)
{
	struct fault_log log = {0};
	int tid = spawn(thumb_udf_fn, 10);

	EXPECT_GT(tid, 0);
	int code = serve(tid, skip_thumb_udf, &log);
	EXPECT_EQ(log.n, 1);
	EXPECT_EQ(log.f[0].pc, (uint32_t)(uintptr_t)thumb_udf_insn & ~1u);
	EXPECT_EQ(code, 13); /* 10 + 1 + 2: nothing re-run, nothing skipped */
}

/* A thread suspended while it waits for a fault reply retries the
 * instruction when resumed (docs/syscalls.md): a second, identical fault. */
TEST_CASE(undef, suspended_while_waiting_retries_instruction)
{
	struct ipc_msg m = {0};
	int tid = spawn(fault_udf_fn, 1);

	EXPECT_GT(tid, 0);
	int first = ipc_receive((uint32_t)tid, &m);
	uint32_t first_pc = m.mr[2], first_cause = m.mr[0];
	int susp = sys_thread_suspend((uint32_t)tid);
	/* the fault wait is over: a reply now finds nobody waiting */
	int late = fault_reply(tid, 0);
	int res = sys_thread_resume((uint32_t)tid);
	struct fault_log log = {0};
	int code = serve(tid, emulate_udf_add, &log); /* udf #0: r0 += 0 */

	EXPECT_EQ(first, 0);
	EXPECT_EQ(first_cause, FAULT_UNDEF);
	EXPECT_EQ(first_pc, ADDR(fault_udf_insn));
	EXPECT_EQ(susp, 0);
	EXPECT_ERR(late, -E_BUSY);
	EXPECT_EQ(res, 0);
	EXPECT_EQ(log.n, 1);
	EXPECT_EQ(log.f[0].cause, FAULT_UNDEF);
	EXPECT_EQ(log.f[0].pc, ADDR(fault_udf_insn));
	EXPECT_EQ(code, 2);
}

/* System registers of PL1 and the read-only TPIDRURO are undefined
 * instructions to user mode. */
TEST_CASE(undef, privileged_cp15_access)
{
	struct fault_log rd = {0}, wr = {0};
	int r = spawn(fault_mrc_sctlr_fn, 0);
	int rcode = r > 0 ? serve(r, refuse, &rd) : r;
	int w = spawn(fault_mcr_tpidruro_fn, 0x12345000u);
	int wcode = w > 0 ? serve(w, refuse, &wr) : w;

	EXPECT_GT(r, 0);
	EXPECT_EQ(rd.n, 1);
	EXPECT_EQ(rd.f[0].cause, FAULT_UNDEF);
	EXPECT_EQ(rd.f[0].pc, ADDR(fault_mrc_sctlr_insn));
	EXPECT_EQ(rcode, FAULT_EXIT(FAULT_UNDEF));
	EXPECT_GT(w, 0);
	EXPECT_EQ(wr.n, 1);
	EXPECT_EQ(wr.f[0].cause, FAULT_UNDEF);
	EXPECT_EQ(wr.f[0].pc, ADDR(fault_mcr_tpidruro_insn));
	EXPECT_EQ(wcode, FAULT_EXIT(FAULT_UNDEF));
}

/* ---- data aborts ------------------------------------------------------- */

static uint32_t make_ro_page_writable(int tid, const struct fault_msg *f,
				      int nth)
{
	(void)tid, (void)nth;
	if (f->cause != FAULT_DATA || (f->addr & ~(PAGE_SIZE - 1)) != RO_VA)
		return 1;
	return sys_map(phys_of(ro_page), RO_VA, 1,
		       MAP_ATTR_READ | MAP_ATTR_WRITE, 0) == 0 ? 0 : 2;
}

TEST_CASE(data, write_to_read_only_page_faults_then_lands_after_remap)
{
	struct fault_log log = {0};

	ro_page[RO_OFFSET / 4] = 0;
	int mapped = sys_map(phys_of(ro_page), RO_VA, 1, MAP_ATTR_READ, 0);
	int tid = mapped ? mapped : spawn(fault_store_fn, RO_VA + RO_OFFSET);
	int code = tid > 0 ? serve(tid, make_ro_page_writable, &log) : tid;
	uint32_t through_alias =
		mapped ? 0 : ((volatile uint32_t *)RO_VA)[RO_OFFSET / 4];
	int unmapped = sys_unmap(RO_VA, 1, 0);

	EXPECT_EQ(mapped, 0);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(log.n, 1);
	EXPECT_EQ(log.reply_errors, 0);
	EXPECT_EQ(log.f[0].cause, FAULT_DATA);
	EXPECT_EQ(log.f[0].addr, RO_VA + RO_OFFSET); /* the exact word */
	EXPECT_EQ(log.f[0].pc, ADDR(fault_store_insn));
	EXPECT_TRUE(log.f[0].status & FSR_WNR);
	EXPECT_EQ(FSR_FS(log.f[0].status), FS_PERMISSION_PAGE);
	EXPECT_EQ(code, 0);
	/* the retried store landed, seen through both mappings */
	EXPECT_EQ(((volatile uint32_t *)ro_page)[RO_OFFSET / 4], STORED_WORD);
	EXPECT_EQ(through_alias, STORED_WORD);
	EXPECT_EQ(unmapped, 1);
}

TEST_CASE(data, read_of_read_only_page_needs_no_pager)
{
	struct fault_log log = {0};

	ro_page[RO_OFFSET / 4] = 0x5a5;
	int mapped = sys_map(phys_of(ro_page), RO_VA, 1, MAP_ATTR_READ, 0);
	int tid = mapped ? mapped : spawn(fault_load_fn, RO_VA + RO_OFFSET);
	int code = tid > 0 ? serve(tid, refuse, &log) : tid;
	int unmapped = sys_unmap(RO_VA, 1, 0);

	EXPECT_EQ(mapped, 0);
	EXPECT_GT(tid, 0);
	EXPECT_TRUE(ended_without_fault(&log));
	EXPECT_EQ(code, 0x5a5);
	EXPECT_EQ(unmapped, 1);
}

static uint32_t map_missing_page(int tid, const struct fault_msg *f, int nth)
{
	(void)tid, (void)nth;
	if (f->cause != FAULT_DATA || (f->addr & ~(PAGE_SIZE - 1)) != MISS_VA)
		return 1;
	return sys_map(phys_of(ro_page), MISS_VA, 1, MAP_ATTR_READ, 0) == 0
		       ? 0
		       : 2;
}

/* The other half of the WnR check: a read of an unmapped page is a
 * translation fault with the write bit clear. */
TEST_CASE(data, read_of_unmapped_page_reports_read_fault)
{
	struct fault_log log = {0};

	ro_page[8] = 0x3c3;
	sys_unmap(MISS_VA, 1, 0);
	int tid = spawn(fault_load_fn, MISS_VA + 8 * 4);
	int code = tid > 0 ? serve(tid, map_missing_page, &log) : tid;
	int unmapped = sys_unmap(MISS_VA, 1, 0);

	EXPECT_GT(tid, 0);
	EXPECT_EQ(log.n, 1);
	EXPECT_EQ(log.f[0].cause, FAULT_DATA);
	EXPECT_EQ(log.f[0].addr, MISS_VA + 8 * 4);
	EXPECT_EQ(log.f[0].pc, ADDR(fault_load_insn));
	EXPECT_FALSE(log.f[0].status & FSR_WNR);
	uint32_t fs = FSR_FS(log.f[0].status);
	EXPECT_TRUE(fs == FS_TRANSLATION_SECTION || fs == FS_TRANSLATION_PAGE);
	EXPECT_EQ(code, 0x3c3);
	EXPECT_EQ(unmapped, 1);
}

TEST_CASE(data, write_to_kip_faults)
{
	struct fault_log log = {0};
	uint32_t magic = kip_get()->magic;
	int tid = spawn(fault_store_fn, KIP_ADDRESS + 0x40);
	int code = tid > 0 ? serve(tid, refuse, &log) : tid;

	EXPECT_GT(tid, 0);
	EXPECT_EQ(log.n, 1);
	EXPECT_EQ(log.f[0].cause, FAULT_DATA);
	EXPECT_EQ(log.f[0].addr, KIP_ADDRESS + 0x40);
	EXPECT_TRUE(log.f[0].status & FSR_WNR);
	EXPECT_EQ(FSR_FS(log.f[0].status), FS_PERMISSION_PAGE);
	EXPECT_EQ(code, FAULT_EXIT(FAULT_DATA));
	EXPECT_EQ(kip_get()->magic, magic);
	EXPECT_EQ(magic, KIP_MAGIC);
}

/* The kernel's own text (mapped privileged-only, above USER_VA_END) is
 * neither readable nor writable from user mode; any permission fault
 * status will do (the kernel maps its RAM with sections today). */
#define KERNEL_TEXT 0xc0100000u /* the kernel's boot entry */

static bool is_permission_fault(uint32_t status)
{
	return FSR_FS(status) == FS_PERMISSION_PAGE ||
	       FSR_FS(status) == FS_PERMISSION_SECTION;
}

TEST_CASE(data, kernel_memory_is_out_of_reach)
{
	struct fault_log rd = {0}, wr = {0};
	int r = spawn(fault_load_fn, KERNEL_TEXT);
	int rcode = r > 0 ? serve(r, refuse, &rd) : r;
	int w = spawn(fault_store_fn, KERNEL_TEXT);
	int wcode = w > 0 ? serve(w, refuse, &wr) : w;

	EXPECT_GT(r, 0);
	EXPECT_EQ(rd.n, 1);
	EXPECT_EQ(rd.f[0].cause, FAULT_DATA);
	EXPECT_EQ(rd.f[0].addr, KERNEL_TEXT);
	EXPECT_FALSE(rd.f[0].status & FSR_WNR);
	EXPECT_TRUE(is_permission_fault(rd.f[0].status));
	EXPECT_EQ(rcode, FAULT_EXIT(FAULT_DATA));
	EXPECT_GT(w, 0);
	EXPECT_EQ(wr.n, 1);
	EXPECT_EQ(wr.f[0].cause, FAULT_DATA);
	EXPECT_EQ(wr.f[0].addr, KERNEL_TEXT);
	EXPECT_TRUE(wr.f[0].status & FSR_WNR);
	EXPECT_TRUE(is_permission_fault(wr.f[0].status));
	EXPECT_EQ(wcode, FAULT_EXIT(FAULT_DATA));
}

/* LDM from an address that is not word aligned is an alignment fault on
 * any memory type; the pager learns the exact address. */
TEST_CASE(data, unaligned_ldm_reports_alignment_fault)
{
	struct fault_log log = {0};
	int tid = spawn(fault_ldm_fn, ADDR(&ro_page[4]) + 2);
	int code = tid > 0 ? serve(tid, refuse, &log) : tid;

	EXPECT_GT(tid, 0);
	EXPECT_EQ(log.n, 1);
	EXPECT_EQ(log.f[0].cause, FAULT_DATA);
	EXPECT_EQ(log.f[0].addr, ADDR(&ro_page[4]) + 2);
	EXPECT_EQ(log.f[0].pc, ADDR(fault_ldm_insn));
	EXPECT_EQ(FSR_FS(log.f[0].status), FS_ALIGNMENT);
	EXPECT_EQ(code, FAULT_EXIT(FAULT_DATA));
}

/* ---- instruction fetches ----------------------------------------------- */

static int call_at(uint32_t addr)
{
	return ((int (*)(void))(uintptr_t)addr)();
}

static uint32_t make_nx_page_executable(int tid, const struct fault_msg *f,
					int nth)
{
	(void)tid, (void)nth;
	if (f->cause != FAULT_PREFETCH || f->addr != NX_VA)
		return 1;
	return sys_map(phys_of(code_page), NX_VA, 1,
		       MAP_ATTR_READ | MAP_ATTR_EXEC, 0) == 0 ? 0 : 2;
}

/*
 * The code is written through the data side and then executed. On real
 * hardware that needs the data cache cleaned to the point of unification
 * and the instruction cache invalidated for the range (CP15 operations
 * that ARMv7 keeps at PL1, so a user pager would need a kernel call); QEMU
 * models no caches and its translated-code cache watches writes to the
 * page, so none is done here.
 */
TEST_CASE(exec, from_non_exec_page_faults_then_runs_after_remap)
{
	struct fault_log first = {0}, second = {0};

	code_page[0] = INSN_MOV_R0(42);
	code_page[1] = INSN_BX_LR;
	int mapped = sys_map(phys_of(code_page), NX_VA, 1,
			     MAP_ATTR_READ | MAP_ATTR_WRITE, 0);
	int tid = mapped ? mapped : spawn(call_at, NX_VA);
	int code = tid > 0 ? serve(tid, make_nx_page_executable, &first) : tid;
	/* new code through the other mapping; NX_VA is RX now: no fault */
	code_page[0] = INSN_MOV_R0(43);
	int tid2 = mapped ? mapped : spawn(call_at, NX_VA);
	int code2 = tid2 > 0 ? serve(tid2, refuse, &second) : tid2;
	int unmapped = sys_unmap(NX_VA, 1, 0);

	EXPECT_EQ(mapped, 0);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(first.n, 1);
	EXPECT_EQ(first.reply_errors, 0);
	EXPECT_EQ(first.f[0].cause, FAULT_PREFETCH);
	EXPECT_EQ(first.f[0].addr, NX_VA);
	EXPECT_EQ(first.f[0].pc, NX_VA);
	EXPECT_EQ(FSR_FS(first.f[0].status), FS_PERMISSION_PAGE);
	EXPECT_EQ(code, 42);
	EXPECT_GT(tid2, 0);
	EXPECT_TRUE(ended_without_fault(&second));
	EXPECT_EQ(code2, 43); /* 42 would be a stale instruction */
	EXPECT_EQ(unmapped, 1);
}

/* Device pages are never executable, whatever map was asked for. */
TEST_CASE(exec, from_device_page_faults)
{
	struct fault_log log = {0};

	code_page[0] = INSN_MOV_R0(42);
	code_page[1] = INSN_BX_LR;
	int mapped = sys_map(phys_of(code_page), DEVX_VA, 1,
			     MAP_ATTR_READ | MAP_ATTR_EXEC | MAP_ATTR_DEVICE,
			     0);
	int tid = mapped ? mapped : spawn(call_at, DEVX_VA);
	int code = tid > 0 ? serve(tid, refuse, &log) : tid;
	int unmapped = sys_unmap(DEVX_VA, 1, 0);

	EXPECT_EQ(mapped, 0); /* accepted: EXEC is simply not granted */
	EXPECT_GT(tid, 0);
	EXPECT_EQ(log.n, 1);
	EXPECT_EQ(log.f[0].cause, FAULT_PREFETCH);
	EXPECT_EQ(log.f[0].addr, DEVX_VA);
	EXPECT_EQ(log.f[0].pc, DEVX_VA);
	EXPECT_EQ(FSR_FS(log.f[0].status), FS_PERMISSION_PAGE);
	EXPECT_EQ(code, FAULT_EXIT(FAULT_PREFETCH));
	EXPECT_EQ(unmapped, 1);
}

/* MSR and CPS cannot leave user mode or mask interrupts from it (they are
 * ignored, not faults): the thread is still in user mode with IRQs and
 * FIQs unmasked. */
TEST_CASE(exec, user_mode_cannot_be_left)
{
	struct fault_log log = {0};
	int tid = spawn(mode_change_fn, 0);
	int code = tid > 0 ? serve(tid, refuse, &log) : tid;

	EXPECT_GT(tid, 0);
	EXPECT_TRUE(ended_without_fault(&log));
	EXPECT_EQ(code, 0x10); /* USR, I and F clear */
}

/* ---- device mappings --------------------------------------------------- */

/*
 * A device (uncached) alias of ordinary RAM. Mismatched attributes on one
 * physical page need cache maintenance on real hardware; QEMU has no
 * caches, so what one mapping writes the other reads at once.
 */
TEST_CASE(map, device_alias_of_ram_reads_and_writes_through)
{
	volatile uint32_t *dev = (volatile uint32_t *)DEV_VA;
	volatile uint32_t *ram = dev_page;
	int bad_dev_to_ram = 0, bad_ram_to_dev = 0;

	int mapped = sys_map(phys_of(dev_page), DEV_VA, 1,
			     MAP_ATTR_READ | MAP_ATTR_WRITE | MAP_ATTR_DEVICE,
			     0);
	EXPECT_EQ(mapped, 0);
	for (uint32_t i = 0; i < PAGE_SIZE / 4; i += 17)
		dev[i] = 0xd0000000u + i;
	for (uint32_t i = 0; i < PAGE_SIZE / 4; i += 17)
		bad_dev_to_ram += ram[i] != 0xd0000000u + i;
	for (uint32_t i = 3; i < PAGE_SIZE / 4; i += 17)
		ram[i] = 0x0a000000u + i;
	for (uint32_t i = 3; i < PAGE_SIZE / 4; i += 17)
		bad_ram_to_dev += dev[i] != 0x0a000000u + i;
	/* the kernel uses no device page as a mutex word */
	int mutex = sys_mutex_control(&dev[1], MUTEX_WAKE);
	int unmapped = sys_unmap(DEV_VA, 1, 0);

	EXPECT_EQ(bad_dev_to_ram, 0);
	EXPECT_EQ(bad_ram_to_dev, 0);
	EXPECT_ERR(mutex, -E_FAULT);
	EXPECT_EQ(unmapped, 1);
}

/* ---- map argument errors (core_mem.c's map.errors has the rest) -------- */

TEST_CASE(map, attribute_errors)
{
	uint32_t p = phys_of(attr_pages[0]);
	const uint32_t R = MAP_ATTR_READ, W = MAP_ATTR_WRITE,
		       X = MAP_ATTR_EXEC, D = MAP_ATTR_DEVICE;

	sys_unmap(ATTR_VA, 1, 0);
	/* every combination without READ */
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, 0, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, X, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, D, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, W | X, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, W | D, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, X | D, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, W | X | D, 0), -E_INVAL);
	/* unknown bits, the lowest and the highest, with valid ones */
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, R | 0x10, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, R | 0x80000000u, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ATTR_VA, 1, 0xffffffffu, 0), -E_INVAL);
	/* none of them mapped anything */
	EXPECT_EQ(sys_unmap(ATTR_VA, 1, 0), 0);
	/* every combination with READ is accepted, mapping over the last */
	for (uint32_t a = 0; a <= MAP_ATTR_MASK; a++) {
		if (a & R)
			EXPECT_EQ(sys_map(p, ATTR_VA, 1, a, 0), 0);
	}
	/* a rejected map over a mapping leaves it as it was */
	EXPECT_EQ(sys_map(p, ATTR_VA, 1, R | W, 0), 0);
	EXPECT_ERR(sys_map(phys_of(attr_pages[1]), ATTR_VA, 1, W | 0x20, 0),
		   -E_INVAL);
	attr_pages[0][5] = 0;
	attr_pages[1][5] = 0;
	((volatile uint32_t *)ATTR_VA)[5] = 0x600d;
	EXPECT_EQ(((volatile uint32_t *)attr_pages[0])[5], 0x600d);
	EXPECT_EQ(((volatile uint32_t *)attr_pages[1])[5], 0);
	EXPECT_EQ(sys_unmap(ATTR_VA, 1, 0), 1);
}

TEST_CASE(map, ranges_next_to_the_kip)
{
	uint32_t p = phys_of(attr_pages[0]), below = KIP_ADDRESS - PAGE_SIZE;
	const uint32_t R = MAP_ATTR_READ;

	attr_pages[0][0] = 0x4b1b;
	EXPECT_EQ(sys_map(p, below, 1, R, 0), 0); /* ends where the KIP starts */
	EXPECT_EQ(*(volatile uint32_t *)below, 0x4b1b);
	EXPECT_ERR(sys_map(p, below, 2, R, 0), -E_INVAL); /* runs over it */
	EXPECT_ERR(sys_map(p, below - PAGE_SIZE, 3, R, 0), -E_INVAL);
	EXPECT_ERR(sys_unmap(KIP_ADDRESS, 1, 0), -E_INVAL);
	EXPECT_ERR(sys_unmap(below, 2, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, 0xfffff000u, 2, R, 0), -E_INVAL); /* wraps */
	EXPECT_EQ(sys_unmap(below, 1, 0), 1);
	EXPECT_EQ(kip_get()->magic, KIP_MAGIC); /* still there */
}

/* ---- TC_DESTROY_CHILDREN ----------------------------------------------- */

enum dc_kind {
	DC_RECV_FROM_PAGER, /* blocked in ipc receive from the manager */
	DC_RECV_ANY,        /* blocked in an open receive */
	DC_SPIN,            /* always runnable */
	DC_YIELD,           /* runnable, yielding */
	DC_ZOMBIE,          /* ended, never reaped */
	DC_GRANDPARENT,     /* pages a spinning child, waits for it */
	DC_FAULTER,         /* waits for the manager's fault reply */
	DC_CALLER,          /* queued on the manager in an ipc call */
	DC_SUSPENDED,       /* a spinner, suspended */
	DC_INACTIVE,        /* created, never run */
	DC_KINDS
};

static volatile uint32_t dc_ready[DC_KINDS];
static volatile uint32_t dc_spins, other_spins;
static volatile int dc_grandchild, dc_created_all;
static volatile uint32_t dc_manager_tid;

#define DC_MAGIC 0xd35700u

struct dc_result {
	int none_before;      /* destroy_children with no child */
	int created;          /* children created */
	int all_ready;        /* every running child reached its state */
	int destroyed;        /* destroy_children's result */
	int gone;             /* tids (children and grandchild) now -E_NOENT */
	int wait_any;         /* TC_WAIT(0) afterwards */
	int none_after;       /* destroy_children again */
	int recv;             /* the open receive after it all */
	uint32_t recv_from, recv_mr0, recv_label;
};

static struct dc_result dc;

static int dc_spin(uint32_t kind)
{
	dc_ready[kind] = 1;
	for (;;)
		dc_spins++;
	return 0;
}

static int dc_grandchild_spin(uint32_t arg)
{
	(void)arg;
	for (;;)
		dc_spins++;
	return 0;
}

static int dc_child(uint32_t kind)
{
	struct ipc_msg m = {0};

	switch (kind) {
	case DC_RECV_FROM_PAGER:
		dc_ready[kind] = 1;
		return ipc_receive(dc_manager_tid, &m);
	case DC_RECV_ANY:
		dc_ready[kind] = 1;
		return ipc_receive(IPC_ANY, &m);
	case DC_YIELD:
		dc_ready[kind] = 1;
		for (;;)
			sys_yield();
	case DC_ZOMBIE:
		dc_ready[kind] = 1;
		return 9;
	case DC_GRANDPARENT: {
		/* spawn.c's slots have no lock: let the manager finish */
		while (!dc_created_all)
			sys_yield();
		int gc = spawn(dc_grandchild_spin, 0);
		dc_grandchild = gc;
		dc_ready[kind] = 1;
		return sys_thread_wait((uint32_t)gc, NULL);
	}
	case DC_FAULTER:
		dc_ready[kind] = 1;
		return fault_udf_fn(0);
	case DC_CALLER:
		dc_ready[kind] = 1;
		return ipc_call(dc_manager_tid, &m);
	default:
		return -1;
	}
}

static bool dc_all_ready(void)
{
	for (int k = 0; k < DC_KINDS; k++)
		if (k != DC_INACTIVE && !dc_ready[k])
			return false;
	return true;
}

/* Pages one child of every kind, then ends them all in one call. */
static int dc_manager(uint32_t arg)
{
	int tids[DC_KINDS + 1];
	struct ipc_msg m = {0};
	(void)arg;

	dc_manager_tid = self_tid();
	dc.none_before = sys_thread_destroy_children(5);
	for (int k = 0; k < DC_KINDS; k++) {
		child_fn fn = k == DC_SPIN || k == DC_SUSPENDED ? dc_spin
								: dc_child;
		tids[k] = spawn_create(fn, (uint32_t)k,
				       TC_SAME_SPACE | TC_AS_PAGER);
		if (tids[k] <= 0)
			return 1000 + k;
		dc.created++;
		if (k != DC_INACTIVE)
			sys_thread_run((uint32_t)tids[k]);
	}
	dc_created_all = 1;
	uint64_t t0 = now();
	while (!dc_all_ready() && now() - t0 < 100)
		sys_yield();
	dc.all_ready = dc_all_ready();
	sys_thread_suspend((uint32_t)tids[DC_SUSPENDED]);
	/* each yield lets every runnable thread run once: the last ones
	 * to report ready are in their blocking calls now */
	sys_yield();
	sys_yield();
	tids[DC_KINDS] = dc_grandchild;

	dc.destroyed = sys_thread_destroy_children(77);

	for (int k = 0; k <= DC_KINDS; k++) {
		if (tids[k] > 0 &&
		    sys_thread_resume((uint32_t)tids[k]) == -E_NOENT &&
		    sys_thread_wait((uint32_t)tids[k], NULL) == -E_NOENT)
			dc.gone++;
		spawn_forget(tids[k]);
	}
	dc.wait_any = sys_thread_wait(0, NULL);
	dc.none_after = sys_thread_destroy_children(5);
	/* nothing stale is left queued on us: the next message is the test
	 * thread's, not a destroyed caller's or faulter's */
	dc.recv = ipc_receive(IPC_ANY, &m);
	dc.recv_from = m.from;
	dc.recv_mr0 = m.mr[0];
	dc.recv_label = IPC_TAG_LABEL(m.tag);
	return 0;
}

static int receive_mr0(uint32_t from)
{
	struct ipc_msg m = {0};
	int err = ipc_receive(from, &m);

	return err ? err : (int)m.mr[0];
}

static int count_other(uint32_t arg)
{
	(void)arg;
	for (;;)
		other_spins++;
	return 0;
}

TEST_CASE(thread, destroy_children_ends_everything_paged)
{
	uint32_t me = self_tid();

	dc = (struct dc_result){0};
	for (int k = 0; k < DC_KINDS; k++)
		dc_ready[k] = 0;
	dc_grandchild = dc_created_all = 0;
	/* two threads of another pager (us): one blocked, one running */
	int waiter = spawn(receive_mr0, me);
	int spinner = spawn(count_other, 0);
	int manager = spawn(dc_manager, 0);
	struct ipc_msg m = {.mr = {DC_MAGIC}};
	int sent = ipc_send((uint32_t)manager, &m); /* waits its receive */
	int manager_code = spawn_wait(manager);
	/* ours are untouched: the spinner still counts, the waiter waits */
	uint32_t before = other_spins;
	uint64_t t0 = now();
	while (other_spins == before && now() - t0 < 50)
		sys_yield();
	bool spinner_ran = other_spins != before;
	struct ipc_msg w = {.mr = {0x1234}};
	int sent_waiter = ipc_send((uint32_t)waiter, &w);
	int waiter_code = spawn_wait(waiter);
	sys_thread_destroy((uint32_t)spinner, 3);
	int spinner_code = spawn_wait(spinner);

	EXPECT_EQ(manager_code, 0);
	EXPECT_EQ(dc.none_before, 0);
	EXPECT_EQ(dc.created, DC_KINDS);
	EXPECT_TRUE(dc.all_ready);
	EXPECT_GT(dc_grandchild, 0);
	EXPECT_EQ(dc.destroyed, DC_KINDS); /* its own children, not theirs */
	EXPECT_EQ(dc.gone, DC_KINDS + 1);  /* ... but those are gone too */
	EXPECT_ERR(dc.wait_any, -E_NOENT);
	EXPECT_EQ(dc.none_after, 0);
	EXPECT_EQ(sent, 0);
	EXPECT_EQ(dc.recv, 0);
	EXPECT_EQ(dc.recv_from, me);
	EXPECT_EQ(dc.recv_mr0, DC_MAGIC);
	EXPECT_EQ(dc.recv_label, 0);
	EXPECT_TRUE(spinner_ran);
	EXPECT_EQ(sent_waiter, 0);
	EXPECT_EQ(waiter_code, 0x1234);
	EXPECT_EQ(spinner_code, 3);
}

static int park_forever(uint32_t from)
{
	struct ipc_msg m = {0};
	return ipc_receive(from, &m); /* it never sends: until destroyed */
}

/* Take `child` over as its pager once the test waits for it, end it and
 * reap it ourselves; returns the code we reaped. */
static int adopt_and_end(uint32_t child)
{
	struct exregs r = {0};
	struct sys_ids ids;

	sys_getid(&ids);
	for (int i = 0; i < 3; i++)
		sys_yield(); /* the test thread is in its wait by now */
	r.pager = ids.tid;
	int err = sys_exchange_registers(child, EXREGS_SET_PAGER, &r);
	if (err)
		return 1000 + err;
	sys_thread_destroy(child, 55);
	return sys_thread_wait(child, NULL);
}

/* Pager chains are bounded and acyclic: a chain of 16 pagers below us is
 * the most there can be, a thread that pages others keeps its pager, and
 * ending the top of the chain ends all of it (the kernel's stack is safe). */
TEST_CASE(thread, pager_chains_are_bounded_and_acyclic)
{
	enum { N = 18 };
	int tids[N];
	struct exregs r = {0};
	int chain = 1, err = 0;

	for (int i = 0; i < N; i++) {
		tids[i] = sys_thread_create(0, TC_SAME_SPACE | TC_AS_PAGER, 0,
					    0x1000, 0x2000);
		EXPECT_GT(tids[i], 0);
	}
	/* tids[0] is one below us; each next one below the previous */
	for (int i = 1; i < N && !err; i++) {
		r.pager = (uint32_t)tids[i - 1];
		err = sys_exchange_registers((uint32_t)tids[i],
					     EXREGS_SET_PAGER, &r);
		if (!err)
			chain++;
	}
	EXPECT_ERR(err, -E_BUDGET);
	EXPECT_EQ(chain, THREAD_MAX_PAGER_DEPTH);
	/* no cycle: the top of the chain pages others, so it cannot move */
	r.pager = (uint32_t)tids[chain - 1];
	EXPECT_ERR(sys_exchange_registers((uint32_t)tids[0], EXREGS_SET_PAGER,
					  &r),
		   -E_BUSY);
	/* ending the top ends the whole chain */
	EXPECT_EQ(sys_thread_destroy((uint32_t)tids[0], 9), 0);
	EXPECT_EQ(sys_thread_wait((uint32_t)tids[0], NULL), 9);
	for (int i = 1; i < chain; i++)
		EXPECT_ERR(sys_thread_suspend((uint32_t)tids[i]), -E_NOENT);
	/* the ones that never joined the chain are still ours */
	EXPECT_EQ(sys_thread_destroy_children(0), N - chain);
}

TEST_CASE(thread, wait_ends_when_the_child_gets_another_pager)
{
	int child = spawn(park_forever, self_tid());

	EXPECT_GT(child, 0);
	int adopter = spawn(adopt_and_end, (uint32_t)child);
	EXPECT_GT(adopter, 0);
	EXPECT_ERR(sys_thread_wait((uint32_t)child, NULL), -E_NOENT);
	spawn_forget(child);
	EXPECT_EQ(spawn_wait(adopter), 55);
}

static int destroy_children_of_self(uint32_t arg)
{
	(void)arg;
	return sys_thread_destroy_children(1);
}

TEST_CASE(thread, destroy_children_without_children_returns_zero)
{
	int tid = spawn(destroy_children_of_self, 0);

	EXPECT_GT(tid, 0);
	EXPECT_EQ(spawn_wait(tid), 0);
}

/* ---- a pager dying with a fault message in hand ------------------------ */

/*
 * core_mem.c's pager.death_ends_waiting_clients covers a client still
 * queued on its pager; here the pager has received the fault message (the
 * client waits for the reply) and exits without answering.
 */
static volatile int faulter_of_dead_pager;

static int receive_fault_then_exit(uint32_t arg)
{
	struct ipc_msg m = {0};
	(void)arg;

	int child = spawn(fault_udf_fn, 0);
	faulter_of_dead_pager = child;
	if (child <= 0)
		return 1000;
	if (ipc_receive((uint32_t)child, &m) != 0)
		return 1001;
	if (IPC_TAG_LABEL(m.tag) != IPC_LABEL_FAULT || m.mr[0] != FAULT_UNDEF)
		return 1002;
	return 7; /* no reply: the client must not stay blocked */
}

TEST_CASE(pager, death_after_receiving_fault_ends_client)
{
	faulter_of_dead_pager = 0;
	int p = spawn(receive_fault_then_exit, 0);
	int code = spawn_wait(p);
	int child = faulter_of_dead_pager;

	spawn_forget(child);
	EXPECT_EQ(code, 7);
	EXPECT_GT(child, 0);
	EXPECT_ERR(sys_thread_resume((uint32_t)child), -E_NOENT);
	EXPECT_ERR(sys_thread_suspend((uint32_t)child), -E_NOENT);
	EXPECT_ERR(sys_thread_wait((uint32_t)child, NULL), -E_NOENT);
}

/* ---- time sharing among equals ----------------------------------------- */

#define FAIR_THREADS 4
#define FAIR_TICKS 40

static volatile uint64_t fair_start, fair_end;
static volatile uint32_t fair_count[FAIR_THREADS];

/* Count as fast as possible between fair_start and fair_end (ticks). */
static int fair_worker(uint32_t i)
{
	while (now() < fair_start)
		;
	for (;;) {
		for (int k = 0; k < 64; k++)
			fair_count[i]++;
		if (now() >= fair_end)
			return 0;
	}
}

/*
 * No call sets a priority (a thread inherits its creator's), so this is
 * the equal-priority case: busy threads that never block share the CPU
 * through timer preemption alone, each getting a like share.
 */
TEST_CASE(sched, equal_priority_busy_threads_share_the_cpu)
{
	int tids[FAIR_THREADS];
	int codes = 0;

	for (int i = 0; i < FAIR_THREADS; i++)
		fair_count[i] = 0;
	fair_start = now() + 2;
	fair_end = fair_start + FAIR_TICKS;
	for (int i = 0; i < FAIR_THREADS; i++)
		tids[i] = spawn(fair_worker, (uint32_t)i);
	for (int i = 0; i < FAIR_THREADS; i++)
		codes |= tids[i] > 0 ? spawn_wait(tids[i]) : 1;
	uint32_t lo = fair_count[0], hi = fair_count[0];
	for (int i = 1; i < FAIR_THREADS; i++) {
		lo = fair_count[i] < lo ? fair_count[i] : lo;
		hi = fair_count[i] > hi ? fair_count[i] : hi;
	}

	EXPECT_EQ(codes, 0);
	EXPECT_GT(lo, 0);
	EXPECT_LE(hi, 4ull * lo);
}

const struct test_case core_fault_tests[] = {
	TEST_ENTRY(undef, reported_to_pager_and_refusal_ends_thread),
	TEST_ENTRY(undef, emulated_by_pager_through_exchange_registers),
	TEST_ENTRY(undef, thumb_state_reported_at_the_instruction),
	TEST_ENTRY(undef, suspended_while_waiting_retries_instruction),
	TEST_ENTRY(undef, privileged_cp15_access),
	TEST_ENTRY(data, write_to_read_only_page_faults_then_lands_after_remap),
	TEST_ENTRY(data, read_of_read_only_page_needs_no_pager),
	TEST_ENTRY(data, read_of_unmapped_page_reports_read_fault),
	TEST_ENTRY(data, write_to_kip_faults),
	TEST_ENTRY(data, kernel_memory_is_out_of_reach),
	TEST_ENTRY(data, unaligned_ldm_reports_alignment_fault),
	TEST_ENTRY(exec, from_non_exec_page_faults_then_runs_after_remap),
	TEST_ENTRY(exec, from_device_page_faults),
	TEST_ENTRY(exec, user_mode_cannot_be_left),
	TEST_ENTRY(map, device_alias_of_ram_reads_and_writes_through),
	TEST_ENTRY(map, attribute_errors),
	TEST_ENTRY(map, ranges_next_to_the_kip),
	TEST_ENTRY(thread, destroy_children_ends_everything_paged),
	TEST_ENTRY(thread, destroy_children_without_children_returns_zero),
	TEST_ENTRY(thread, wait_ends_when_the_child_gets_another_pager),
	TEST_ENTRY(thread, pager_chains_are_bounded_and_acyclic),
	TEST_ENTRY(pager, death_after_receiving_fault_ends_client),
	TEST_ENTRY(sched, equal_priority_busy_threads_share_the_cpu),
	TEST_TABLE_END,
};
