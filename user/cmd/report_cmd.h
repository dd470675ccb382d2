/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `ember report` and `ember diff`: profiles read back and summed up by
 * function (report_cmd.c, diff_cmd.c). */
#ifndef EMBER_REPORT_CMD_H
#define EMBER_REPORT_CMD_H

/* Exit status: 0; 1 unreadable or malformed file; 2 bad usage. */
int report__main(int argc, char **argv);
/* Exit status: 0; 1 a function grew beyond --fail-above; 2 bad usage or an
 * unreadable or malformed file (as diff(1): 1 means "differs"). */
int diff__main(int argc, char **argv);

/* errno from func_stats__new() or call_tree__new() as one error line
 * naming path. */
void report__stats_error(const char *path, int err);

#endif
