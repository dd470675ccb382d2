/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * output_file: all or nothing. Output goes to a temporary file beside the
 * target and is renamed into place only when complete, so an error or a
 * crash never leaves a partial profile under the requested name.
 */
#ifndef EMBER_OUTPUT_FILE_H
#define EMBER_OUTPUT_FILE_H

#include <stdio.h>

struct output_file;

/* path NULL or "-": stdout. Prints an error and returns NULL on failure. */
struct output_file *output_file__open(const char *path);
FILE *output_file__stream(struct output_file *f);
/* Flush, close and rename into place. Returns 0 or a negative errno. */
int output_file__commit(struct output_file *f);
/* Removes the temporary file if not committed. */
void output_file__free(struct output_file *f);

#endif
