/* Child threads for the test cases: stacks, UTCBs and an entry trampoline. */
#ifndef TESTSUITE_SPAWN_H
#define TESTSUITE_SPAWN_H

#include <stdint.h>
#include <tessera/syscall.h>

#define SPAWN_MAX 80

typedef int (*child_fn)(uint32_t arg);

/* Create (not run) a child in this space or a copy (flags TC_*), paged by
 * the caller unless flags say otherwise. Returns its tid or -E_*. */
int spawn_create(child_fn fn, uint32_t arg, uint32_t flags);
/* The same, naming the thread group a same-space clone should join. */
int spawn_create_group(child_fn fn, uint32_t arg, uint32_t flags,
		       uint32_t tgid);
/* Create and run; returns the tid or -E_*. */
int spawn(child_fn fn, uint32_t arg);
/* Wait for a child and release its slot; returns its exit code. */
int spawn_wait(int tid);
/* Release the slot of a child that is gone without a wait. */
void spawn_forget(int tid);
/* A UTCB for the calling test's own thread (the pager has one already). */
uint32_t spawn_utcb_of(int tid);

#endif
