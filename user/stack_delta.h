/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stack_delta: what each stack key gained since the last look. The BPF
 * counts maps only grow (resetting them under running programs would lose
 * counts), so a live view remembers each key's last total and takes the
 * difference.
 */
#ifndef EMBER_STACK_DELTA_H
#define EMBER_STACK_DELTA_H

#include <stddef.h>
#include <linux/types.h>
#include "ember_abi.h"

struct stack_delta;

struct stack_delta *stack_delta__new(void);
void stack_delta__free(struct stack_delta *d);
/* value minus the key's previous total (all of it for a new key, 0 if it
 * went down), and remembers value. 0 or -ENOMEM. */
int stack_delta__update(struct stack_delta *d, const struct ember_stack_key *key, __u64 value,
			__u64 *delta);
size_t stack_delta__nr(const struct stack_delta *d);

#endif
