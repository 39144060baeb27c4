/*
 * test_rtuframe.c - Modbus RTU framing over TCP (daemon/rtuframe.c), the
 * parser of untrusted bytes from serial servers and DTUs: the request and
 * its CRC byte by byte, good replies, every way a reply can be wrong
 * (CRC, unit, function, byte count, truncated, extra bytes), exceptions;
 * and the framing table link_tcp.c uses. Also the backoffs' jitter
 * (daemon/link.c). Linked against tbmond's object library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <modbus.h>
#include <string.h>

#include "framing.h"
#include "link_int.h"
#include "mbap.h"
#include "rtuframe.h"

#define UNIT 7

/* A reply: unit, the PDU bytes, the CRC. Returns the frame's length. */
static size_t
reply(uint8_t *buf, uint8_t unit, const uint8_t *pdu, size_t npdu)
{
	uint16_t crc;

	buf[0] = unit;
	memcpy(buf + 1, pdu, npdu);
	crc = rtuframe_crc(buf, 1 + npdu);
	buf[1 + npdu] = (uint8_t)crc;
	buf[2 + npdu] = (uint8_t)(crc >> 8);
	return npdu + 3;
}

static void
request_bytes(void **state)
{
	uint8_t req[RTU_READ_REQ_LEN];
	/* read holding registers 0-1 of unit 1: the textbook frame 01 03 00 00 00 02 C4 0B */
	static const uint8_t want[RTU_READ_REQ_LEN] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xc4, 0x0b };

	(void)state;
	rtuframe_read_request(req, 1, MBAP_FC_READ_HOLDING, 0, 2);
	assert_memory_equal(req, want, sizeof(want));
	rtuframe_read_request(req, 0x11, MBAP_FC_READ_INPUT, 0x0102, 125);
	assert_int_equal(req[0], 0x11);
	assert_int_equal(req[1], 4);
	assert_int_equal(req[2], 0x01);
	assert_int_equal(req[3], 0x02);
	assert_int_equal(req[5], 125);
	/* the CRC of a frame with its CRC is 0 */
	assert_int_equal(rtuframe_crc(req, sizeof(req)), 0);
}

static void
frame_length(void **state)
{
	uint8_t buf[RTU_ADU_MAX] = { 0 };

	(void)state;
	assert_int_equal(rtuframe_length(buf, 0), 0);
	buf[0] = UNIT;
	assert_int_equal(rtuframe_length(buf, 1), 0);
	buf[1] = 3;
	assert_int_equal(rtuframe_length(buf, 2), 0);
	buf[2] = 4;
	assert_int_equal(rtuframe_length(buf, 3), 3 + 4 + 2);
	buf[2] = 250;
	assert_int_equal(rtuframe_length(buf, 3), 255);
	buf[2] = 252;
	assert_int_equal(rtuframe_length(buf, 3), 257 > RTU_ADU_MAX ? -1 : 257);
	buf[1] = 0x83;
	assert_int_equal(rtuframe_length(buf, 2), RTU_EXCEPTION_LEN);
	/* not a read: nothing to wait for */
	buf[1] = 6;
	assert_int_equal(rtuframe_length(buf, 2), -1);
	buf[1] = 0;
	assert_int_equal(rtuframe_length(buf, 2), -1);
}

static int
check(const uint8_t *buf, size_t n, int fc, int count)
{
	return rtuframe_check_reply(buf, n, n, UNIT, fc, count);
}

static void
good_replies(void **state)
{
	static const uint8_t regs_pdu[] = { 3, 4, 0x12, 0x34, 0xff, 0xfe };
	static const uint8_t bits_pdu[] = { 1, 2, 0x05, 0x03 };
	static const uint8_t want_bits[10] = { 1, 0, 1, 0, 0, 0, 0, 0, 1, 1 };
	const struct framing *fr = framing_for(PROTO_MODBUS_RTU_TCP);
	uint8_t buf[RTU_ADU_MAX], bits[10];
	uint16_t regs[2];
	size_t n;

	(void)state;
	n = reply(buf, UNIT, regs_pdu, sizeof(regs_pdu));
	assert_int_equal(rtuframe_length(buf, n), (long)n);
	assert_int_equal(check(buf, n, 3, 2), 0);
	assert_int_equal(fr->check(buf, n, n, 0xbeef, UNIT, 3, 2), 0);   /* no transaction id */
	mbap_pdu_registers(buf + fr->data_off, 2, regs);
	assert_int_equal(regs[0], 0x1234);
	assert_int_equal(regs[1], 0xfffe);
	n = reply(buf, UNIT, bits_pdu, sizeof(bits_pdu));
	assert_int_equal(check(buf, n, 1, 10), 0);
	mbap_pdu_bits(buf + RTU_DATA_OFF, 10, bits);
	assert_memory_equal(bits, want_bits, sizeof(want_bits));
	/* the table: Modbus TCP for modbus-tcp, RTU for modbus-rtu-tcp */
	assert_int_equal(framing_for(PROTO_MODBUS_TCP)->data_off, MBAP_DATA_OFF);
	assert_int_equal(fr->data_off, RTU_DATA_OFF);
	assert_int_equal(fr->request(buf, 1, UNIT, 3, 0, 1), RTU_READ_REQ_LEN);
	assert_int_equal(framing_for(PROTO_MODBUS_TCP)->request(buf, 1, UNIT, 3, 0, 1), MBAP_READ_REQ_LEN);
}

static void
bad_replies(void **state)
{
	static const uint8_t pdu[] = { 3, 2, 0, 42 };
	uint8_t buf[RTU_ADU_MAX];
	size_t n;

	(void)state;
	n = reply(buf, UNIT, pdu, sizeof(pdu));
	assert_int_equal(check(buf, n, 3, 1), 0);
	/* a flipped bit anywhere: the CRC sees it */
	for (size_t i = 0; i < n; i++) {
		buf[i] ^= 0x10;
		assert_int_equal(check(buf, n, 3, 1), EMBBADCRC);
		buf[i] ^= 0x10;
	}
	/* another unit, a good CRC */
	n = reply(buf, UNIT + 1, pdu, sizeof(pdu));
	assert_int_equal(check(buf, n, 3, 1), EMBBADSLAVE);
	n = reply(buf, UNIT, pdu, sizeof(pdu));
	/* another function, another count */
	assert_int_equal(check(buf, n, 4, 1), EMBBADDATA);
	assert_int_equal(check(buf, n, 3, 2), EMBBADDATA);
	/* truncated, or bytes beyond the frame */
	assert_int_equal(rtuframe_check_reply(buf, n, n - 1, UNIT, 3, 1), EMBBADDATA);
	assert_int_equal(rtuframe_check_reply(buf, n, n + 1, UNIT, 3, 1), EMBBADDATA);
	assert_int_equal(rtuframe_check_reply(buf, 4, 4, UNIT, 3, 1), EMBBADDATA);
}

static void
exceptions(void **state)
{
	uint8_t pdu[2] = { 0x83, 2 }, buf[RTU_ADU_MAX];
	size_t n = reply(buf, UNIT, pdu, sizeof(pdu));

	(void)state;
	assert_int_equal(n, RTU_EXCEPTION_LEN);
	assert_int_equal(rtuframe_length(buf, 2), RTU_EXCEPTION_LEN);
	assert_int_equal(check(buf, n, 3, 1), MODBUS_ENOBASE + 2);
	assert_true(mbap_is_exception(check(buf, n, 3, 1)));
	pdu[1] = 0x42;
	n = reply(buf, UNIT, pdu, sizeof(pdu));
	assert_int_equal(check(buf, n, 3, 1), EMBBADEXC);
	/* an exception to another function is not the answer */
	pdu[0] = 0x84;
	pdu[1] = 2;
	n = reply(buf, UNIT, pdu, sizeof(pdu));
	assert_int_equal(check(buf, n, 3, 1), EMBBADDATA);
}

/* Backoffs carry 0-25 % of random extra, different from link to link, so
 * that links that failed together do not come back in step. */
static void
jitter(void **state)
{
	uint32_t a = 1, b = 2;
	int differ = 0, above = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		int64_t x = link_jitter(&a, 1000), y = link_jitter(&b, 1000);
		assert_true(x >= 1000 && x <= 1250);
		assert_true(y >= 1000 && y <= 1250);
		differ += x != y;
		above += x > 1100;
	}
	assert_true(differ > 900);
	assert_true(above > 300 && above < 700);
	assert_int_equal(link_jitter(&a, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_bytes),
		cmocka_unit_test(frame_length),
		cmocka_unit_test(good_replies),
		cmocka_unit_test(bad_replies),
		cmocka_unit_test(exceptions),
		cmocka_unit_test(jitter),
	};

	return cmocka_run_group_tests_name("rtuframe", tests, NULL, NULL);
}
