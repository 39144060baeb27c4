/*
 * mkbases.c - writes the two test bases' databases into a directory, for
 * the tests that run tbm-report as a program (test_formats.py), or with
 * --busy a base with many faults (test_print.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bases.h"

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[2], "--busy") == 0)
		return bases_make_busy(argv[1], atoi(argv[3])) == 0 ? 0 : 1;
	if (argc != 2) {
		fprintf(stderr, "usage: mkbases DIR [--busy NFAULTS]\n");
		return 2;
	}
	return bases_make(argv[1]) == 0 ? 0 : 1;
}
