/*
 * fixture.c - see fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "tbmtime.h"

static const char conf[] =
    "[site]\nid = test\nname = 测试基地\ntimezone = Asia/Shanghai\n"
    "[daemon]\ndatabase = t.db\n"
    "[device cnc-01]\nlab = 数控加工实训室\nassessment = yes\nprotocol = modbus-tcp\n"
    "host = 127.0.0.1\nunit = 1\n"
    "[point cnc-01.alarm]\nread = holding 100\nwhen = value != 0\nlabel = 主轴报警\n"
    "[device cnc-02]\nlab = 数控加工实训室\nassessment = yes\nprotocol = modbus-tcp\n"
    "host = 127.0.0.1\nunit = 2\n"
    "[point cnc-02.alarm]\nread = holding 100\nwhen = value != 0\n"
    "[device bench-01]\nlab = PLC实训室\nprotocol = modbus-tcp\nhost = 127.0.0.1\nunit = 3\n"
    "[point bench-01.fault]\nread = coil 1\nwhen = value == 1\n"
    "[device weld-01]\nlab = 焊接实训室\nprotocol = modbus-tcp\nhost = 127.0.0.1\nunit = 4\n"
    "[point weld-01.estop]\nread = discrete 0\nkind = safety\nwhen = value == 1\n";

int
fixture_open(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[300], err[256];
	FILE *f;
	int nerr = 0;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/tbmon-store.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(path, sizeof(path), "%s/tbmond.conf", fx->dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(conf, f);
	fclose(f);
	fx->cf = config_load(path, NULL, NULL, &nerr);
	assert_non_null(fx->cf);
	assert_int_equal(time_set_zone("Asia/Shanghai"), 0);
	snprintf(fx->db, sizeof(fx->db), "%s/t.db", fx->dir);
	assert_int_equal(store_open(fx->db, 0, &fx->st, err, sizeof(err)), 0);
	assert_int_equal(store_sync_config(fx->st, fx->cf), 0);
	{
		static const struct actor boot = { NULL, "cli", "root", NULL };
		static const char *const people[][2] = { { "张经理", "manager" },
			{ "王工", "technician" }, { "李工", "technician" }, { "赵科", "viewer" } };
		for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
			struct account a = { .name = (char *)people[i][0],
				.role = (enum role)role_parse(people[i][1]) };
			assert_int_equal(store_account_add(fx->st, i ? as("张经理") : &boot, &a, NULL,
			    sh(2023, 1, 1, 0, 0), err, sizeof(err)), 0);
		}
	}
	*state = fx;
	return 0;
}

int
fixture_close(void **state)
{
	struct fixture *fx = *state;
	char cmd[400];

	store_close(fx->st);
	config_free(fx->cf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx->dir);
	free(fx);
	return 0;
}

int64_t
sh(int y, int mo, int d, int h, int mi)
{
	return time_local_mktime(y, mo, d, h, mi, 0);
}

void
ev(struct store *st, int type, int kind, const char *dev, const char *point, double code,
    int64_t at)
{
	struct tbm_event e;

	memset(&e, 0, sizeof(e));
	e.type = (enum event_type)type;
	e.kind = (enum fault_kind)kind;
	snprintf(e.device, sizeof(e.device), "%s", dev);
	snprintf(e.point, sizeof(e.point), "%s", point);
	e.code = code;
	e.at_ms = at;
	assert_true(store_write_events(st, &e, 1) >= 0);
}

const struct actor *
as(const char *name)
{
	static struct account acct[8];
	static struct actor who[8];
	static size_t n;

	for (size_t i = 0; i < n; i++)
		if (strcmp(acct[i].name, name) == 0)
			return &who[i];
	assert_true(n < 8);
	acct[n].name = (char *)name;
	who[n] = (struct actor){ &acct[n], "cli", "test", NULL };
	return &who[n++];
}
