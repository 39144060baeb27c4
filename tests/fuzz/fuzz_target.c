/*
 * fuzz_target.c - tbm-report's texts from targets.csv and figures.csv:
 * "指标值\n实际完成值" through target_parse, actual_parse and number_parse.
 * A parsed number is finite, and a refusal always says why.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *actual, err[256];
	struct target t;
	double v;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if ((actual = strchr(buf, '\n')) != NULL)
		*actual++ = '\0';

	err[0] = '\0';
	if (target_parse(buf, &t, err, sizeof(err)) == 0) {
		if (t.quantitative && !isfinite(t.value))
			abort();
		if (memchr(t.unit, '\0', sizeof(t.unit)) == NULL)
			abort();
		if (actual != NULL) {
			err[0] = '\0';
			if (actual_parse(actual, &t, &v, err, sizeof(err)) == 0) {
				if (!isfinite(v))
					abort();
			} else if (err[0] == '\0')
				abort();
		}
	} else if (err[0] == '\0')
		abort();
	if (number_parse(buf, &v) == 0 && !isfinite(v))
		abort();
	free(buf);
	return 0;
}
