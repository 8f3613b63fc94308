/**
 * @file tessera/mutex.h
 * @brief User-space mutex over mutex_control.
 *
 * Lock and unlock are LDREX/STREX in user space; the kernel is entered
 * only when a thread must wait or wake a waiter (Drepper's three-state
 * mutex). Word: 0 unlocked, 1 locked, 2 locked and someone may be
 * waiting. Waiting needs a `mutex` capability (own_caps gives one) and a
 * unit of the MUTEXES budget while the thread waits in the kernel.
 */
#ifndef TESSERA_MUTEX_H
#define TESSERA_MUTEX_H

#include <stdint.h>

/** @brief A mutex: one word in memory every user of it has mapped. */
struct mutex {
	volatile uint32_t word; /**< 0 unlocked, 1 locked, 2 locked with waiters */
};

/** @brief Initializer of an unlocked mutex: `struct mutex m = MUTEX_INIT;` */
#define MUTEX_INIT {0}

/**
 * @brief Take the mutex, waiting in the kernel (MUTEX_WAIT) while it is
 * held.
 *
 * The result of the wait is not checked: a wait refused by the kernel
 * (no mutex capability, the MUTEXES budget exhausted) makes the caller
 * spin on the word instead of sleeping.
 * @param m the mutex
 */
void mutex_lock(struct mutex *m);
/**
 * @brief Release the mutex; wakes one waiter (MUTEX_WAKE) if there may be
 * one.
 * @param m the mutex, held by the caller
 */
void mutex_unlock(struct mutex *m);
/**
 * @brief Take the mutex if it is free, without waiting.
 * @param m the mutex
 * @return 0 if taken, -1 if it was held
 */
int mutex_trylock(struct mutex *m);

#endif
