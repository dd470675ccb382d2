/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * output_file: where ember writes its outputs, without ever replacing
 * something that is not a regular file.
 *
 * - A regular file, new or existing (or a symlink to one): all or nothing.
 *   Output goes to a temporary ".NAME.ember-PID.XXXXXX" beside the file
 *   (beside a symlink's target, so the link stays a link) and is renamed
 *   onto it only when complete, so an error or a crash never leaves a
 *   partial profile under the name. A new file is made 0600; a replaced
 *   one keeps its mode and owner. Temporaries of killed runs are removed
 *   by the next run that writes the same name there.
 * - A regular file with several hard links (or one no name leads to, like
 *   a deleted file behind /dev/stdout; or whose owner we cannot give a new
 *   file): output is kept aside until commit, then copied into the file
 *   itself, so every name sees it. Only an error during that copy (a full
 *   disk) can leave it partial.
 * - A character or block device, FIFO or Unix socket: written directly,
 *   as it goes; never replaced. Opening a FIFO waits for a reader; a signal
 *   ends the wait (with an error if it has a handler).
 * - A directory, or a symlink to nothing: an error.
 */
#ifndef EMBER_OUTPUT_FILE_H
#define EMBER_OUTPUT_FILE_H

#include <stdio.h>

struct output_file;

/* path NULL or "-": stdout. Prints an error and returns NULL on failure. */
struct output_file *output_file__open(const char *path);
FILE *output_file__stream(struct output_file *f);
/* Flush, close and put into place. Returns 0 or a negative errno. */
int output_file__commit(struct output_file *f);
/* Removes the temporary file if not committed; an uncommitted output
 * leaves a regular file as it was. */
void output_file__free(struct output_file *f);

#endif
