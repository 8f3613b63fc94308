/* Looking at its own capabilities (cap_control read). */
#include "adversary.h"

struct cap_info caps[MAX_CAPS];

bool find_cap(uint32_t res, struct cap_info *out)
{
	int n = cap_read(caps, MAX_CAPS);

	for (int i = 0; i < n; i++) {
		if (caps[i].resource == res &&
		    caps[i].list == CAP_LIST_CONTAINER) {
			*out = caps[i];
			return true;
		}
	}
	return false;
}

bool find_mem(uint32_t res, uint32_t base, struct cap_info *out)
{
	int n = cap_read(caps, MAX_CAPS);

	for (int i = 0; i < n; i++) {
		if (caps[i].resource == res && caps[i].base == base) {
			*out = caps[i];
			return true;
		}
	}
	return false;
}

bool lookup_cap(uint32_t id, struct cap_info *out)
{
	int n = cap_read(caps, MAX_CAPS);

	for (int i = 0; i < n; i++) {
		if (caps[i].id == id) {
			*out = caps[i];
			return true;
		}
	}
	return false;
}

bool can_see(uint32_t id)
{
	struct cap_info c;

	return lookup_cap(id, &c);
}

uint32_t used_of(uint32_t res)
{
	struct cap_info c;

	return find_cap(res, &c) ? c.used : 0xffffffffu;
}
