/* Address spaces: page tables + ASID, shared by the threads in them. */
#ifndef KERNEL_SPACE_H
#define KERNEL_SPACE_H

#include <arch/mmu.h>

struct cap;
struct thread;

struct space {
	struct arch_space arch;
	uint32_t refcount;     /* threads using it */
	struct cap *budget;    /* the SPACES budget that paid for it */
	struct cap *pt_budget; /* the PTPAGES budget its page tables draw on */
	uint32_t pt_charged;   /* units charged to pt_budget */
};

/* A new space paid from payer's SPACES budget (NULL: a container's space
 * at boot, unpaid); NULL if over budget or out of memory. */
struct space *space_create(const struct thread *payer);
/* Map pages at va (every argument already checked), charging payer's
 * PTPAGES budget for page tables added; all or nothing. */
int space_map_pages(struct space *s, const struct thread *payer, uint32_t va,
		    paddr_t p, uint32_t pages, unsigned attrs);
void space_get(struct space *s);
void space_put(struct space *s);
int space_map_range(struct space *s, uint32_t va, paddr_t p, uint32_t size,
		    unsigned attrs);
/* Copy len bytes from user address uaddr of s; -E_FAULT if any byte is not
 * mapped readable (user pointers are never dereferenced directly). */
int copy_from_user(const struct space *s, void *dst, uint32_t uaddr,
		   size_t len);

/* Is all of [uaddr, uaddr + len) mapped writable normal memory? */
bool user_writable(const struct space *s, uint32_t uaddr, size_t len);
int copy_to_user(const struct space *s, uint32_t uaddr, const void *src,
		 size_t len);
/* A new space with the same mappings as src (the pages are shared). */
struct space *space_copy(const struct space *src, const struct thread *payer);
/* Physical address of a mapped, writable, normal-memory user word. */
int space_user_word(const struct space *s, uint32_t uaddr, paddr_t *p);

#endif
