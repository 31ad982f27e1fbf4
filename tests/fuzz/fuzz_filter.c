/*
 * fuzz_filter.c - libFuzzer target for the filter compiler: any bytes as an
 * expression must compile or fail with a message, never crash; a compiled
 * filter is run over a few flows.
 */
#include <stdlib.h>
#include <string.h>

#include "vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *expr = malloc(size + 1), err[256];
	vg_filter *f = NULL;
	vg_flow fl[3];
	int i;

	if (!expr)
		return 0;
	memcpy(expr, data, size);
	expr[size] = '\0';
	memset(fl, 0, sizeof fl);
	fl[0].family = VG_FAM_IP4;
	fl[0].proto = 6;
	vg_addr_from_ip4(&fl[0].saddr, 0x0a000001);
	vg_addr_from_ip4(&fl[0].daddr, 0xc0000201);
	fl[0].sport = 40000;
	fl[0].dport = 445;
	fl[0].spkts = 3;
	fl[1] = fl[0];
	fl[1].proto = 1;
	fl[1].sport = 8;
	fl[2].family = VG_FAM_IP6;
	fl[2].proto = 17;
	fl[2].saddr.a[15] = 1;
	err[0] = '\0';
	if (vg_filter_compile(&f, expr, err, sizeof err) == VG_OK) {
		for (i = 0; i < 3; i++)
			(void)vg_filter_match(f, &fl[i]);
		vg_filter_free(f);
	} else if (!err[0]) {
		abort(); /* a failure must say why */
	}
	free(expr);
	return 0;
}
