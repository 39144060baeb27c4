/*
 * rtuframe.c - Modbus RTU framing for the TCP links that speak
 * modbus-rtu-tcp: requests with their CRC, and replies measured and
 * checked before use. The PDU inside is the same as Modbus TCP's (mbap.c
 * unpacks it); only the frame around it differs.
 */
#include "rtuframe.h"

#include <errno.h>
#include <modbus.h>

#include "mbap.h"

uint16_t
rtuframe_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

static void
put_crc(uint8_t *frame, size_t n)
{
	uint16_t crc = rtuframe_crc(frame, n);

	frame[n] = (uint8_t)crc;
	frame[n + 1] = (uint8_t)(crc >> 8);
}

void
rtuframe_read_request(uint8_t out[RTU_READ_REQ_LEN], uint8_t unit, int fc, int start, int count)
{
	out[RTU_UNIT_OFF] = unit;
	out[RTU_FC_OFF] = (uint8_t)fc;
	out[2] = (uint8_t)(start >> 8);
	out[3] = (uint8_t)start;
	out[4] = (uint8_t)(count >> 8);
	out[5] = (uint8_t)count;
	put_crc(out, RTU_READ_REQ_LEN - RTU_CRC_LEN);
}

long
rtuframe_length(const uint8_t *buf, size_t len)
{
	int fc;
	size_t n;

	if (len <= RTU_FC_OFF)
		return 0;
	fc = buf[RTU_FC_OFF];
	if (fc & MBAP_EXCEPTION_FLAG)
		return RTU_EXCEPTION_LEN;
	if (fc < MBAP_FC_READ_COILS || fc > MBAP_FC_READ_INPUT)
		return -1;
	if (len <= RTU_COUNT_OFF)
		return 0;
	n = RTU_DATA_OFF + (size_t)buf[RTU_COUNT_OFF] + RTU_CRC_LEN;
	return n > RTU_ADU_MAX ? -1 : (long)n;
}

int
rtuframe_check_reply(const uint8_t *rsp, size_t n, size_t received, uint8_t unit, int fc,
    int count)
{
	int bytes;

	if (n < RTU_EXCEPTION_LEN || n > RTU_ADU_MAX || received < n)
		return EMBBADDATA;
	if (rtuframe_crc(rsp, n - RTU_CRC_LEN) != (uint16_t)(rsp[n - 2] | rsp[n - 1] << 8))
		return EMBBADCRC;
	if (rsp[RTU_UNIT_OFF] != unit)
		return EMBBADSLAVE;
	/* Bytes beyond the reply: one request is in flight at a time. */
	if (received > n)
		return EMBBADDATA;
	if (rsp[RTU_FC_OFF] == (fc | MBAP_EXCEPTION_FLAG))
		return n == RTU_EXCEPTION_LEN ? mbap_exception_error(rsp[RTU_COUNT_OFF]) : EMBBADDATA;
	bytes = mbap_data_bytes(fc, count);
	if (rsp[RTU_FC_OFF] != fc || rsp[RTU_COUNT_OFF] != bytes ||
	    n != (size_t)(RTU_DATA_OFF + bytes + RTU_CRC_LEN))
		return EMBBADDATA;
	return 0;
}
