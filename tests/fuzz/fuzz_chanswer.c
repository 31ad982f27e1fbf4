/*
 * fuzz_chanswer.c - libFuzzer target for the ClickHouse store's answers
 * (RowBinary rows of a rollup table, scan events, the sources' history,
 * alert ids, meta, sensors, the tail, partitions): any bytes, arriving in
 * pieces of any size, are taken row by row or refused, never overrun.
 */
#include "analyze/rollup.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vgi_ch_parse_answer(data, size);
	return 0;
}
