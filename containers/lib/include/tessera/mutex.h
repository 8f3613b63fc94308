/*
 * User-space mutex: lock and unlock are LDREX/STREX in user space; the
 * kernel is entered only when a thread must wait or wake a waiter.
 * Word: 0 unlocked, 1 locked, 2 locked and someone may be waiting.
 */
#ifndef TESSERA_MUTEX_H
#define TESSERA_MUTEX_H

#include <stdint.h>

struct mutex {
	volatile uint32_t word;
};

#define MUTEX_INIT {0}

void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);
/* 0 if taken, -1 if it was held. */
int mutex_trylock(struct mutex *m);

#endif
