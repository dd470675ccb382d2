/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF-only map helpers shared by the collectors. */
#ifndef EMBER_MAPS_BPF_H
#define EMBER_MAPS_BPF_H

#include "stats.bpf.h" /* EEXIST */

/*
 * The value under key in a hash map, inserting *init first when there is
 * none (bcc's bpf_map_lookup_or_try_init). Another CPU may insert the
 * same key between the lookup and the insert: -EEXIST then means "use
 * theirs". NULL when the insert failed (the map is full: the caller
 * counts it), or in the rare case that userspace took the entry away
 * (a live view draining the map) between the insert and the lookup.
 */
static __always_inline void *map_lookup_or_try_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	/* the helper's result is an int: compare it as one */
	if (err && (int)err != -EEXIST)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

#endif
