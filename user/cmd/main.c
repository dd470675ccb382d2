// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ember: where do this program's time and memory go? */
#include <stdio.h>
#include <string.h>
#include "format/flamegraph.h"
#include "lib/log.h"
#include "cmd/record.h"
#include "top/top.h"
#include "cmd/report_cmd.h"

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct cmd commands[] = {
	{ "record", record__main }, { "top", top__main },   { "flamegraph", flamegraph__main },
	{ "report", report__main }, { "diff", diff__main },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: ember COMMAND [OPTIONS]\n"
		     "\n"
		     "Commands:\n"
		     "  record   profile on-CPU, off-CPU or wall-clock time into folded stacks\n"
		     "           (ember record --help)\n"
		     "  top      live view: machine, processes by CPU and off-CPU time, hot\n"
		     "           functions (ember top --help)\n"
		     "  flamegraph\n"
		     "           draw a folded-stack file as an interactive SVG flame graph\n"
		     "           (ember flamegraph --help)\n"
		     "  report   a profile by function: self and total, or the call tree\n"
		     "           (ember report --help)\n"
		     "  diff     two profiles compared by function; exit 1 on a regression\n"
		     "           (ember diff --help)\n"
		     "\n"
		     "  ember --version | --help\n"
		     "\n"
		     "Example: ember record -d 10 -o cpu.folded\n"
		     "         ember flamegraph cpu.folded -o cpu.svg\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("ember %s\n", EMBER_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	p_err("unknown command '%s': see 'ember --help'", argv[1]);
	return 2;
}
