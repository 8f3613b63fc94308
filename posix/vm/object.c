/*
 * VM objects and their page caches (see vm/object.h), and the library's
 * counted allocation wrappers.
 */
#include <string.h>

#include "internal.h"

void *vm_alloc(struct vm_env *env, size_t size)
{
	void *p = env->alloc(env->ctx, size);

	if (p)
		env->nr_allocs++;
	return p;
}

void vm_free(struct vm_env *env, void *ptr, size_t size)
{
	if (!ptr)
		return;
	env->nr_allocs--;
	env->free(env->ctx, ptr, size);
}

int vm_page_get(struct vm_env *env, vm_phys_t *out)
{
	if (env->page_alloc(env->ctx, out) != 0)
		return -VM_ENOMEM;
	env->nr_pages++;
	return 0;
}

void vm_page_put(struct vm_env *env, vm_phys_t page)
{
	env->nr_pages--;
	env->page_free(env->ctx, page);
}

static struct vm_object *object_new(struct vm_env *env, enum vm_obj_type type)
{
	struct vm_object *obj = vm_alloc(env, sizeof(*obj));

	if (!obj)
		return NULL;
	memset(obj, 0, sizeof(*obj));
	obj->type = type;
	obj->refs = 1;
	obj->maxprot = VM_PROT_ALL;
	return obj;
}

struct vm_object *vm_object_anon_create(struct vm_env *env, bool shared)
{
	struct vm_object *obj = object_new(env, VM_OBJ_ANON);

	if (obj)
		obj->shared = shared;
	return obj;
}

struct vm_object *vm_object_file_create(struct vm_env *env,
					const struct vm_pager *pager,
					void *file, unsigned maxprot)
{
	struct vm_object *obj = object_new(env, VM_OBJ_FILE);

	if (!obj)
		return NULL;
	obj->shared = true;
	obj->maxprot = maxprot & VM_PROT_ALL;
	obj->pager = pager;
	obj->file = file;
	return obj;
}

/* Makes shadow one of backing's shadows (holding a reference on it). */
static void shadow_link(struct vm_object *shadow, struct vm_object *backing)
{
	shadow->backing = backing;
	shadow->sib_prev = NULL;
	shadow->sib_next = backing->shadows;
	if (backing->shadows)
		backing->shadows->sib_prev = shadow;
	backing->shadows = shadow;
	backing->nr_shadows++;
}

static void shadow_unlink(struct vm_object *shadow)
{
	struct vm_object *backing = shadow->backing;

	if (shadow->sib_prev)
		shadow->sib_prev->sib_next = shadow->sib_next;
	else
		backing->shadows = shadow->sib_next;
	if (shadow->sib_next)
		shadow->sib_next->sib_prev = shadow->sib_prev;
	backing->nr_shadows--;
	shadow->backing = NULL;
}

struct vm_object *vm_object_shadow_create(struct vm_env *env,
					  struct vm_object *backing)
{
	struct vm_object *obj = object_new(env, VM_OBJ_SHADOW);

	if (!obj)
		return NULL;
	vm_object_get(backing);
	shadow_link(obj, backing);
	return obj;
}

void vm_object_get(struct vm_object *obj)
{
	obj->refs++;
}

static void page_unlink(struct vm_object *obj, struct vm_page_ent *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		obj->pages = e->next;
	if (e->next)
		e->next->prev = e->prev;
	obj->nr_pages--;
}

static void page_release(struct vm_env *env, struct vm_object *obj,
			 struct vm_page_ent *e)
{
	page_unlink(obj, e);
	vm_page_put(env, e->page);
	vm_free(env, e, sizeof(*e));
}

/* Links e into obj's sorted list after prev (NULL: at the head). */
static void page_link_after(struct vm_object *obj, struct vm_page_ent *prev,
			    struct vm_page_ent *e)
{
	e->prev = prev;
	e->next = prev ? prev->next : obj->pages;
	if (e->next)
		e->next->prev = e;
	if (prev)
		prev->next = e;
	else
		obj->pages = e;
	obj->nr_pages++;
}

struct vm_page_ent *vm_object_lookup(const struct vm_object *obj, uint32_t off)
{
	for (struct vm_page_ent *e = obj->pages; e && e->off <= off;
	     e = e->next) {
		if (e->off == off)
			return e;
	}
	return NULL;
}

/* The last entry below off, or NULL. */
static struct vm_page_ent *page_before(const struct vm_object *obj,
				       uint32_t off)
{
	struct vm_page_ent *prev = NULL;

	for (struct vm_page_ent *e = obj->pages; e && e->off < off; e = e->next)
		prev = e;
	return prev;
}

struct vm_page_ent *vm_object_add_page(struct vm_env *env,
				       struct vm_object *obj, uint32_t off)
{
	struct vm_page_ent *e = vm_alloc(env, sizeof(*e));

	if (!e)
		return NULL;
	if (vm_page_get(env, &e->page) != 0) {
		vm_free(env, e, sizeof(*e));
		return NULL;
	}
	e->off = off;
	page_link_after(obj, page_before(obj, off), e);
	return e;
}

void vm_object_truncate(struct vm_env *env, struct vm_object *obj, uint32_t lo,
			uint32_t hi)
{
	struct vm_page_ent *e = obj->pages;

	while (e && e->off < hi) {
		struct vm_page_ent *next = e->next;

		if (e->off >= lo)
			page_release(env, obj, e);
		e = next;
	}
}

bool vm_object_chain_has_pages(const struct vm_object *obj, uint32_t lo,
			       uint32_t hi)
{
	for (; obj; obj = obj->backing) {
		for (struct vm_page_ent *e = obj->pages; e && e->off < hi;
		     e = e->next) {
			if (e->off >= lo)
				return true;
		}
	}
	return false;
}

unsigned vm_object_depth(const struct vm_object *obj)
{
	unsigned n = 0;

	for (; obj; obj = obj->backing)
		n++;
	return n;
}

/*
 * Moves lower's pages up into upper where upper has none at that offset
 * (upper's own copy wins: it is newer), and frees the rest. A merge of two
 * sorted lists: no allocation, so collapse cannot fail.
 */
static void merge_pages(struct vm_env *env, struct vm_object *upper,
			struct vm_object *lower)
{
	struct vm_page_ent *at = NULL; /* last entry of upper below e */

	while (lower->pages) {
		struct vm_page_ent *e = lower->pages;
		struct vm_page_ent *next = at ? at->next : upper->pages;

		while (next && next->off < e->off) {
			at = next;
			next = next->next;
		}
		if (next && next->off == e->off) {
			page_release(env, lower, e);
			continue;
		}
		page_unlink(lower, e);
		page_link_after(upper, at, e);
		at = e;
	}
}

/*
 * lower is private and its only reference is the one shadow above it:
 * no one else can see lower's pages any more, so the shadow absorbs them
 * and takes over lower's backing (and lower's reference on it). The
 * shadow's user sees exactly what it saw before.
 */
static void collapse(struct vm_env *env, struct vm_object *lower)
{
	struct vm_object *upper = lower->shadows;
	struct vm_object *below = lower->backing;

	merge_pages(env, upper, lower);
	shadow_unlink(upper);
	if (below) {
		shadow_unlink(lower);
		shadow_link(upper, below); /* lower's reference moves up */
	} else {
		upper->type = VM_OBJ_ANON; /* bottom: demand zero below */
	}
	vm_free(env, lower, sizeof(*lower));
}

/* Frees obj (no references left); returns its backing, still referenced. */
static struct vm_object *object_free(struct vm_env *env, struct vm_object *obj)
{
	struct vm_object *below = obj->backing;

	while (obj->pages)
		page_release(env, obj, obj->pages);
	if (below)
		shadow_unlink(obj);
	if (obj->type == VM_OBJ_FILE && obj->pager && obj->pager->release)
		obj->pager->release(obj->file);
	vm_free(env, obj, sizeof(*obj));
	return below;
}

void vm_object_put(struct vm_env *env, struct vm_object *obj)
{
	/* iterative, so a long chain dying does not recurse deeply */
	while (obj) {
		if (--obj->refs > 0) {
			if (obj->refs == 1 && obj->nr_shadows == 1 &&
			    !obj->shared)
				collapse(env, obj);
			return;
		}
		obj = object_free(env, obj);
	}
}
