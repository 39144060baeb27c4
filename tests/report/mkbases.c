/*
 * mkbases.c - writes the two test bases' databases into a directory, for
 * the tests that run tbm-report as a program (test_formats.py).
 */
#include <stdio.h>

#include "bases.h"

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkbases DIR\n");
		return 2;
	}
	return bases_make(argv[1]) == 0 ? 0 : 1;
}
