/*
 * test_notify.c - tbm-notify's pure parts: judging the robots' answers,
 * the DingTalk and Feishu signatures, the texts, and the `send =` list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notify.h"
#include "tbmtime.h"

atomic_int notify_stop;

static void
test_robot_reply(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(robot_reply(NOTIFY_WECOM, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", why, sizeof(why)), 0);
	assert_int_equal(robot_reply(NOTIFY_WECOM, 200, "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", why, sizeof(why)), -1);
	assert_string_equal(why, "errcode 45009: api freq out of limit");
	assert_int_equal(robot_reply(NOTIFY_DINGTALK, 200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}", why, sizeof(why)), -1);
	assert_string_equal(why, "errcode 310000: sign not match");
	assert_int_equal(robot_reply(NOTIFY_DINGTALK, 500, "<html>", why, sizeof(why)), -1);
	assert_string_equal(why, "HTTP 500");
	assert_int_equal(robot_reply(NOTIFY_WECOM, 200, "not json", why, sizeof(why)), -1);
	assert_string_equal(why, "HTTP 200 but no errcode in the answer");
	assert_int_equal(robot_reply(NOTIFY_FEISHU, 200, "{\"code\":0,\"msg\":\"success\",\"data\":{}}", why, sizeof(why)), 0);
	assert_int_equal(robot_reply(NOTIFY_FEISHU, 200, "{\"StatusCode\":0,\"StatusMessage\":\"success\"}", why, sizeof(why)), 0);
	assert_int_equal(robot_reply(NOTIFY_FEISHU, 200, "{\"code\":11232,\"msg\":\"frequency limited\"}", why, sizeof(why)), -1);
	assert_string_equal(why, "code 11232: frequency limited");
	assert_int_equal(robot_reply(NOTIFY_FEISHU, 400, "{\"code\":19021,\"msg\":\"sign match fail\"}", why, sizeof(why)), -1);
	assert_string_equal(why, "HTTP 400, code 19021: sign match fail");
	assert_int_equal(robot_reply(NOTIFY_WEBHOOK, 204, "", why, sizeof(why)), 0);
	assert_int_equal(robot_reply(NOTIFY_WEBHOOK, 503, "", why, sizeof(why)), -1);
	assert_string_equal(why, "HTTP 503");
}

static void
test_signatures(void **state)
{
	char sig[128];

	(void)state;
	/* reference values from Python's hmac/base64/urllib, as the robots' docs describe */
	assert_int_equal(sign_dingtalk("SECd1ng", 1700000000000LL, sig, sizeof(sig)), 0);
	assert_string_equal(sig, "%2B7EGqemARuiUXZaZon4JG%2FMNY3GVKoAyC58uZyhi6wE%3D");
	assert_int_equal(sign_feishu("fei", 1700000000LL, sig, sizeof(sig)), 0);
	assert_string_equal(sig, "oTZaxUnJ2eDDfVUNO42LNYRk2kmyscy5eYu48nJG80U=");
}

static void
test_texts(void **state)
{
	struct msg_fault f = { 0 };
	struct summary s = { 0 };
	char *t, d[64];

	(void)state;
	f.id = 42;
	f.device_name = "数控车床 CK6140 #1";
	f.lab = "数控加工实训室";
	f.label = "主轴报警";
	f.kind = FK_FAULT;
	f.has_code = 1;
	f.code = 1021;
	f.at = time_local_mktime(2023, 11, 20, 14, 20, 5);
	t = message_text(MSG_OPEN, &f, 0, "https://tbm.example.org/");
	assert_string_equal(t, "【设备故障】数控车床 CK6140 #1：主轴报警\n实训室：数控加工实训室\n"
	    "代码：1021\n时间：2023-11-20 14:20:05\n详情：https://tbm.example.org/faults/42");
	free(t);
	f.kind = FK_COMM;
	f.has_code = 0;
	f.label = "通信中断";
	t = message_text(MSG_UNACKED, &f, 30 * 60000, NULL);
	assert_string_equal(t, "【超时未受理】数控车床 CK6140 #1\n实训室：数控加工实训室\n"
	    "时间：2023-11-20 14:20:05\n已超过 30 分钟无人受理");
	free(t);
	summary_add(&s, "数控加工实训室", MSG_OPEN);
	summary_add(&s, "数控加工实训室", MSG_OPEN);
	summary_add(&s, "焊接实训室", MSG_SAFETY);
	t = summary_text(&s, "https://tbm.example.org");
	assert_string_equal(t, "【通知合并】1 分钟内通知过多，以下 3 条合并发送：\n数控加工实训室 2 起新故障\n"
	    "焊接实训室 1 起安全事件\n详情：https://tbm.example.org/");
	free(t);
	summary_clear(&s);
	duration_zh(26 * 3600000LL, d, sizeof(d));
	assert_string_equal(d, "1 天 2 小时");
	duration_zh(90 * 60000LL, d, sizeof(d));
	assert_string_equal(d, "1 小时 30 分钟");

	/* nobody watching, and watching again */
	t = monitor_text(1, "测试基地", 1700000000000LL, 1700000000000LL + 15 * 60000, 1, NULL);
	assert_string_equal(t, "【监测中断】测试基地：tbmond 自 2023-11-15 06:13:20 起没有运行（没有心跳，可能已崩溃或断电，"
	    "已 15 分钟）。\n这段时间设备的故障不会被发现，也不计入监测覆盖率。请检查网关和 tbmond 服务。");
	free(t);
	t = monitor_text(0, "测试基地", 1700000000000LL, 1700000000000LL + 2 * 3600000, 0, "https://tbm.example.org");
	assert_string_equal(t, "【监测恢复】测试基地：tbmond 自 2023-11-15 08:13:20 起恢复运行，此前中断了 2 小时。\n"
	    "中断期间不计入监测覆盖率；其间发生而已经消失的故障无从得知。\n详情：https://tbm.example.org/");
	free(t);
	/* a quiet day nobody watched is not good news */
	{
		struct digest_watch w = { 0.25, 0.9, 1, 0 };
		t = digest_text("测试基地", 1700000000000LL, &w, NULL, 0, 0, 0, NULL, NULL, NULL);
		assert_non_null(strstr(t, "过去 24 小时新故障 0 起，安全事件 0 起\n过去 24 小时 tbmond 监测了 25.0%，"
		    "不足 90%：没有记录到的故障不等于没有故障\n⚠ tbmond 现在没有运行：新的故障不会被发现"));
		free(t);
		w = (struct digest_watch){ 1.0, 0.9, 0, 1 };
		t = digest_text("测试基地", 1700000000000LL, &w, NULL, 0, 0, 0, NULL, NULL, NULL);
		assert_non_null(strstr(t, "过去 24 小时 tbmond 监测了 100.0%"));
		assert_null(strstr(t, "不足"));
		assert_null(strstr(t, "没有运行"));
		free(t);
	}
}

static void
test_send_list(void **state)
{
	struct notify_send s;
	char err[256];

	(void)state;
	assert_int_equal(notify_send_parse("open, safety, unacked 30m, unrepaired 24h, daily 08:00", &s, err, sizeof(err)), 0);
	assert_int_equal(s.events, NOTIFY_SEND_OPEN | NOTIFY_SEND_SAFETY);
	assert_int_equal(s.unacked_ms, 30 * 60000);
	assert_int_equal(s.unrepaired_ms, 24 * 3600000LL);
	assert_int_equal(s.daily_min, 480);
	assert_int_equal(s.stopped_ms, 0);
	assert_int_equal(notify_send_parse("stopped 5m", &s, err, sizeof(err)), 0);
	assert_int_equal(s.stopped_ms, 5 * 60000);
	assert_int_equal(notify_send_parse("stopped", &s, err, sizeof(err)), -1);
	assert_int_equal(notify_send_parse("accident", &s, err, sizeof(err)), 0);
	assert_int_equal(s.daily_min, -1);
	assert_int_equal(notify_send_parse("open, close", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "'close' is not one of open, safety, accident, unacked DURATION, unrepaired DURATION, stopped DURATION, daily HH:MM");
	assert_int_equal(notify_send_parse("unacked", &s, err, sizeof(err)), -1);
	assert_int_equal(notify_send_parse("unacked 5m, unacked 6m", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "unacked is given twice");
	assert_int_equal(notify_send_parse("daily 24:00", &s, err, sizeof(err)), -1);
	assert_int_equal(notify_send_parse("open 5m", &s, err, sizeof(err)), -1);
	assert_int_equal(notify_send_parse(" , ", &s, err, sizeof(err)), -1);
	assert_string_equal(err, "nothing to send");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_robot_reply),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_send_list),
	};

	time_set_zone("Asia/Shanghai");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
