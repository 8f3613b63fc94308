/* User-space mutexes over mutex_control (Drepper's three-state mutex). */
#include <tessera/mutex.h>
#include <tessera/sys.h>

/* Atomically: if *w == old, store new. Returns the value found. */
static uint32_t cmpxchg(volatile uint32_t *w, uint32_t old, uint32_t new)
{
	uint32_t found, failed;

	do {
		__asm__ volatile("ldrex %0, [%2]\n"
				 "mov %1, #0\n"
				 "teq %0, %3\n"
				 "strexeq %1, %4, [%2]\n"
				 : "=&r"(found), "=&r"(failed)
				 : "r"(w), "r"(old), "r"(new)
				 : "cc", "memory");
	} while (failed);
	__asm__ volatile("dmb" ::: "memory");
	return found;
}

static uint32_t xchg(volatile uint32_t *w, uint32_t new)
{
	uint32_t old, failed;

	__asm__ volatile("dmb" ::: "memory");
	do {
		__asm__ volatile("ldrex %0, [%2]\n"
				 "strex %1, %3, [%2]\n"
				 : "=&r"(old), "=&r"(failed)
				 : "r"(w), "r"(new)
				 : "memory");
	} while (failed);
	__asm__ volatile("dmb" ::: "memory");
	return old;
}

int mutex_trylock(struct mutex *m)
{
	return cmpxchg(&m->word, 0, 1) == 0 ? 0 : -1;
}

void mutex_lock(struct mutex *m)
{
	uint32_t c = cmpxchg(&m->word, 0, 1);

	if (c == 0)
		return; /* uncontended: no kernel entry */
	if (c != 2)
		c = xchg(&m->word, 2);
	while (c != 0) {
		sys_mutex_control(&m->word, MUTEX_WAIT);
		c = xchg(&m->word, 2);
	}
}

void mutex_unlock(struct mutex *m)
{
	if (xchg(&m->word, 0) == 2)
		sys_mutex_control(&m->word, MUTEX_WAKE);
}
