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
/*
 * The rule for every user page the kernel reads or writes for a user
 * (copy_from_user, copy_to_user, copy_user_to_user): mapped in s, normal
 * memory (never a device), with every attribute in `need` (MAP_READ to
 * read, MAP_READ | MAP_WRITE to write). *p: the physical address of the
 * byte at va; the kernel reaches it through its linear map of RAM
 * (phys_to_virt).
 */
static inline bool space_user_page(const struct space *s, uint32_t va,
				   unsigned need, paddr_t *p)
{
	/* every mapped page is readable (arch_lookup's MAP_READ) */
	return arch_user_page(&s->arch, va, need & MAP_WRITE, p) == 0;
}

/* Copy len bytes from user address uaddr of s; -E_FAULT if any byte is not
 * mapped readable (user pointers are never dereferenced directly). */
int copy_from_user(const struct space *s, void *dst, uint32_t uaddr,
		   size_t len);

/* Is all of [uaddr, uaddr + len) mapped writable normal memory? */
bool user_writable(const struct space *s, uint32_t uaddr, size_t len);
int copy_to_user(const struct space *s, uint32_t uaddr, const void *src,
		 size_t len);

/* The most copy_user_to_user moves at once: a page (IPC_EXT_MAX, and more
 * than a full message's UTCB_MRS words), so each range touches at most
 * two pages. */
#define COPY_USER_MAX PAGE_SIZE

/*
 * Copy `bytes` bytes from user address from_va of space `from` to user
 * address to_va of space `to` (kernel/generic/usercopy.c), with no kernel
 * buffer in between: both ranges are resolved through their page tables
 * to the kernel's linear map of RAM, by the rule of copy_from_user (the
 * source) and copy_to_user (the destination).
 *
 * Check, then act: every page of both ranges is resolved and checked
 * before a byte moves, so an error writes nothing. Returns 0; -E_FAULT if
 * either range runs past the end of user space or wraps, or any page of
 * the source is not mapped readable or any page of the destination not
 * mapped writable (device mappings never qualify); -E_INVAL if bytes >
 * COPY_USER_MAX. Zero bytes touch no page (but a start past the end of
 * user space is still -E_FAULT, as for copy_from_user).
 *
 * Overlap: when the two ranges share memory (one space and overlapping
 * ranges, or pages mapped in both spaces or at two addresses), the
 * destination receives what the source held before the copy, as memmove
 * (and a copy through a buffer) gives, in every case but one: a range
 * that reaches one physical page at both of its addresses (its two pages
 * mapped on the same memory) while the other range shares that page. Then
 * the shared bytes of the destination are unspecified: each holds some
 * byte of the source, and nothing outside the destination is written.
 */
int copy_user_to_user(const struct space *from, uint32_t from_va,
		      const struct space *to, uint32_t to_va, uint32_t bytes);
/*
 * A full message: `words` (0..UTCB_MRS) message registers from the UTCB
 * at from_utcb in `from` to the one at to_utcb in `to`, by
 * copy_user_to_user's rules and errors (-E_INVAL for more than UTCB_MRS
 * words), faster for UTCB_SIZE-aligned UTCBs (usercopy.c).
 */
int copy_utcb_words(const struct space *from, uint32_t from_utcb,
		    const struct space *to, uint32_t to_utcb, uint32_t words);

/* A new space with the same mappings as src (the pages are shared). */
struct space *space_copy(const struct space *src, const struct thread *payer);
/* Physical address of a mapped, writable, normal-memory user word. */
int space_user_word(const struct space *s, uint32_t uaddr, paddr_t *p);

#endif
