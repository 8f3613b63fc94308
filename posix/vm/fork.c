/*
 * fork (see vm/fork.h). Two phases: prepare builds the whole child and
 * every new shadow and may fail (then it is all undone through
 * vm_space_destroy and vm_object_put, the same paths as exit); commit
 * switches the parent to its new shadows and cannot fail.
 */
#include <string.h>

#include "internal.h"

struct fork_state {
	struct vm_space *parent, *child;
	struct vm_object **new_tops; /* parent's new shadow per VMA */
	unsigned nr;
	size_t remap_cap; /* entries allocated in res->remap */
	struct vm_fork_result *res;
};

static bool is_private(const struct vm_area *a)
{
	return !(a->flags & VM_AREA_SHARED);
}

/* Pages the parent may have writable in a: its top's pages under a. */
static size_t remap_count(const struct vm_area *a)
{
	uint32_t lo = a->off, hi = a->off + (a->end - a->start);
	size_t n = 0;

	if (!is_private(a) || !(a->prot & VM_PROT_WRITE))
		return 0;
	for (const struct vm_page_ent *e = a->obj->pages; e && e->off < hi;
	     e = e->next)
		n += e->off >= lo;
	return n;
}

/* The child's copy of a, appended at *tail; 0 or -VM_ENOMEM. */
static int child_area(struct fork_state *st, const struct vm_area *a,
		      struct vm_area ***tail)
{
	struct vm_env *env = st->parent->env;
	struct vm_area *ca = vm_area_alloc(env);

	if (!ca)
		return -VM_ENOMEM;
	*ca = *a;
	ca->next = NULL;
	if (is_private(a)) {
		ca->obj = vm_object_shadow_create(env, a->obj);
		if (!ca->obj) {
			vm_area_free(env, ca);
			return -VM_ENOMEM;
		}
	} else {
		vm_object_get(a->obj);
	}
	if (ca->shm)
		ca->shm->nattch++;
	**tail = ca;
	*tail = &ca->next;
	st->child->nr_areas++;
	return 0;
}

static int prepare(struct fork_state *st)
{
	struct vm_env *env = st->parent->env;
	struct vm_area **tail = &st->child->areas;
	size_t nr_remap = 0;
	unsigned i = 0;

	for (struct vm_area *a = st->parent->areas; a; a = a->next, i++) {
		if (child_area(st, a, &tail))
			return -VM_ENOMEM;
		if (is_private(a)) {
			st->new_tops[i] = vm_object_shadow_create(env, a->obj);
			if (!st->new_tops[i])
				return -VM_ENOMEM;
		}
		nr_remap += remap_count(a);
	}
	if (nr_remap) {
		st->res->remap =
		    vm_alloc(env, nr_remap * sizeof(struct vm_remap));
		if (!st->res->remap)
			return -VM_ENOMEM;
		st->remap_cap = nr_remap;
	}
	return 0;
}

/* Lists a's writable pages for read-only remapping (see remap_count). */
static void remap_list(struct vm_fork_result *res, const struct vm_area *a)
{
	uint32_t lo = a->off, hi = a->off + (a->end - a->start);

	if (!is_private(a) || !(a->prot & VM_PROT_WRITE))
		return;
	for (const struct vm_page_ent *e = a->obj->pages; e && e->off < hi;
	     e = e->next) {
		if (e->off < lo)
			continue;
		res->remap[res->nr_remap++] = (struct vm_remap){
		    .va = a->start + (e->off - lo),
		    .page = e->page,
		    .prot = vm_prot_cow(a->prot),
		};
	}
}

static void commit(struct fork_state *st)
{
	unsigned i = 0;

	for (struct vm_area *a = st->parent->areas; a; a = a->next, i++) {
		struct vm_object *old = a->obj;

		if (!is_private(a))
			continue;
		remap_list(st->res, a);
		a->obj = st->new_tops[i];
		vm_object_put(st->parent->env, old); /* the shadows hold it */
	}
}

/* Undoes a failed prepare: child first, so no collapse can happen. */
static void undo(struct fork_state *st)
{
	struct vm_env *env = st->parent->env;

	vm_space_destroy(st->child);
	for (unsigned i = 0; i < st->nr; i++) {
		if (st->new_tops[i])
			vm_object_put(env, st->new_tops[i]);
	}
	vm_free(env, st->res->remap, st->remap_cap * sizeof(struct vm_remap));
}

int vm_fork(struct vm_space *parent, struct vm_fork_result *res)
{
	struct vm_env *env = parent->env;
	struct fork_state st = {
	    .parent = parent, .nr = parent->nr_areas, .res = res};
	size_t tops_size = st.nr * sizeof(*st.new_tops);
	int err = -VM_ENOMEM;

	memset(res, 0, sizeof(*res));
	st.child = vm_space_create(env, &parent->layout);
	if (!st.child)
		return -VM_ENOMEM;
	st.child->brk = parent->brk;
	if (st.nr) {
		st.new_tops = vm_alloc(env, tops_size);
		if (!st.new_tops) {
			vm_space_destroy(st.child);
			return -VM_ENOMEM;
		}
		memset(st.new_tops, 0, tops_size);
	}
	err = prepare(&st);
	if (err)
		undo(&st);
	else
		commit(&st);
	vm_free(env, st.new_tops, tops_size);
	if (err) {
		memset(res, 0, sizeof(*res));
		return err;
	}
	res->child = st.child;
	return 0;
}

void vm_fork_result_free(struct vm_env *env, struct vm_fork_result *res)
{
	vm_free(env, res->remap, res->nr_remap * sizeof(struct vm_remap));
	res->remap = NULL;
	res->nr_remap = 0;
}
