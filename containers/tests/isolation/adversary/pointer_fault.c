/*
 * Bad pointers and faults. The kernel never dereferences a user pointer:
 * it walks the caller's page tables first (copy_from_user, copy_to_user,
 * user_writable, space_user_word in kernel/generic/space.c), so any
 * address that is not mapped in the caller's own space with the access
 * needed, or reaches the kernel's range, is -E_FAULT and nothing moves.
 * The victim's addresses are simply not mapped here. A fault of a thread
 * it pages becomes a message to it (kernel/generic/exception.c); refusing
 * it ends that thread with 128 + cause and touches nothing else.
 */
#include <stddef.h>
#include <tessera/boot.h>
#include "adversary.h"

#define UNMAPPED FAR_VA /* inside its virtual range, never mapped here */

static const char hello[] = "adversary: console_write works\n";

/* -E_FAULT: console_write reads the buffer through its own tables. */
TEST_CASE(pointer, console_write)
{
	EXPECT_EQ(sys_console_write(hello, sizeof(hello) - 1),
		  (int)sizeof(hello) - 1);
	EXPECT_ERR(sys_console_write(NULL, 16), -E_FAULT);
	EXPECT_ERR(
	    sys_console_write((const char *)victim.w[ISO_PATTERN_VIRT], 64),
	    -E_FAULT);
	EXPECT_ERR(sys_console_write((const char *)KERNEL_VIRT, 64), -E_FAULT);
	EXPECT_ERR(
	    sys_console_write((const char *)(KIP_ADDRESS + PAGE - 8), 16),
	    -E_FAULT); /* runs into the kernel's range */
	EXPECT_ERR(sys_console_write((const char *)0xfffffff0u, 32), -E_FAULT);
	PASSED();
}

static int park(uint32_t arg)
{
	struct ipc_msg m = {0};

	return ipc_receive(self.tid, &m);
}

/* -E_FAULT: the register block is read, and written back for GET, in its
 * own space; a read-only page (the KIP) cannot take the write-back. */
TEST_CASE(pointer, exchange_registers)
{
	struct exregs r = {0};
	int child = child_create(park, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(sys_exchange_registers((uint32_t)child, EXREGS_GET, &r), 0);
	EXPECT_ERR(sys_exchange_registers((uint32_t)child, EXREGS_GET, NULL),
		   -E_FAULT);
	EXPECT_ERR(
	    sys_exchange_registers((uint32_t)child, EXREGS_GET,
				   (struct exregs *)victim.w[ISO_PATTERN_VIRT]),
	    -E_FAULT);
	EXPECT_ERR(sys_exchange_registers((uint32_t)child, EXREGS_SET_PC,
					  (struct exregs *)KERNEL_VIRT),
		   -E_FAULT);
	EXPECT_ERR(sys_exchange_registers((uint32_t)child, EXREGS_GET,
					  (struct exregs *)KIP_ADDRESS),
		   -E_FAULT);
	EXPECT_EQ(kip_get()->magic, KIP_MAGIC);
	EXPECT_EQ(child_kill(child), 0);
	PASSED();
}

/* -E_FAULT: cap_read checks the whole array is writable first. */
TEST_CASE(pointer, cap_read)
{
	static struct cap_info buf[4];
	struct cap_info *end =
	    (struct cap_info *)(container_region.virt + container_region.size) -
	    1;

	EXPECT_EQ(cap_read(buf, 4), 4);
	EXPECT_EQ(cap_read(end, 1), 1); /* the last 48 bytes it has */
	EXPECT_ERR(cap_read(end, 2), -E_FAULT);
	EXPECT_ERR(cap_read(NULL, 1), -E_FAULT);
	EXPECT_ERR(cap_read((struct cap_info *)KIP_ADDRESS, 1), -E_FAULT);
	EXPECT_ERR(cap_read((struct cap_info *)KERNEL_VIRT, 1), -E_FAULT);
	EXPECT_ERR(cap_read((struct cap_info *)victim.w[ISO_PATTERN_VIRT], 1),
		   -E_FAULT);
	EXPECT_ERR(cap_read(buf, 5000), -E_FAULT);
	PASSED();
}

/* -E_FAULT: the mutex word must be aligned, mapped, writable, not a
 * device, in its own space. */
TEST_CASE(pointer, mutex_control)
{
	static volatile uint32_t w[2];
	static const uint32_t ops[] = {MUTEX_WAKE, MUTEX_WAIT};

	EXPECT_EQ(sys_mutex_control(&w[0], MUTEX_WAKE), 0);
	EXPECT_EQ(sys_mutex_control(&w[0], MUTEX_WAIT), 0); /* not 2: no wait */
	for (int i = 0; i < 2; i++) {
		EXPECT_ERR(sys_mutex_control(
			       (volatile uint32_t *)((uintptr_t)w + 2), ops[i]),
			   -E_FAULT);
		EXPECT_ERR(sys_mutex_control(NULL, ops[i]), -E_FAULT);
		EXPECT_ERR(
		    sys_mutex_control((volatile uint32_t *)KIP_ADDRESS, ops[i]),
		    -E_FAULT);
		EXPECT_ERR(
		    sys_mutex_control((volatile uint32_t *)KERNEL_VIRT, ops[i]),
		    -E_FAULT);
		EXPECT_ERR(sys_mutex_control(
			       (volatile uint32_t *)victim.w[ISO_PATTERN_VIRT],
			       ops[i]),
			   -E_FAULT);
	}
	PASSED();
}

static volatile uint32_t ready;

/* Wait to receive from anyone; exit with the result or the label. */
static int receive_any(uint32_t arg)
{
	struct ipc_msg m = {0};

	ready = 1;
	int err = ipc_receive(IPC_ANY, &m);
	return err ? err : (int)IPC_TAG_LABEL(m.tag);
}

/* Send a full message of 4 words to its pager; exit with the result. */
static int send_full(uint32_t arg)
{
	struct ipc_msg m = {IPC_TAG(9, 4, IPC_TYPE_FULL, 0), {0}, 0};

	return ipc_send(self.tid, &m);
}

/* A receiving child whose UTCB is at utcb (0: its own), waiting. */
static int waiting_child(uint32_t utcb)
{
	struct exregs r = {0};
	int child = child_create(receive_any, 0);

	if (child > 0 && utcb) {
		r.utcb = utcb;
		if (sys_exchange_registers((uint32_t)child, EXREGS_SET_UTCB,
					   &r)) {
			child_kill(child);
			return -E_INVAL;
		}
	}
	ready = 0;
	if (child > 0)
		sys_thread_run((uint32_t)child);
	for (int i = 0; i < 100 && !ready; i++)
		sys_yield();
	sys_yield(); /* into its receive */
	return child;
}

static int send_to(int tid, uint32_t type, uint32_t len)
{
	struct ipc_msg m = {IPC_TAG(9, len, type, 0), {0}, 0};

	return ipc_send((uint32_t)tid, &m);
}

/* -E_FAULT on both sides: a full message copies UTCB words; a UTCB that
 * is not mapped (sender) or not there (receiver) fails the transfer. */
TEST_CASE(pointer, ipc_full_bad_utcb)
{
	struct ipc_msg m = {0};
	struct exregs r = {0};

	/* counterpart: both UTCBs good, the words arrive */
	int child = waiting_child(0);
	EXPECT_GT(child, 0);
	utcb_self()->mr[3] = 0xfeed;
	EXPECT_EQ(send_to(child, IPC_TYPE_FULL, 4), 0);
	EXPECT_EQ(child_wait(child), 9);
	/* the receiver's UTCB is not mapped */
	child = waiting_child(UNMAPPED);
	EXPECT_GT(child, 0);
	EXPECT_ERR(send_to(child, IPC_TYPE_FULL, 4), -E_FAULT);
	EXPECT_ERR(child_wait(child), -E_FAULT);
	/* the sender's UTCB is not mapped */
	child = child_create(send_full, 0);
	EXPECT_GT(child, 0);
	r.utcb = UNMAPPED;
	EXPECT_EQ(sys_exchange_registers((uint32_t)child, EXREGS_SET_UTCB, &r),
		  0);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	EXPECT_ERR(ipc_receive((uint32_t)child, &m), -E_FAULT);
	EXPECT_ERR(child_wait(child), -E_FAULT);
	PASSED();
}

/* -E_FAULT on both sides: an extended message's buffers are checked in
 * the sender's and the receiver's own spaces. */
TEST_CASE(pointer, ipc_extended_bad_buffer)
{
	static uint8_t out[64], in[64];
	static const uint32_t bad_send[] = {0, KERNEL_VIRT,
					    KIP_ADDRESS + PAGE - 32};
	struct utcb *me = utcb_self();
	int child;

	for (unsigned i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)i;
	/* counterpart: both buffers good, the bytes arrive */
	child = child_create(receive_any, 0);
	EXPECT_GT(child, 0);
	child_utcb(child)->ext_recv_buf = (uint32_t)(uintptr_t)in;
	child_utcb(child)->ext_recv_size = sizeof(in);
	ready = 0;
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	me->ext_send_buf = (uint32_t)(uintptr_t)out;
	me->ext_send_len = sizeof(out);
	EXPECT_EQ(send_to(child, IPC_TYPE_EXT, 0), 0);
	EXPECT_EQ(child_wait(child), 9);
	EXPECT_EQ(in[63], 63);
	/* the victim's address (not mapped here), the kernel's, and a
	 * buffer that runs off the end of user space */
	for (unsigned k = 0; k < 3; k++) {
		child = child_create(receive_any, 0);
		EXPECT_GT(child, 0);
		child_utcb(child)->ext_recv_buf = (uint32_t)(uintptr_t)in;
		child_utcb(child)->ext_recv_size = sizeof(in);
		EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
		me->ext_send_buf =
		    bad_send[k] ? bad_send[k] : victim.w[ISO_PATTERN_VIRT];
		me->ext_send_len = 64;
		EXPECT_ERR(send_to(child, IPC_TYPE_EXT, 0), -E_FAULT);
		EXPECT_ERR(child_wait(child), -E_FAULT);
	}
	/* the receiver's buffer is read-only (the KIP) */
	child = child_create(receive_any, 0);
	EXPECT_GT(child, 0);
	child_utcb(child)->ext_recv_buf = KIP_ADDRESS;
	child_utcb(child)->ext_recv_size = sizeof(in);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	me->ext_send_buf = (uint32_t)(uintptr_t)out;
	me->ext_send_len = sizeof(out);
	EXPECT_ERR(send_to(child, IPC_TYPE_EXT, 0), -E_FAULT);
	EXPECT_ERR(child_wait(child), -E_FAULT);
	EXPECT_EQ(kip_get()->magic, KIP_MAGIC);
	PASSED();
}

/* Accepted, then -E_FAULT: the KIP is aligned and below the kernel's
 * range, so it may be named as a UTCB, but the kernel writes a UTCB only
 * where the thread could write itself. */
TEST_CASE(pointer, utcb_over_the_kip)
{
	int child = waiting_child(KIP_ADDRESS);

	EXPECT_GT(child, 0);
	EXPECT_ERR(send_to(child, IPC_TYPE_FULL, 8), -E_FAULT);
	EXPECT_ERR(child_wait(child), -E_FAULT);
	EXPECT_EQ(kip_get()->magic, KIP_MAGIC);
	child = waiting_child(KIP_ADDRESS); /* a short message needs no UTCB */
	EXPECT_GT(child, 0);
	EXPECT_EQ(send_to(child, IPC_TYPE_SHORT, 0), 0);
	EXPECT_EQ(child_wait(child), 9);
	PASSED();
}

/* ---- faults in a child it pages ------------------------------------------ */

struct fault {
	int err;
	uint32_t label, cause, addr;
};

/* Receive the child's fault and refuse it (MR0 != 0). */
static struct fault refuse_fault(int child)
{
	struct ipc_msg m = {0};
	struct fault f = {0};

	f.err = ipc_receive((uint32_t)child, &m);
	f.label = IPC_TAG_LABEL(m.tag);
	f.cause = m.mr[0];
	f.addr = m.mr[1];
	if (!f.err) {
		struct ipc_msg no = {
		    IPC_TAG(0, 0, IPC_TYPE_SHORT, 0), {1, 0, 0, 0}, 0};
		f.err = ipc_send((uint32_t)child, &no);
	}
	return f;
}

static int read_word(uint32_t addr)
{
	return (int)*(volatile uint32_t *)addr;
}

static int write_word(uint32_t addr)
{
	*(volatile uint32_t *)addr = 0xbad;
	return 0;
}

static int disable_mmu(uint32_t arg)
{
	__asm__ volatile("mcr p15, 0, %0, c1, c0, 0" ::"r"(arg) : "memory");
	return 0;
}

static volatile uint32_t own_value = 0x1234;

/* Refused data abort: the child reads the victim's pattern address (not
 * mapped in this space); its pager (us) refuses, the child ends with
 * 128 + FAULT_DATA. */
TEST_CASE(fault, data_abort_on_victim_address)
{
	int child = child_spawn(read_word, (uint32_t)(uintptr_t)&own_value);

	EXPECT_GT(child, 0);
	EXPECT_EQ(child_wait(child), 0x1234); /* its own memory reads */
	child = child_spawn(read_word, victim.w[ISO_PATTERN_VIRT]);
	EXPECT_GT(child, 0);
	struct fault f = refuse_fault(child);
	EXPECT_EQ(f.err, 0);
	EXPECT_EQ(f.label, IPC_LABEL_FAULT);
	EXPECT_EQ(f.cause, FAULT_DATA);
	EXPECT_EQ(f.addr, victim.w[ISO_PATTERN_VIRT]);
	EXPECT_EQ(child_wait(child), 128 + FAULT_DATA);
	EXPECT_EQ(used_of(CAP_RES_THREADS), 0);
	PASSED();
}

/* Refused data abort: the KIP is read-only. */
TEST_CASE(fault, write_to_kip)
{
	int child = child_spawn(write_word, (uint32_t)(uintptr_t)&own_value);

	EXPECT_GT(child, 0);
	EXPECT_EQ(child_wait(child), 0);
	child = child_spawn(write_word, KIP_ADDRESS);
	EXPECT_GT(child, 0);
	struct fault f = refuse_fault(child);
	EXPECT_EQ(f.err, 0);
	EXPECT_EQ(f.cause, FAULT_DATA);
	EXPECT_EQ(f.addr, KIP_ADDRESS);
	EXPECT_EQ(child_wait(child), 128 + FAULT_DATA);
	EXPECT_EQ(kip_get()->magic, KIP_MAGIC);
	PASSED();
}

/* Refused prefetch abort: kernel text is not executable from user mode. */
TEST_CASE(fault, jump_into_kernel)
{
	struct exregs r = {0};
	int child = child_create(read_word, (uint32_t)(uintptr_t)&own_value);

	EXPECT_GT(child, 0);
	r.pc = KERNEL_VIRT;
	EXPECT_EQ(sys_exchange_registers((uint32_t)child, EXREGS_SET_PC, &r),
		  0);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	struct fault f = refuse_fault(child);
	EXPECT_EQ(f.err, 0);
	EXPECT_EQ(f.cause, FAULT_PREFETCH);
	EXPECT_EQ(f.addr, KERNEL_VIRT);
	EXPECT_EQ(child_wait(child), 128 + FAULT_PREFETCH);
	PASSED();
}

/* Refused undefined instruction: writing SCTLR (the MMU's switch) is
 * privileged. */
TEST_CASE(fault, disable_mmu)
{
	int child = child_spawn(disable_mmu, 0);

	EXPECT_GT(child, 0);
	struct fault f = refuse_fault(child);
	EXPECT_EQ(f.err, 0);
	EXPECT_EQ(f.cause, FAULT_UNDEF);
	EXPECT_EQ(child_wait(child), 128 + FAULT_UNDEF);
	PASSED();
}

const struct test_case pointer_fault_tests[] = {
	TEST_ENTRY(pointer, console_write),
	TEST_ENTRY(pointer, exchange_registers),
	TEST_ENTRY(pointer, cap_read),
	TEST_ENTRY(pointer, mutex_control),
	TEST_ENTRY(pointer, ipc_full_bad_utcb),
	TEST_ENTRY(pointer, ipc_extended_bad_buffer),
	TEST_ENTRY(pointer, utcb_over_the_kip),
	TEST_ENTRY(fault, data_abort_on_victim_address),
	TEST_ENTRY(fault, write_to_kip),
	TEST_ENTRY(fault, jump_into_kernel),
	TEST_ENTRY(fault, disable_mmu),
	TEST_TABLE_END,
};
