/*
 * Page fault decisions (see vm/fault.h).
 *
 * Private VMA, offset off, top object T (the VMA's own):
 *   T has the page                -> map it with the VMA's rights;
 *   a lower object L has it       -> read: map L's page read-only
 *                                    write: copy it into a new page of T;
 *   the chain ends in a file      -> read the page into the file's cache
 *                                    first, then as for L;
 *   nobody has it (anonymous)     -> a new zeroed page in T.
 * Shared VMA: the one object's page, read from the file or zeroed first.
 */
#include "internal.h"

static bool access_ok(unsigned prot, unsigned access)
{
	if (access == VM_ACCESS_READ)
		return prot != VM_PROT_NONE;
	return (prot & access) != 0;
}

/* The file object's page at off, read in through its pager if absent. */
static int file_page(struct vm_env *env, struct vm_object *file, uint32_t off,
		     struct vm_page_ent **out)
{
	struct vm_page_ent *e = vm_object_lookup(file, off);

	if (!e) {
		e = vm_object_add_page(env, file, off);
		if (!e)
			return -VM_ENOMEM;
		if (file->pager->read(file->file, off, e->page) != 0) {
			vm_object_truncate(env, file, off, off + VM_PAGE_SIZE);
			return -VM_EIO;
		}
	}
	*out = e;
	return 0;
}

static int fault_shared(struct vm_env *env, const struct vm_area *a,
			uint32_t off, struct vm_fault_decision *d)
{
	struct vm_object *obj = a->obj;
	struct vm_page_ent *e = vm_object_lookup(obj, off);

	if (!e && obj->type == VM_OBJ_FILE) {
		int err = file_page(env, obj, off, &e);

		if (err)
			return err;
	} else if (!e) {
		e = vm_object_add_page(env, obj, off);
		if (!e)
			return -VM_ENOMEM;
		d->fill = VM_FILL_ZERO;
	}
	d->page = e->page;
	d->prot = a->prot;
	return 0;
}

/*
 * Finds the page below top: in a lower object, or read from the file at
 * the bottom of the chain. *out is NULL when the page is demand zero.
 */
static int find_below(struct vm_env *env, struct vm_object *top, uint32_t off,
		      struct vm_page_ent **out)
{
	struct vm_object *o = top;

	*out = NULL;
	while (o->backing && !*out) {
		o = o->backing;
		*out = vm_object_lookup(o, off);
	}
	if (!*out && o->type == VM_OBJ_FILE)
		return file_page(env, o, off, out);
	return 0;
}

static int fault_private(struct vm_env *env, const struct vm_area *a,
			 uint32_t off, unsigned access,
			 struct vm_fault_decision *d)
{
	struct vm_page_ent *mine = vm_object_lookup(a->obj, off), *below;
	int err;

	d->prot = a->prot;
	if (mine) { /* a second fault on it, or a raised right */
		d->page = mine->page;
		return 0;
	}
	err = find_below(env, a->obj, off, &below);
	if (err)
		return err;
	if (below && access != VM_ACCESS_WRITE) {
		d->page = below->page; /* shared with others: read-only */
		d->prot = vm_prot_cow(a->prot);
		return 0;
	}
	mine = vm_object_add_page(env, a->obj, off);
	if (!mine)
		return -VM_ENOMEM;
	d->page = mine->page;
	if (below) {
		d->fill = VM_FILL_COPY;
		d->copy_from = below->page;
	} else {
		d->fill = VM_FILL_ZERO;
	}
	return 0;
}

int vm_fault(struct vm_space *space, vm_addr_t addr, unsigned access,
	     struct vm_fault_decision *d)
{
	struct vm_area *a;
	uint32_t off;

	if (access != VM_ACCESS_READ && access != VM_ACCESS_WRITE &&
	    access != VM_ACCESS_EXEC)
		return -VM_EINVAL;
	a = vm_find_area(space, addr);
	if (!a)
		return -VM_EFAULT;
	if (!access_ok(a->prot, access))
		return -VM_EACCES;
	d->va = vm_page_down(addr);
	d->fill = VM_FILL_NONE;
	d->copy_from.pa = 0;
	off = a->off + (d->va - a->start);
	if (a->flags & VM_AREA_SHARED)
		return fault_shared(space->env, a, off, d);
	return fault_private(space->env, a, off, access, d);
}
