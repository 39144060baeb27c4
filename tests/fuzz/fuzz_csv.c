/*
 * fuzz_csv.c - tbm-report's CSV reader on arbitrary bytes (a memfd, read
 * back through /proc/self/fd). The first byte picks which columns are asked
 * for and whether others are allowed. On success every row has one field
 * per header column and line numbers never go back (records ended by a
 * bare CR share their physical line's number); on failure a message says
 * why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tbmreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const need[] = { "三级指标", "实际完成值" };
static const char *const opt[] = { "等级", "说明", "得分率" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_table t;
	struct diag d = { 0 };
	char path[64];
	int fd, col[5], rc;
	unsigned mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++, size--;
	if ((fd = memfd_create("fuzz.csv", MFD_CLOEXEC)) < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* the GB18030 fallback and the header units are fuzzed too */
	rc = csvin_read(path, need, (mode & 1) ? 2 : 1, opt, (mode & 2) ? 3 : 0,
	    ((mode & 4) ? CSVIN_EXTRA_OK : 0) | ((mode & 8) ? CSVIN_UNITS : 0), &t, col, &d);
	close(fd);
	if (rc == 0) {
		int last = 0;
		if (d.count != 0 && d.text == NULL)
			abort();
		for (size_t i = 0; i < t.nrows; i++) {
			if (t.rows[i].line < last || t.rows[i].line < 1)
				abort();
			last = t.rows[i].line;
			for (size_t c = 0; c < t.ncols; c++)
				if (t.rows[i].f[c] == NULL)
					abort();
		}
		if (col[0] < 0 || (size_t)col[0] >= t.ncols)
			abort();
		csvin_free(&t);
	} else if (d.count == 0)
		abort();
	diag_free(&d);
	return 0;
}
