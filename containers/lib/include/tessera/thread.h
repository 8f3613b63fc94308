/**
 * @file tessera/thread.h
 * @brief Starting threads: what every program that creates threads does
 * the same way.
 *
 * The caller owns the stack and the UTCB (a pool of slots of its own).
 */
#ifndef TESSERA_THREAD_H
#define TESSERA_THREAD_H

#include <stdint.h>
#include <tessera/syscall.h>

/**
 * @brief Create an inactive thread with its r0, r1 and UTCB set, ready
 * for TC_RUN.
 *
 * thread_control TC_CREATE with the caller as space source, then
 * exchange_registers to set r0, r1 and its UTCB. If setting the registers
 * fails, the thread is destroyed and reaped again.
 * @param flags TC_CREATE flags: a space (TC_SAME_SPACE, TC_NEW_SPACE,
 *        TC_COPY_SPACE) and a pager (TC_AS_PAGER, TC_SHARE_PAGER)
 * @param tgid thread group of a same-space clone (0: its own)
 * @param pc entry point, e.g. thread_call_entry
 * @param sp initial stack pointer (the top of a stack the caller owns)
 * @param a0 its r0
 * @param a1 its r1
 * @param utcb its UTCB: UTCB_SIZE bytes aligned to UTCB_SIZE (512),
 *        mapped in its space, used by no other thread
 * @return its tid (start it with sys_thread_run()), or the error of
 *         TC_CREATE (-E_PERM, -E_BUDGET, -E_INVAL, ...) or of
 *         exchange_registers (-E_INVAL for a misaligned UTCB), with nothing
 *         left behind
 */
int thread_prepare(uint32_t flags, uint32_t tgid, uint32_t pc, uint32_t sp,
		   uint32_t a0, uint32_t a1, struct utcb *utcb);

/**
 * @brief An entry point for thread_prepare(): calls a function and exits
 * with what it returns.
 * @param fn an `int (*)(uint32_t)`, passed as r0 (a0 of thread_prepare())
 * @param arg its argument, passed as r1 (a1)
 */
void thread_call_entry(uint32_t fn, uint32_t arg) __attribute__((noreturn));

#endif
