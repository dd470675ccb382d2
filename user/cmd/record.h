/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef EMBER_RECORD_H
#define EMBER_RECORD_H

/* `ember record ...`: argv[0] is "record". Returns the process exit code. */
int record__main(int argc, char **argv);

#endif
