/*
 * fuzz_mbap.c - Modbus replies from the network, as daemon/link_tcp.c takes
 * them: arbitrary bytes arrive in arbitrary pieces, are framed and checked
 * against a request (its transaction id, unit, function code and count from
 * the first bytes of the input) by the link's framing (framing.c): Modbus
 * TCP (mbap.c), or RTU frames over TCP (rtuframe.c) when bit 2 of the
 * fourth byte is set. A good reply is unpacked. ASan sees any read beyond
 * the frame; the checks below are the framings' promises.
 */
#include <errno.h>
#include <modbus.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "mbap.h"
#include "rtuframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PARAM_BYTES 6

/* What a good reply of this framing must look like beyond fr->check. */
static int
good_frame(int rtu, const uint8_t *rbuf, size_t flen, uint16_t tid, uint8_t unit, int fc,
    int count)
{
	size_t data = (size_t)mbap_data_bytes(fc, count);

	if (rtu)
		return flen == RTU_DATA_OFF + data + RTU_CRC_LEN && rbuf[RTU_UNIT_OFF] == unit &&
		    rbuf[RTU_FC_OFF] == fc && rtuframe_crc(rbuf, flen) == 0;
	return flen == MBAP_DATA_OFF + data && rbuf[MBAP_UNIT_OFF] == unit &&
	    rbuf[MBAP_FC_OFF] == fc && (rbuf[0] << 8 | rbuf[1]) == tid;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t rbuf[MBAP_ADU_MAX], req[FRAMING_REQ_MAX], bits[MBAP_MAX_BITS];
	uint16_t regs[MBAP_MAX_REGISTERS], tid;
	const struct framing *fr;
	size_t rlen = 0, chunk, known, min, max;
	uint8_t unit;
	int fc, count, rtu;

	if (size < PARAM_BYTES)
		return 0;
	tid = (uint16_t)(data[0] << 8 | data[1]);
	unit = data[2];
	fc = 1 + data[3] % 4;
	rtu = (data[3] & 4) != 0;
	count = fc <= MBAP_FC_READ_DISCRETE ? 1 + (data[4] << 8 | data[5]) % MBAP_MAX_BITS :
	    1 + (data[4] << 8 | data[5]) % MBAP_MAX_REGISTERS;
	fr = framing_for(rtu ? PROTO_MODBUS_RTU_TCP : PROTO_MODBUS_TCP);
	/* by when a frame's length must be known, and its bounds */
	known = rtu ? RTU_COUNT_OFF + 1 : MBAP_HEADER_LEN;
	min = rtu ? RTU_EXCEPTION_LEN : MBAP_HEADER_LEN + 1;
	max = rtu ? RTU_ADU_MAX : MBAP_ADU_MAX;
	/* the request is well-formed: a frame of its own (Modbus TCP), its
	 * CRC right (RTU) */
	if (fr->request(req, tid, unit, fc, 0, count) != (rtu ? RTU_READ_REQ_LEN : MBAP_READ_REQ_LEN))
		abort();
	if (rtu ? rtuframe_crc(req, RTU_READ_REQ_LEN) != 0 :
		  mbap_frame_length(req, MBAP_READ_REQ_LEN) != MBAP_READ_REQ_LEN)
		abort();
	chunk = 1 + data[4] % 16;
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
		flen = fr->length(rbuf, rlen);
		if (flen == 0) {
			if (rlen >= known)
				abort();
			continue;
		}
		if (flen < 0)
			return 0;   /* the link closes the connection */
		if ((size_t)flen < min || (size_t)flen > max)
			abort();
		if (rlen < (size_t)flen)
			continue;
		e = fr->check(rbuf, (size_t)flen, rlen, tid, unit, fc, count);
		if (e == 0) {
			/* a good reply is exactly its data, from our unit (and transaction) */
			if (!good_frame(rtu, rbuf, (size_t)flen, tid, unit, fc, count) || rlen != (size_t)flen)
				abort();
			if (fc <= MBAP_FC_READ_DISCRETE) {
				mbap_pdu_bits(rbuf + fr->data_off, count, bits);
				for (int i = 0; i < count; i++)
					if (bits[i] > 1)
						abort();
			} else
				mbap_pdu_registers(rbuf + fr->data_off, count, regs);
		} else if (e != EMBBADDATA && e != EMBBADSLAVE && e != EMBBADEXC && e != EMBBADCRC &&
		    !mbap_is_exception(e))
			abort();
		/* the reply is over: an exception keeps the connection, the rest close it */
		rlen = 0;
		if (e != 0 && !mbap_is_exception(e))
			return 0;
	}
	return 0;
}
