/*
 * Starting threads: what every program that creates threads does the same
 * way. The caller owns the stack and the UTCB (a pool of slots of its own).
 */
#ifndef TESSERA_THREAD_H
#define TESSERA_THREAD_H

#include <stdint.h>
#include <tessera/syscall.h>

/* Create an inactive thread (thread_control flags, tgid as TC_CREATE) at
 * pc with sp, r0 = a0, r1 = a1 and its UTCB set. Returns its tid, or -E_*
 * with nothing left behind. */
int thread_prepare(uint32_t flags, uint32_t tgid, uint32_t pc, uint32_t sp,
		   uint32_t a0, uint32_t a1, struct utcb *utcb);

/* An entry point for thread_prepare: calls r0 = int (*)(uint32_t) with
 * r1 as its argument and exits with what it returns. */
void thread_call_entry(uint32_t fn, uint32_t arg) __attribute__((noreturn));

#endif
