/* util.h - helpers shared by the unit tests: load a test data file. */
#ifndef VG_TEST_UTIL_H
#define VG_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "vigil.h"

/* Reads tests/data/<rel> into a malloc'ed buffer; NULL (and a failed
 * check) if it is missing. */
uint8_t *vgt_load(const char *rel, size_t *len);

/* Reads every flow of buf with opts; returns a malloc'ed array (count in
 * *n), counts errors in *n_err and keeps the last error message. */
vg_flow *vgt_read_all(const void *buf, size_t len, const vg_reader_opts *o,
		      size_t cap, size_t *n, int *n_err, char *last_err,
		      size_t errlen, vg_reader_stats *st);

#endif
