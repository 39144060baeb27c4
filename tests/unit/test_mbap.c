/*
 * test_mbap.c - Modbus TCP framing (daemon/mbap.c), the parser that reads
 * untrusted network input: read requests byte by byte, good replies of
 * every function code 1-4, and every way a reply can be wrong (header,
 * length, transaction, protocol, unit, function, byte count, truncated,
 * extra bytes, exceptions). Linked against tbmond's object library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <modbus.h>
#include <string.h>

#include "mbap.h"

#define TID 0x1234
#define UNIT 7

/* A reply: header for tid/unit, then the PDU bytes; the length field counts
 * the unit and the PDU. Returns the frame's length. */
static size_t
reply(uint8_t *buf, uint16_t tid, uint8_t unit, const uint8_t *pdu, size_t npdu)
{
	size_t len = 1 + npdu;

	buf[0] = (uint8_t)(tid >> 8);
	buf[1] = (uint8_t)tid;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(len >> 8);
	buf[5] = (uint8_t)len;
	buf[6] = unit;
	memcpy(buf + MBAP_HEADER_LEN, pdu, npdu);
	return MBAP_PREFIX_LEN + len;
}

static int
check(const uint8_t *buf, size_t n, int fc, int count)
{
	return mbap_check_reply(buf, n, n, TID, UNIT, fc, count);
}

static void
request_bytes(void **state)
{
	uint8_t req[MBAP_READ_REQ_LEN];
	static const uint8_t want[MBAP_READ_REQ_LEN] = {
		0xab, 0xcd, 0, 0, 0, 6, 0x11, 3, 0x01, 0x02, 0x00, 0x7d };

	(void)state;
	mbap_read_request(req, 0xabcd, 0x11, MBAP_FC_READ_HOLDING, 0x0102, 125);
	assert_memory_equal(req, want, sizeof(want));
	for (int fc = 1; fc <= 4; fc++) {
		mbap_read_request(req, 1, 255, fc, 65535, 1);
		assert_int_equal(req[MBAP_FC_OFF], fc);
		assert_int_equal(req[MBAP_UNIT_OFF], 255);
		assert_int_equal(req[8], 0xff);
		assert_int_equal(req[9], 0xff);
		assert_int_equal(req[11], 1);
		/* a request is itself a well-formed frame */
		assert_int_equal(mbap_frame_length(req, sizeof(req)), MBAP_READ_REQ_LEN);
	}
}

static void
frame_length(void **state)
{
	uint8_t buf[MBAP_ADU_MAX] = { 0 };

	(void)state;
	for (size_t n = 0; n < MBAP_HEADER_LEN; n++)
		assert_int_equal(mbap_frame_length(buf, n), 0);
	buf[5] = 0;
	assert_int_equal(mbap_frame_length(buf, MBAP_HEADER_LEN), -1);
	buf[5] = 1;
	assert_int_equal(mbap_frame_length(buf, MBAP_HEADER_LEN), -1);
	buf[5] = 2;
	assert_int_equal(mbap_frame_length(buf, MBAP_HEADER_LEN), 8);
	buf[5] = 254;
	assert_int_equal(mbap_frame_length(buf, MBAP_HEADER_LEN), MBAP_ADU_MAX);
	buf[5] = 255;
	assert_int_equal(mbap_frame_length(buf, MBAP_HEADER_LEN), -1);
	buf[4] = 1;
	buf[5] = 0;
	assert_int_equal(mbap_frame_length(buf, MBAP_HEADER_LEN), -1);
	buf[4] = 0xff;
	buf[5] = 0xff;
	assert_int_equal(mbap_frame_length(buf, MBAP_HEADER_LEN), -1);
}

static void
good_bits(void **state)
{
	/* 10 coils: 0b1100000101 -> bytes 0x05, 0x03 (LSB first) */
	static const uint8_t pdu[] = { 0, 2, 0x05, 0x03 };
	uint8_t buf[MBAP_ADU_MAX], pdu2[sizeof(pdu)], bits[10];
	static const uint8_t want[10] = { 1, 0, 1, 0, 0, 0, 0, 0, 1, 1 };

	(void)state;
	for (int fc = MBAP_FC_READ_COILS; fc <= MBAP_FC_READ_DISCRETE; fc++) {
		size_t n;
		memcpy(pdu2, pdu, sizeof(pdu));
		pdu2[0] = (uint8_t)fc;
		n = reply(buf, TID, UNIT, pdu2, sizeof(pdu2));
		assert_int_equal(mbap_frame_length(buf, n), (long)n);
		assert_int_equal(check(buf, n, fc, 10), 0);
		mbap_unpack_bits(buf, 10, bits);
		assert_memory_equal(bits, want, sizeof(want));
		/* 16 bits want 2 bytes too; 17 want 3 */
		assert_int_equal(check(buf, n, fc, 16), 0);
		assert_int_equal(check(buf, n, fc, 17), EMBBADDATA);
		assert_int_equal(check(buf, n, fc, 8), EMBBADDATA);
	}
}

static void
good_registers(void **state)
{
	uint8_t buf[MBAP_ADU_MAX], pdu[2 + 2 * MBAP_MAX_REGISTERS];
	uint16_t regs[MBAP_MAX_REGISTERS];

	(void)state;
	for (int fc = MBAP_FC_READ_HOLDING; fc <= MBAP_FC_READ_INPUT; fc++) {
		size_t n;
		pdu[0] = (uint8_t)fc;
		pdu[1] = 4;
		pdu[2] = 0x12;
		pdu[3] = 0x34;
		pdu[4] = 0xff;
		pdu[5] = 0xfe;
		n = reply(buf, TID, UNIT, pdu, 6);
		assert_int_equal(check(buf, n, fc, 2), 0);
		mbap_unpack_registers(buf, 2, regs);
		assert_int_equal(regs[0], 0x1234);
		assert_int_equal(regs[1], 0xfffe);
		/* the largest read: 125 registers, a frame of MBAP_ADU_MAX - 1 bytes */
		pdu[1] = 2 * MBAP_MAX_REGISTERS;
		for (int i = 0; i < MBAP_MAX_REGISTERS; i++) {
			pdu[2 + 2 * i] = (uint8_t)i;
			pdu[3 + 2 * i] = (uint8_t)(255 - i);
		}
		n = reply(buf, TID, UNIT, pdu, sizeof(pdu));
		assert_int_equal(mbap_frame_length(buf, n), (long)n);
		assert_int_equal(check(buf, n, fc, MBAP_MAX_REGISTERS), 0);
		mbap_unpack_registers(buf, MBAP_MAX_REGISTERS, regs);
		assert_int_equal(regs[124], 124 << 8 | 131);
	}
	/* the largest bit read: 2000 bits in 250 bytes */
	memset(pdu, 0xff, sizeof(pdu));
	pdu[0] = MBAP_FC_READ_COILS;
	pdu[1] = 250;
	assert_int_equal(check(buf, reply(buf, TID, UNIT, pdu, 252), MBAP_FC_READ_COILS,
	    MBAP_MAX_BITS), 0);
}

static void
bad_header(void **state)
{
	static const uint8_t pdu[] = { 3, 2, 0, 42 };
	uint8_t buf[MBAP_ADU_MAX];
	size_t n;

	(void)state;
	n = reply(buf, TID, UNIT, pdu, sizeof(pdu));
	assert_int_equal(check(buf, n, 3, 1), 0);
	/* wrong transaction id, either byte */
	buf[0] ^= 1;
	assert_int_equal(check(buf, n, 3, 1), EMBBADDATA);
	buf[0] ^= 1;
	buf[1] ^= 0x80;
	assert_int_equal(check(buf, n, 3, 1), EMBBADDATA);
	buf[1] ^= 0x80;
	/* protocol id other than Modbus, either byte */
	buf[2] = 1;
	assert_int_equal(check(buf, n, 3, 1), EMBBADDATA);
	buf[2] = 0;
	buf[3] = 1;
	assert_int_equal(check(buf, n, 3, 1), EMBBADDATA);
	buf[3] = 0;
	/* length field that does not match the frame */
	buf[5]++;
	assert_int_equal(check(buf, n, 3, 1), EMBBADDATA);
	buf[5] -= 2;
	assert_int_equal(check(buf, n, 3, 1), EMBBADDATA);
	buf[5]++;
	/* another unit answered */
	buf[6] = UNIT + 1;
	assert_int_equal(check(buf, n, 3, 1), EMBBADSLAVE);
	buf[6] = 0;
	assert_int_equal(check(buf, n, 3, 1), EMBBADSLAVE);
	buf[6] = UNIT;
	assert_int_equal(check(buf, n, 3, 1), 0);
}

static void
bad_pdu(void **state)
{
	uint8_t pdu[] = { 3, 2, 0, 42 };
	uint8_t buf[MBAP_ADU_MAX];
	size_t n;

	(void)state;
	/* the reply of another function */
	for (int fc = 1; fc <= 4; fc++) {
		if (fc == 3)
			continue;
		n = reply(buf, TID, UNIT, pdu, sizeof(pdu));
		assert_int_equal(check(buf, n, fc, fc <= 2 ? 16 : 1), EMBBADDATA);
	}
	/* a function code we never ask for */
	pdu[0] = 16;
	assert_int_equal(check(buf, reply(buf, TID, UNIT, pdu, sizeof(pdu)), 3, 1), EMBBADDATA);
	pdu[0] = 3;
	/* byte count that does not match the request, or the frame */
	pdu[1] = 4;
	assert_int_equal(check(buf, reply(buf, TID, UNIT, pdu, sizeof(pdu)), 3, 1), EMBBADDATA);
	assert_int_equal(check(buf, reply(buf, TID, UNIT, pdu, sizeof(pdu)), 3, 2), EMBBADDATA);
	pdu[1] = 0;
	assert_int_equal(check(buf, reply(buf, TID, UNIT, pdu, 2), 3, 1), EMBBADDATA);
	pdu[1] = 2;
	/* a frame too short to hold a byte count */
	assert_int_equal(check(buf, reply(buf, TID, UNIT, pdu, 1), 3, 1), EMBBADDATA);
	/* data bytes beyond the byte count, inside the frame */
	{
		uint8_t longer[] = { 3, 2, 0, 42, 0 };
		assert_int_equal(check(buf, reply(buf, TID, UNIT, longer, sizeof(longer)), 3, 1),
		    EMBBADDATA);
	}
}

static void
truncated_and_extra(void **state)
{
	static const uint8_t pdu[] = { 4, 4, 1, 2, 3, 4 };
	uint8_t buf[MBAP_ADU_MAX];
	size_t n;

	(void)state;
	n = reply(buf, TID, UNIT, pdu, sizeof(pdu));
	for (size_t got = 0; got < n; got++) {
		long fl = mbap_frame_length(buf, got);
		/* a prefix is never a whole frame */
		assert_true(fl == 0 || (fl == (long)n && (size_t)fl > got));
		assert_int_equal(mbap_check_reply(buf, got, got, TID, UNIT, 4, 2), EMBBADDATA);
		assert_int_equal(mbap_check_reply(buf, n, got, TID, UNIT, 4, 2), EMBBADDATA);
	}
	assert_int_equal(mbap_check_reply(buf, n, n, TID, UNIT, 4, 2), 0);
	/* bytes after the reply: nobody asked for them */
	buf[n] = 0;
	assert_int_equal(mbap_check_reply(buf, n, n + 1, TID, UNIT, 4, 2), EMBBADDATA);
	/* even a whole second reply */
	reply(buf + n, TID, UNIT, pdu, sizeof(pdu));
	assert_int_equal(mbap_check_reply(buf, n, 2 * n, TID, UNIT, 4, 2), EMBBADDATA);
}

static void
exceptions(void **state)
{
	uint8_t pdu[] = { 0, 0 };
	uint8_t buf[MBAP_ADU_MAX];

	(void)state;
	for (int fc = 1; fc <= 4; fc++) {
		pdu[0] = (uint8_t)(fc | MBAP_EXCEPTION_FLAG);
		for (int code = 0; code <= 255; code++) {
			int e;
			pdu[1] = (uint8_t)code;
			e = check(buf, reply(buf, TID, UNIT, pdu, sizeof(pdu)), fc, 1);
			if (code >= 1 && code <= 11) {
				assert_int_equal(e, MODBUS_ENOBASE + code);
				assert_true(mbap_is_exception(e));
			} else {
				assert_int_equal(e, EMBBADEXC);
				assert_false(mbap_is_exception(e));
			}
		}
		/* the exception of another function is a broken frame */
		pdu[0] = (uint8_t)((fc % 4 + 1) | MBAP_EXCEPTION_FLAG);
		pdu[1] = 2;
		assert_int_equal(check(buf, reply(buf, TID, UNIT, pdu, sizeof(pdu)), fc, 1),
		    EMBBADDATA);
	}
	/* an exception from another unit or with a wrong transaction id is not ours */
	pdu[0] = 3 | MBAP_EXCEPTION_FLAG;
	pdu[1] = 2;
	assert_int_equal(check(buf, reply(buf, TID, UNIT + 1, pdu, sizeof(pdu)), 3, 1), EMBBADSLAVE);
	assert_int_equal(check(buf, reply(buf, TID + 1, UNIT, pdu, sizeof(pdu)), 3, 1), EMBBADDATA);
	/* errors that are not exceptions keep their meaning */
	assert_false(mbap_is_exception(EMBBADDATA));
	assert_false(mbap_is_exception(EMBBADSLAVE));
	assert_false(mbap_is_exception(ETIMEDOUT));
	assert_false(mbap_is_exception(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_bytes),
		cmocka_unit_test(frame_length),
		cmocka_unit_test(good_bits),
		cmocka_unit_test(good_registers),
		cmocka_unit_test(bad_header),
		cmocka_unit_test(bad_pdu),
		cmocka_unit_test(truncated_and_extra),
		cmocka_unit_test(exceptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
