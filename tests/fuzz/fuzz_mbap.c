/*
 * fuzz_mbap.c - Modbus TCP replies from the network, as daemon/link_tcp.c
 * takes them: arbitrary bytes arrive in arbitrary pieces, are framed by
 * mbap_frame_length and checked by mbap_check_reply against a request (its
 * transaction id, unit, function code and count from the first bytes of
 * the input), and a good reply is unpacked. ASan sees any read beyond the
 * frame; the checks below are the framing's promises. Bit 2 of the fourth
 * byte picks RTU framing over TCP (rtuframe.c) instead: the same bytes,
 * measured by rtuframe_length and checked by rtuframe_check_reply.
 */
#include <errno.h>
#include <modbus.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbap.h"
#include "rtuframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RTU over TCP: the same stream of pieces, RTU's framing and checks. */
static void
fuzz_rtu(const uint8_t *data, size_t size, uint8_t unit, int fc, int count, size_t chunk)
{
	uint8_t rbuf[MBAP_ADU_MAX], req[RTU_READ_REQ_LEN], bits[MBAP_MAX_BITS];
	uint16_t regs[MBAP_MAX_REGISTERS];
	size_t rlen = 0;

	rtuframe_read_request(req, unit, fc, 0, count);
	if (rtuframe_crc(req, sizeof(req)) != 0)
		abort();
	while (size > 0 && rlen < sizeof(rbuf)) {
		size_t n = chunk < size ? chunk : size;
		long flen;
		int e;

		if (n > sizeof(rbuf) - rlen)
			n = sizeof(rbuf) - rlen;
		memcpy(rbuf + rlen, data, n);
		rlen += n;
		data += n;
		size -= n;
		flen = rtuframe_length(rbuf, rlen);
		if (flen == 0) {
			if (rlen > RTU_COUNT_OFF)
				abort();
			continue;
		}
		if (flen < 0)
			return;   /* the link closes the connection */
		if (flen < RTU_EXCEPTION_LEN || flen > RTU_ADU_MAX)
			abort();
		if (rlen < (size_t)flen)
			continue;
		e = rtuframe_check_reply(rbuf, (size_t)flen, rlen, unit, fc, count);
		if (e == 0) {
			if ((size_t)flen != RTU_DATA_OFF + (size_t)mbap_data_bytes(fc, count) + RTU_CRC_LEN ||
			    rlen != (size_t)flen || rbuf[RTU_UNIT_OFF] != unit || rbuf[RTU_FC_OFF] != fc ||
			    rtuframe_crc(rbuf, (size_t)flen) != 0)
				abort();
			if (fc <= MBAP_FC_READ_DISCRETE) {
				mbap_pdu_bits(rbuf + RTU_DATA_OFF, count, bits);
				for (int i = 0; i < count; i++)
					if (bits[i] > 1)
						abort();
			} else
				mbap_pdu_registers(rbuf + RTU_DATA_OFF, count, regs);
		} else if (e != EMBBADDATA && e != EMBBADSLAVE && e != EMBBADEXC && e != EMBBADCRC &&
		    !mbap_is_exception(e))
			abort();
		rlen = 0;
		if (e != 0 && !mbap_is_exception(e))
			return;
	}
}

#define PARAM_BYTES 6

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t rbuf[MBAP_ADU_MAX], req[MBAP_READ_REQ_LEN], bits[MBAP_MAX_BITS];
	uint16_t regs[MBAP_MAX_REGISTERS], tid;
	size_t rlen = 0, chunk;
	uint8_t unit;
	int fc, count;

	if (size < PARAM_BYTES)
		return 0;
	tid = (uint16_t)(data[0] << 8 | data[1]);
	unit = data[2];
	fc = 1 + data[3] % 4;
	count = fc <= MBAP_FC_READ_DISCRETE ? 1 + (data[4] << 8 | data[5]) % MBAP_MAX_BITS :
	    1 + (data[4] << 8 | data[5]) % MBAP_MAX_REGISTERS;
	/* the request is well-formed and a frame of its own */
	mbap_read_request(req, tid, unit, fc, 0, count);
	if (mbap_frame_length(req, sizeof(req)) != MBAP_READ_REQ_LEN)
		abort();
	chunk = 1 + data[4] % 16;
	if (data[3] & 4) {
		fuzz_rtu(data + PARAM_BYTES, size - PARAM_BYTES, unit, fc, count, chunk);
		return 0;
	}
	data += PARAM_BYTES;
	size -= PARAM_BYTES;
	/* the bytes arrive `chunk` at a time, as recv() may give them */
	while (size > 0 && rlen < sizeof(rbuf)) {
		size_t n = chunk < size ? chunk : size;
		long flen;
		int e;

		if (n > sizeof(rbuf) - rlen)
			n = sizeof(rbuf) - rlen;
		memcpy(rbuf + rlen, data, n);
		rlen += n;
		data += n;
		size -= n;
		flen = mbap_frame_length(rbuf, rlen);
		if (flen == 0) {
			if (rlen >= MBAP_HEADER_LEN)
				abort();
			continue;
		}
		if (flen < 0)
			return 0;   /* the link closes the connection */
		if (flen < MBAP_HEADER_LEN + 1 || flen > MBAP_ADU_MAX)
			abort();
		if (rlen < (size_t)flen)
			continue;
		e = mbap_check_reply(rbuf, (size_t)flen, rlen, tid, unit, fc, count);
		if (e == 0) {
			/* a good reply is exactly its data, from our unit and transaction */
			if ((size_t)flen != MBAP_DATA_OFF + (size_t)mbap_data_bytes(fc, count) ||
			    rlen != (size_t)flen || rbuf[MBAP_UNIT_OFF] != unit ||
			    rbuf[MBAP_FC_OFF] != fc || (rbuf[0] << 8 | rbuf[1]) != tid)
				abort();
			if (fc <= MBAP_FC_READ_DISCRETE) {
				mbap_unpack_bits(rbuf, count, bits);
				for (int i = 0; i < count; i++)
					if (bits[i] > 1)
						abort();
			} else
				mbap_unpack_registers(rbuf, count, regs);
		} else if (e != EMBBADDATA && e != EMBBADSLAVE && e != EMBBADEXC &&
		    !mbap_is_exception(e))
			abort();
		/* the reply is over: an exception keeps the connection, the rest close it */
		rlen = 0;
		if (e != 0 && !mbap_is_exception(e))
			return 0;
	}
	return 0;
}
