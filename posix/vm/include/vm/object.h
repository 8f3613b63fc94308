/*
 * VM objects: what a VMA maps. Three kinds, as in Codezero's mm0 and Mach:
 *
 *  - anonymous: pages appear zero-filled on first touch (demand zero);
 *  - file: pages are read on first touch through a pager (the file server
 *    implements struct vm_pager later); its page cache is shared by every
 *    mapping of the file;
 *  - shadow: a copy-on-write layer over a backing object. A private VMA
 *    always maps a shadow (or an anonymous object) of its own as its top
 *    object: reads look down the chain, writes copy the page into the top.
 *
 * Each object has a page cache (offset -> physical page) and a reference
 * count: VMAs, shadows directly above it, shm segments and the creator of a
 * file object each hold one. Every physical page belongs to exactly one
 * object's cache, so pages need no counts of their own.
 *
 * The page cache is a list sorted by offset. Collapsing a chain moves pages
 * from one object to another; with a list that is relinking, so it cannot
 * fail for want of memory. (A tree can replace the list behind these
 * functions when processes get large.)
 */
#ifndef VM_OBJECT_H
#define VM_OBJECT_H

#include <vm/env.h>
#include <vm/types.h>

struct vm_object;

/*
 * The file side of a file object. read fills page with the file's bytes at
 * offset off (page aligned; the part past the end of the file zero) and
 * returns 0, or returns a negative error (the fault becomes SIGBUS).
 * release is called once when the object dies; file is the pager's.
 */
struct vm_pager {
	int (*read)(void *file, uint32_t off, vm_phys_t page);
	void (*release)(void *file);
};

enum vm_obj_type {
	VM_OBJ_ANON,
	VM_OBJ_FILE,
	VM_OBJ_SHADOW,
};

/* One cached page of an object. */
struct vm_page_ent {
	struct vm_page_ent *next, *prev;
	uint32_t off; /* page aligned offset in the object */
	vm_phys_t page;
};

struct vm_object {
	enum vm_obj_type type;
	/*
	 * Shared objects (MAP_SHARED anonymous, shm, files) are seen by many
	 * spaces at overlapping offsets: never truncated by an unmap, never
	 * collapsed. Private ones (a private VMA's top and the shadows it
	 * left below at fork) are.
	 */
	bool shared;
	unsigned maxprot; /* a shared mapping may not ask for more */
	uint32_t refs;
	struct vm_object *backing; /* shadows: the object below */
	/* shadows directly over this one (each holds one of refs) */
	struct vm_object *shadows;
	struct vm_object *sib_next, *sib_prev; /* in backing->shadows */
	uint32_t nr_shadows;
	struct vm_page_ent *pages; /* sorted by off */
	uint32_t nr_pages;
	const struct vm_pager *pager; /* file objects */
	void *file;
};

/*
 * Creates an object with one reference (the caller's). Returns NULL when
 * the allocator fails. A file object takes over nothing until it dies:
 * then pager->release(file) is called.
 */
struct vm_object *vm_object_anon_create(struct vm_env *env, bool shared);
struct vm_object *vm_object_file_create(struct vm_env *env,
					const struct vm_pager *pager,
					void *file, unsigned maxprot);
/* A private shadow over backing (takes a reference on backing). */
struct vm_object *vm_object_shadow_create(struct vm_env *env,
					  struct vm_object *backing);

void vm_object_get(struct vm_object *obj);
/*
 * Drops a reference. The last one frees the object's pages and drops its
 * reference on the backing object. When what remains of a private object
 * is exactly one shadow above it (the other side of a fork exited), the
 * object is merged into that shadow (vm_object.c, collapse()), so chains
 * stay bounded over any number of fork/exit cycles.
 */
void vm_object_put(struct vm_env *env, struct vm_object *obj);

/* The page cached at off in obj itself, or NULL. */
struct vm_page_ent *vm_object_lookup(const struct vm_object *obj, uint32_t off);
/*
 * Allocates a page and enters it at off (which must be free in obj).
 * Returns the entry or NULL (VM_ENOMEM: nothing allocated).
 */
struct vm_page_ent *vm_object_add_page(struct vm_env *env,
				       struct vm_object *obj, uint32_t off);
/* Frees obj's pages in [lo, hi) (offsets). */
void vm_object_truncate(struct vm_env *env, struct vm_object *obj, uint32_t lo,
			uint32_t hi);
/* True if any object of obj's chain caches a page in [lo, hi). */
bool vm_object_chain_has_pages(const struct vm_object *obj, uint32_t lo,
			       uint32_t hi);
/* Number of objects in obj's chain, obj included. */
unsigned vm_object_depth(const struct vm_object *obj);

#endif
