/*
 * Fixed-size object cache (see obj_cache.h for the contract).
 *
 * Page layout: struct obj_page, then the allocation bitmap (one bit per
 * object, sized per cache), then objects from first_offset onwards.
 *
 * A free object's first word links it into its page's free list, which
 * makes allocation O(1). Slots from pg->fresh on were never handed out and
 * are on no list: they are carved one at a time once the list is empty, so
 * a new page costs no walk over its slots and its unused slots stay as
 * get_page returned them (obj_zalloc relies on that). The bitmap is the authority: it is what detects
 * double frees, and a free list damaged by a use-after-free write is
 * noticed when a popped entry disagrees with the bitmap and is rebuilt
 * from it, rather than handing out a bogus pointer.
 *
 * Full pages are on no list; obj_free() finds them from the address.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libmem/obj_cache.h>

/* Mixed with the page address, so a header copied elsewhere is invalid. */
#define OBJ_PAGE_MAGIC 0x0b1ec0deu

struct obj_page {
	struct obj_link link; /* on cache->partial unless full */
	uint32_t magic;	      /* OBJ_PAGE_MAGIC ^ page address */
	uint32_t in_use;      /* objects allocated from this page */
	struct obj_cache *cache;
	void *free;	 /* free list; next pointer in each object */
	uint32_t fresh;	 /* slots from here on never handed out */
	uint32_t used[]; /* bit i set: object i allocated */
};

static inline uint32_t page_magic(const struct obj_page *pg)
{
	return OBJ_PAGE_MAGIC ^ (uint32_t)(uintptr_t)pg;
}

static inline struct obj_page *page_of(const void *p)
{
	return (struct obj_page *)((uintptr_t)p &
				   ~(uintptr_t)(OBJ_CACHE_PAGE_SIZE - 1));
}

static inline bool bit_test(const uint32_t *bm, uint32_t i)
{
	return bm[i / 32] >> (i % 32) & 1;
}

static inline void bit_set(uint32_t *bm, uint32_t i)
{
	bm[i / 32] |= 1u << (i % 32);
}

static inline void bit_clear(uint32_t *bm, uint32_t i)
{
	bm[i / 32] &= ~(1u << (i % 32));
}

/* ---- circular list with the cache's partial head as sentinel ---------- */

static void list_init(struct obj_link *head)
{
	head->next = head;
	head->prev = head;
}

static bool list_empty(const struct obj_link *head)
{
	return head->next == head;
}

static void list_insert(struct obj_link *l, struct obj_link *prev,
			struct obj_link *next)
{
	l->prev = prev;
	l->next = next;
	prev->next = l;
	next->prev = l;
}

static void list_del(struct obj_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->next = l;
	l->prev = l;
}

/* ---- page layout ----------------------------------------------------- */

static inline uint32_t round_up(uint32_t v, uint32_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static uint32_t header_end(uint32_t nr_objs, uint32_t align)
{
	uint32_t words = (nr_objs + 31) / 32;

	return round_up(sizeof(struct obj_page) + words * sizeof(uint32_t),
			align);
}

/* Returns objects per page for this size, filling *first; 0 if none fit. */
static uint32_t layout(uint32_t size, uint32_t align, uint32_t *first)
{
	uint32_t n = (OBJ_CACHE_PAGE_SIZE - sizeof(struct obj_page)) / size;

	/* The bitmap grows with n; shrink n until header plus objects fit. */
	while (n && header_end(n, align) + n * size > OBJ_CACHE_PAGE_SIZE)
		n--;
	*first = header_end(n, align);
	return n;
}

static inline void *obj_at(const struct obj_cache *c, struct obj_page *pg,
			   uint32_t i)
{
	return (char *)pg + c->first_offset + i * c->obj_size;
}

/* Returns the slot index of p in pg, or -1 if p is not a slot start. */
static int32_t slot_of(const struct obj_cache *c, const struct obj_page *pg,
		       const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)pg;

	if (off < c->first_offset)
		return -1;
	off -= c->first_offset;
	if (off % c->obj_size || off / c->obj_size >= c->objs_per_page)
		return -1;
	return (int32_t)(off / c->obj_size);
}

static bool page_valid(const struct obj_page *pg)
{
	return pg->magic == page_magic(pg) && pg->cache;
}

/* Makes the free list hold exactly the free slots, lowest first (the
 * fresh ones too: it writes them). */
static void rebuild_free_list(const struct obj_cache *c, struct obj_page *pg)
{
	void *head = NULL;

	pg->fresh = c->objs_per_page;
	for (uint32_t i = c->objs_per_page; i-- > 0;) {
		if (!bit_test(pg->used, i)) {
			void *obj = obj_at(c, pg, i);

			*(void **)obj = head;
			head = obj;
		}
	}
	pg->free = head;
}

/* ---- page acquisition and release ------------------------------------ */

static struct obj_page *page_new(struct obj_cache *c)
{
	struct obj_page *pg = c->get_page(c->ctx);

	if (!pg)
		return NULL;
	if ((uintptr_t)pg & (OBJ_CACHE_PAGE_SIZE - 1)) {
		/* Headers are found by rounding down: must be aligned. */
		c->put_page(c->ctx, pg);
		return NULL;
	}
	pg->magic = page_magic(pg);
	pg->in_use = 0;
	pg->cache = c;
	memset(pg->used, 0, (c->objs_per_page + 31) / 32 * sizeof(uint32_t));
	pg->free = NULL;
	pg->fresh = 0; /* every slot, carved as needed */
	list_insert(&pg->link, &c->partial, c->partial.next);
	c->nr_pages++;
	return pg;
}

static void page_release(struct obj_cache *c, struct obj_page *pg)
{
	list_del(&pg->link);
	/* Stale pointers into this page must no longer validate. */
	pg->magic = 0;
	pg->cache = NULL;
	c->nr_pages--;
	c->put_page(c->ctx, pg);
}

/* Keeps the first empty page as the spare (at the tail), frees others. */
static void page_now_empty(struct obj_cache *c, struct obj_page *pg)
{
	if (c->nr_empty) {
		page_release(c, pg);
		return;
	}
	c->nr_empty = 1;
	list_del(&pg->link);
	list_insert(&pg->link, c->partial.prev, &c->partial);
}

/* ---- public API ------------------------------------------------------ */

int obj_cache_init(struct obj_cache *cache, size_t obj_size, size_t align,
		   obj_get_page_t get_page, obj_put_page_t put_page, void *ctx)
{
	memset(cache, 0, sizeof(*cache));
	list_init(&cache->partial);
	if (!get_page || !put_page || obj_size == 0 ||
	    obj_size > OBJ_CACHE_PAGE_SIZE || align > OBJ_CACHE_PAGE_SIZE ||
	    (align & (align - 1)))
		return -LIBMEM_EINVAL;
	if (align < _Alignof(void *))
		align = _Alignof(void *);
	if (obj_size < sizeof(void *))
		obj_size = sizeof(void *);

	uint32_t size = round_up((uint32_t)obj_size, (uint32_t)align);
	uint32_t first;
	uint32_t n = layout(size, (uint32_t)align, &first);

	if (n == 0)
		return -LIBMEM_EINVAL;
	cache->obj_size = size;
	cache->align = (uint32_t)align;
	cache->objs_per_page = n;
	cache->first_offset = first;
	cache->get_page = get_page;
	cache->put_page = put_page;
	cache->ctx = ctx;
	return 0;
}

/* The next object of pg: the free list's head, else a fresh slot (then
 * *fresh is set). */
static void *take_slot(struct obj_cache *cache, struct obj_page *pg,
		       bool *fresh)
{
	void *obj = pg->free;
	int32_t slot;

	*fresh = !obj && pg->fresh < cache->objs_per_page;
	if (*fresh) {
		slot = (int32_t)pg->fresh++;
		obj = obj_at(cache, pg, (uint32_t)slot);
	} else {
		slot = obj ? slot_of(cache, pg, obj) : -1;
		if (slot < 0 || bit_test(pg->used, (uint32_t)slot)) {
			/* A write after free broke the list: trust the
			 * bitmap. */
			cache->nr_repairs++;
			rebuild_free_list(cache, pg);
			obj = pg->free;
			slot = slot_of(cache, pg, obj);
		}
		pg->free = *(void **)obj;
	}
	bit_set(pg->used, (uint32_t)slot);
	return obj;
}

static void *alloc(struct obj_cache *cache, bool *fresh)
{
	struct obj_page *pg;

	if (list_empty(&cache->partial)) {
		pg = page_new(cache);
		if (!pg)
			return NULL;
	} else {
		/* Non-empty pages come first; an empty one is the spare. */
		pg = (struct obj_page *)cache->partial.next;
		if (pg->in_use == 0)
			cache->nr_empty = 0;
	}

	void *obj = take_slot(cache, pg, fresh);

	if (++pg->in_use == cache->objs_per_page)
		list_del(&pg->link);
	cache->nr_in_use++;
	return obj;
}

void *obj_alloc(struct obj_cache *cache)
{
	bool fresh;

	return alloc(cache, &fresh);
}

void *obj_zalloc(struct obj_cache *cache, size_t size)
{
	bool fresh;
	void *obj = alloc(cache, &fresh);

	/* a fresh slot of a zeroed page was never written */
	if (obj && !(fresh && cache->zeroed_pages))
		memset(obj, 0, size < cache->obj_size ? size : cache->obj_size);
	return obj;
}

int obj_free(struct obj_cache *cache, void *obj)
{
	if (!obj)
		return -LIBMEM_EINVAL;

	struct obj_page *pg = page_of(obj);

	if (!page_valid(pg) || pg->cache != cache)
		return -LIBMEM_ERANGE;

	int32_t slot = slot_of(cache, pg, obj);

	if (slot < 0)
		return -LIBMEM_EINVAL;
	if (!bit_test(pg->used, (uint32_t)slot))
		return -LIBMEM_EALREADY;

	bit_clear(pg->used, (uint32_t)slot);
	*(void **)obj = pg->free;
	pg->free = obj;
	cache->nr_in_use--;
	/* A full page is on no list: it has room again. */
	if (pg->in_use-- == cache->objs_per_page)
		list_insert(&pg->link, &cache->partial, cache->partial.next);
	if (pg->in_use == 0)
		page_now_empty(cache, pg);
	return 0;
}

struct obj_cache *obj_cache_of(const void *obj)
{
	const struct obj_page *pg = page_of(obj);

	return obj && page_valid(pg) ? pg->cache : NULL;
}

uint32_t obj_cache_shrink(struct obj_cache *cache)
{
	if (!cache->nr_empty)
		return 0;
	/* The spare is always the last page on the partial list. */
	page_release(cache, (struct obj_page *)cache->partial.prev);
	cache->nr_empty = 0;
	return 1;
}

uint32_t obj_cache_in_use(const struct obj_cache *cache)
{
	return cache->nr_in_use;
}

uint32_t obj_cache_pages(const struct obj_cache *cache)
{
	return cache->nr_pages;
}
