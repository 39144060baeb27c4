/*
 * mbap.h - Modbus TCP framing (the MBAP header and the read PDUs of
 * function codes 1-4) as pure functions without I/O: what the TCP links
 * send, and the checks every reply from the network passes before a byte
 * of it is taken as a value.
 */
#ifndef TBMOND_MBAP_H
#define TBMOND_MBAP_H

#include <stddef.h>
#include <stdint.h>

/* The MBAP header: transaction id (2), protocol id (2), length (2), unit (1).
 * The length counts the bytes after it: the unit and the PDU. */
#define MBAP_TID_OFF 0
#define MBAP_PROTO_OFF 2
#define MBAP_LENGTH_OFF 4
#define MBAP_UNIT_OFF 6
#define MBAP_HEADER_LEN 7
#define MBAP_PROTO_MODBUS 0
/* bytes before the length field's count starts */
#define MBAP_PREFIX_LEN 6
/* the smallest length: the unit and a function code */
#define MBAP_LENGTH_MIN 2
/* the largest frame (Modbus application protocol v1.1b3, 4.1) */
#define MBAP_ADU_MAX 260

/* After the header: the function code, then the byte count of a read reply
 * (or the exception code), then the data. */
#define MBAP_FC_OFF 7
#define MBAP_COUNT_OFF 8
#define MBAP_DATA_OFF 9
#define MBAP_EXCEPTION_FLAG 0x80
/* A read request: header, function code, start address (2), count (2). */
#define MBAP_READ_REQ_LEN 12

#define MBAP_FC_READ_COILS 1
#define MBAP_FC_READ_DISCRETE 2
#define MBAP_FC_READ_HOLDING 3
#define MBAP_FC_READ_INPUT 4
/* The most a read may ask for (the spec's limits for bits and registers). */
#define MBAP_MAX_BITS 2000
#define MBAP_MAX_REGISTERS 125

/* mbap_read_request: the request to read `count` bits or registers of
 * function code fc (1-4) from `start`, for unit `unit`, into out. */
void mbap_read_request(uint8_t out[MBAP_READ_REQ_LEN], uint16_t tid, uint8_t unit, int fc,
    int start, int count);

/* mbap_frame_length: how long the frame at the head of buf (len bytes
 * received) is. 0: not known yet (fewer than MBAP_HEADER_LEN bytes); -1: the
 * length field is impossible; else the frame's length in bytes (which may be
 * more than len: wait for the rest). */
long mbap_frame_length(const uint8_t *buf, size_t len);

/* mbap_data_bytes: the byte count of a good reply to a read of `count`. */
int mbap_data_bytes(int fc, int count);

/*
 * mbap_check_reply: the frame `rsp` of n bytes (as mbap_frame_length
 * measured it; `received` bytes are in the buffer) against its request.
 * 0: a good reply, its data at rsp + MBAP_DATA_OFF. Else a libmodbus error
 * number: EMBBADDATA (bad header, transaction or protocol id, function,
 * byte count or length, or bytes beyond the frame), EMBBADSLAVE (another
 * unit answered), MODBUS_ENOBASE + code for an exception 1-11, EMBBADEXC for
 * another exception code.
 */
int mbap_check_reply(const uint8_t *rsp, size_t n, size_t received, uint16_t tid, uint8_t unit,
    int fc, int count);
/* mbap_is_exception: an error of mbap_check_reply that is a well-formed
 * exception answer (the connection is fine). */
int mbap_is_exception(int err);

/* The values of a good reply: count bits (0/1 each) or registers. */
void mbap_unpack_bits(const uint8_t *rsp, int count, uint8_t *bits);
void mbap_unpack_registers(const uint8_t *rsp, int count, uint16_t *regs);
/* The same from the data of a read reply's PDU (after its byte count),
 * whatever frames it: Modbus TCP and RTU carry the same PDU. */
void mbap_pdu_bits(const uint8_t *data, int count, uint8_t *bits);
void mbap_pdu_registers(const uint8_t *data, int count, uint16_t *regs);
/* mbap_exception_error: the error number of exception `code` (as
 * mbap_check_reply returns it). */
int mbap_exception_error(int code);

#endif
