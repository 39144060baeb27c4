/*
 * framing.c - the table of framings behind framing.h: thin adapters from
 * one call shape to mbap.c and rtuframe.c.
 */
#include "framing.h"

#include "mbap.h"
#include "rtuframe.h"

static size_t
mbap_request(uint8_t *out, uint16_t tid, uint8_t unit, int fc, int start, int count)
{
	mbap_read_request(out, tid, unit, fc, start, count);
	return MBAP_READ_REQ_LEN;
}

static size_t
rtu_request(uint8_t *out, uint16_t tid, uint8_t unit, int fc, int start, int count)
{
	(void)tid;
	rtuframe_read_request(out, unit, fc, start, count);
	return RTU_READ_REQ_LEN;
}

static int
rtu_check(const uint8_t *rsp, size_t n, size_t received, uint16_t tid, uint8_t unit, int fc,
    int count)
{
	(void)tid;
	return rtuframe_check_reply(rsp, n, received, unit, fc, count);
}

static const struct framing mbap = { MBAP_DATA_OFF, mbap_request, mbap_frame_length,
	mbap_check_reply };
static const struct framing rtu = { RTU_DATA_OFF, rtu_request, rtuframe_length, rtu_check };

const struct framing *
framing_for(enum protocol p)
{
	return p == PROTO_MODBUS_RTU_TCP ? &rtu : &mbap;
}
