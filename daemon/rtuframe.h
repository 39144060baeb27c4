/*
 * rtuframe.h - Modbus RTU framing over a byte stream (a TCP connection to a
 * serial server or a DTU in transparent mode): the read request of function
 * codes 1-4 with its CRC, the length of a reply from its first bytes, and
 * the checks every reply passes before a byte of it is taken as a value.
 * Pure functions without I/O, like mbap.h.
 */
#ifndef TBMOND_RTUFRAME_H
#define TBMOND_RTUFRAME_H

#include <stddef.h>
#include <stdint.h>

/* An RTU frame: unit (1), function code (1), then the PDU's rest, then the
 * CRC-16 (Modbus polynomial, low byte first). */
#define RTU_UNIT_OFF 0
#define RTU_FC_OFF 1
#define RTU_COUNT_OFF 2          /* a read reply's byte count, or the exception code */
#define RTU_DATA_OFF 3
#define RTU_CRC_LEN 2
/* a read request: unit, function, start (2), count (2), CRC */
#define RTU_READ_REQ_LEN 8
/* an exception reply: unit, function | 0x80, code, CRC */
#define RTU_EXCEPTION_LEN 5
/* the largest frame (Modbus over serial line v1.02, 2.5.1) */
#define RTU_ADU_MAX 256

/* rtuframe_crc: the CRC-16 of n bytes, as sent (low byte first). */
uint16_t rtuframe_crc(const uint8_t *p, size_t n);

void rtuframe_read_request(uint8_t out[RTU_READ_REQ_LEN], uint8_t unit, int fc, int start,
    int count);

/* rtuframe_length: how long the reply at the head of buf (len bytes
 * received) is. 0: not known yet; -1: not a reply to a read (an unknown
 * function code, or a byte count beyond any frame); else its length (which
 * may be more than len: wait for the rest). */
long rtuframe_length(const uint8_t *buf, size_t len);

/*
 * rtuframe_check_reply: the frame `rsp` of n bytes (as rtuframe_length
 * measured it; `received` bytes are in the buffer) against its request.
 * 0: a good reply, its data at rsp + RTU_DATA_OFF. Else a libmodbus error
 * number: EMBBADCRC, EMBBADSLAVE (another unit answered), EMBBADDATA (bad
 * function, byte count or length, or bytes beyond the frame),
 * MODBUS_ENOBASE + code for an exception 1-11, EMBBADEXC for another code.
 */
int rtuframe_check_reply(const uint8_t *rsp, size_t n, size_t received, uint8_t unit, int fc,
    int count);

#endif
