/*
 * framing.h - the framings a TCP link can speak, as a small table of pure
 * functions (libmodbus's backend idea): Modbus TCP (mbap.c) and RTU frames
 * over TCP (rtuframe.c). link_tcp.c asks the table and knows neither.
 */
#ifndef TBMOND_FRAMING_H
#define TBMOND_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* the largest request of any framing */
#define FRAMING_REQ_MAX 12

struct framing {
	size_t data_off;             /* where a good reply's data starts */
	/* a read request (tid: ignored where the framing has none); its length */
	size_t (*request)(uint8_t *out, uint16_t tid, uint8_t unit, int fc, int start, int count);
	/* the reply's length at the head of buf: 0 not known yet, -1 impossible */
	long (*length)(const uint8_t *buf, size_t len);
	/* 0 or a libmodbus error number (see mbap_check_reply) */
	int (*check)(const uint8_t *rsp, size_t n, size_t received, uint16_t tid, uint8_t unit,
	    int fc, int count);
};

/* framing_for: the framing of a TCP protocol (modbus-tcp, modbus-rtu-tcp). */
const struct framing *framing_for(enum protocol p);

#endif
