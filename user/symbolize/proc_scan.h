/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EMBER_PROC_SCAN_H
#define EMBER_PROC_SCAN_H

struct symbolizer;

/* Give the symbolizer the maps of every process alive now (whole-machine
 * profiles); returns how many processes were read. */
int proc_scan__all(struct symbolizer *sym);

#endif
