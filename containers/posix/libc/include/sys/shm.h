/* System V shared memory for POSIX programs (newlib has no <sys/shm.h>):
 * served by the POSIX memory server (docs/posix.md, "shm"). shmctl takes
 * IPC_RMID only (EINVAL otherwise). */
#ifndef _SYS_SHM_H
#define _SYS_SHM_H
#include <stddef.h>
#include <sys/ipc.h>

#define SHM_RDONLY 010000
#define SHM_RND	   020000
#define SHMLBA	   4096

typedef unsigned long shmatt_t;

struct shmid_ds {
	struct ipc_perm shm_perm;
	size_t shm_segsz;
	shmatt_t shm_nattch;
};

int shmget(key_t key, size_t size, int flags);
void *shmat(int id, const void *addr, int flags);
int shmdt(const void *addr);
int shmctl(int id, int cmd, struct shmid_ds *buf);
#endif
