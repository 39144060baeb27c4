/*
 * mbap.c - Modbus TCP framing: building read requests and checking replies.
 * libmodbus 3.1 does not check a TCP reply's unit id (a gateway may answer
 * for the wrong device), and has no non-blocking reads, so the links frame
 * and check replies here.
 */
#include "mbap.h"

#include <errno.h>
#include <modbus.h>

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int
is_bit_read(int fc)
{
	return fc == MBAP_FC_READ_COILS || fc == MBAP_FC_READ_DISCRETE;
}

void
mbap_read_request(uint8_t out[MBAP_READ_REQ_LEN], uint16_t tid, uint8_t unit, int fc, int start,
    int count)
{
	put16(out + MBAP_TID_OFF, tid);
	put16(out + MBAP_PROTO_OFF, MBAP_PROTO_MODBUS);
	put16(out + MBAP_LENGTH_OFF, MBAP_READ_REQ_LEN - MBAP_PREFIX_LEN);
	out[MBAP_UNIT_OFF] = unit;
	out[MBAP_FC_OFF] = (uint8_t)fc;
	put16(out + MBAP_FC_OFF + 1, (unsigned)start);
	put16(out + MBAP_FC_OFF + 3, (unsigned)count);
}

long
mbap_frame_length(const uint8_t *buf, size_t len)
{
	size_t flen;

	if (len < MBAP_HEADER_LEN)
		return 0;
	flen = get16(buf + MBAP_LENGTH_OFF);
	if (flen < MBAP_LENGTH_MIN || MBAP_PREFIX_LEN + flen > MBAP_ADU_MAX)
		return -1;
	return (long)(MBAP_PREFIX_LEN + flen);
}

int
mbap_data_bytes(int fc, int count)
{
	return is_bit_read(fc) ? (count + 7) / 8 : count * 2;
}

int
mbap_check_reply(const uint8_t *rsp, size_t n, size_t received, uint16_t tid, uint8_t unit,
    int fc, int count)
{
	int bytes;

	if (n < MBAP_DATA_OFF || received < n || get16(rsp + MBAP_TID_OFF) != tid ||
	    get16(rsp + MBAP_PROTO_OFF) != MBAP_PROTO_MODBUS ||
	    get16(rsp + MBAP_LENGTH_OFF) + (size_t)MBAP_PREFIX_LEN != n)
		return EMBBADDATA;
	if (rsp[MBAP_UNIT_OFF] != unit)
		return EMBBADSLAVE;
	/* Bytes beyond the reply: whatever sent them is not trusted on this
	 * connection (one request is in flight at a time). */
	if (received > n)
		return EMBBADDATA;
	if (rsp[MBAP_FC_OFF] == (fc | MBAP_EXCEPTION_FLAG))
		return mbap_exception_error(rsp[MBAP_COUNT_OFF]);
	bytes = mbap_data_bytes(fc, count);
	if (rsp[MBAP_FC_OFF] != fc || rsp[MBAP_COUNT_OFF] != bytes ||
	    n != (size_t)(MBAP_DATA_OFF + bytes))
		return EMBBADDATA;
	return 0;
}

int
mbap_exception_error(int code)
{
	return code >= 1 && code <= 11 ? MODBUS_ENOBASE + code : EMBBADEXC;
}

int
mbap_is_exception(int err)
{
	return err >= EMBXILFUN && err <= EMBXGTAR;
}

void
mbap_pdu_bits(const uint8_t *data, int count, uint8_t *bits)
{
	for (int i = 0; i < count; i++)
		bits[i] = (data[i / 8] >> (i % 8)) & 1;
}

void
mbap_pdu_registers(const uint8_t *data, int count, uint16_t *regs)
{
	for (int i = 0; i < count; i++)
		regs[i] = (uint16_t)get16(data + 2 * i);
}

void
mbap_unpack_bits(const uint8_t *rsp, int count, uint8_t *bits)
{
	mbap_pdu_bits(rsp + MBAP_DATA_OFF, count, bits);
}

void
mbap_unpack_registers(const uint8_t *rsp, int count, uint16_t *regs)
{
	mbap_pdu_registers(rsp + MBAP_DATA_OFF, count, regs);
}
