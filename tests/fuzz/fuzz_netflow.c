/*
 * fuzz_netflow.c - libFuzzer target for the NetFlow v5 / v9 / IPFIX decoder
 * (lib/read/netflow.c). The input is a series of datagrams, each
 * [ctl u8, length u16 BE, bytes]: ctl bits 0-1 pick one of four exporters
 * (one IPv6), bits 2-3 move the clock (0, +1 s, +31 min: templates expire,
 * -1 h: the clock steps back), so that templates from one datagram meet
 * data in later ones. Small limits make the caps and eviction reachable.
 * Checks: flows are well formed, errors carry a message and an offset
 * inside the datagram.
 */
#include <stdlib.h>
#include <string.h>

#include "vigil.h"

static size_t cur_len;

static void check(int cond)
{
	if (!cond)
		abort();
}

static int on_flow(void *user, const vg_flow *f)
{
	char v[VG_FIELD_MAX];
	int i;
	(void)user;
	check(f->stime_us <= f->ltime_us);
	check(f->family == VG_FAM_IP4 || f->family == VG_FAM_IP6);
	check(f->kind == VG_REC_FLOW && f->n_records == 1);
	for (i = 0; i < VG_F__COUNT; i++) {
		check(vg_field_format(i, f, VG_STYLE_RA, v) < VG_FIELD_MAX);
		check(vg_field_format(i, f, VG_STYLE_TEXT, v) < VG_FIELD_MAX);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vg_nf_limits lim = {3, 8, 32, 30LL * 60 * 1000000};
	static const int64_t step[4] = {0, 1000000, 31LL * 60 * 1000000, -3600LL * 1000000};
	struct vg_nf *d;
	vg_nf_peer ex[4];
	int64_t now = 1700000000000000LL;
	size_t pos = 0, i;
	char name[64];

	if (vg_nf_create(&d, &lim) != VG_OK)
		abort();
	memset(ex, 0, sizeof ex);
	for (i = 0; i < 4; i++) {
		vg_addr_from_ip4(&ex[i].addr, 0xc0000201 + (uint32_t)i);
		ex[i].family = VG_FAM_IP4;
		ex[i].port = (uint16_t)(2055 + i);
	}
	ex[3].addr.a[0] = 0x20; /* 2001:db8::... */
	ex[3].addr.a[1] = 0x01;
	ex[3].addr.a[2] = 0x0d;
	ex[3].addr.a[3] = 0xb8;
	ex[3].family = VG_FAM_IP6;
	while (pos + 3 <= size) {
		unsigned ctl = data[pos];
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		uint8_t *copy;
		int rc;
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		now += step[(ctl >> 2) & 3];
		/* a copy of just the datagram, so that ASan sees every overread */
		copy = malloc(len ? len : 1);
		check(copy != NULL);
		memcpy(copy, data + pos, len);
		cur_len = len;
		rc = vg_nf_feed(d, &ex[ctl & 3], copy, len, now, on_flow, NULL);
		if (rc == VG_ERECORD) {
			check(vg_nf_errmsg(d)[0] != '\0');
			check(vg_nf_erroff(d) <= cur_len);
		} else {
			check(rc == VG_OK || rc == VG_ELIMIT);
		}
		free(copy);
		pos += len;
	}
	check(vg_nf_stream_count(d) <= lim.max_streams);
	for (i = 0; i < vg_nf_stream_count(d); i++) {
		vg_nf_stats st;
		vg_nf_stream_stats(d, i, &st);
		check(st.n_templates <= lim.max_templates);
		check(vg_nf_peer_format(&st.peer, name) < 64);
	}
	vg_nf_free(d);
	return 0;
}
