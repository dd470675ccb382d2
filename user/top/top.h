/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EMBER_TOP_H
#define EMBER_TOP_H

/* `ember top ...`: argv[0] is "top". Returns the process exit code. */
int top__main(int argc, char **argv);

#endif
