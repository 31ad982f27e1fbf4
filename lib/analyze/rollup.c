/*
 * rollup.c - the declared day-rollup tables (rollup.h) and the one place
 * where a connection becomes rows: vgi_rollup_add_conn classifies it once
 * against the site and counts it into every table it belongs to.
 */
#include <stdlib.h>

#include "analyze/rollup.h"

/* The declarations: the store's schema, the docs and the derivations all
 * follow these (docs/store.md). */
const struct vgi_tabledecl vgi_tables[VGI_T__N] = {
	[VGI_T_DAY] = {"day", "per day: connections of each class, first and last times, the unsolicited packets and bytes",
		       1, 11,
		       {{"day", VGI_COL_DAY}},
		       {{"unsolicited", VGI_SUM}, {"service", VGI_SUM}, {"outbound", VGI_SUM},
			{"internal", VGI_SUM}, {"other", VGI_SUM}, {"backscatter", VGI_SUM},
			{"first_us", VGI_MIN},
			{"last_us", VGI_MAX}, {"unsol_last_us", VGI_MAX},
			{"unsol_pkts", VGI_SUM}, {"unsol_bytes", VGI_SUM}}},
	[VGI_T_SRC_DAY] = {"src_day", "per day and source: unsolicited connections, of them in scan events, of those in sweeps; their packets and bytes",
			   2, 5,
			   {{"day", VGI_COL_DAY}, {"src", VGI_COL_ADDR}},
			   {{"conns", VGI_SUM}, {"scan_conns", VGI_SUM}, {"sweep_conns", VGI_SUM},
			    {"pkts", VGI_SUM}, {"bytes", VGI_SUM}}},
	[VGI_T_SRC_PORT] = {"src_port", "per day, source, protocol and port (ICMP: type*256+code)",
			    4, 3,
			    {{"day", VGI_COL_DAY}, {"src", VGI_COL_ADDR}, {"proto", VGI_COL_PROTO},
			     {"port", VGI_COL_PORT}},
			    {{"conns", VGI_SUM}, {"scan_conns", VGI_SUM}, {"sweep_conns", VGI_SUM}}},
	[VGI_T_HOST_SRC] = {"host_src", "per day, monitored host, source and protocol",
			    4, 1,
			    {{"day", VGI_COL_DAY}, {"host", VGI_COL_ADDR}, {"src", VGI_COL_ADDR},
			     {"proto", VGI_COL_PROTO}},
			    {{"conns", VGI_SUM}}},
	[VGI_T_PORT_HOST] = {"port_host", "per day, TCP/UDP/SCTP port and monitored host: connections, packets, bytes",
			     4, 3,
			     {{"day", VGI_COL_DAY}, {"proto", VGI_COL_PROTO}, {"port", VGI_COL_PORT},
			      {"host", VGI_COL_ADDR}},
			     {{"conns", VGI_SUM}, {"pkts", VGI_SUM}, {"bytes", VGI_SUM}}},
	[VGI_T_PORT_HOUR] = {"port_hour", "per day, UTC hour, TCP/UDP/SCTP port and source",
			     5, 1,
			     {{"day", VGI_COL_DAY}, {"hour", VGI_COL_HOUR}, {"proto", VGI_COL_PROTO},
			      {"port", VGI_COL_PORT}, {"src", VGI_COL_ADDR}},
			     {{"conns", VGI_SUM}}},
	[VGI_T_BACKSCATTER] = {"backscatter", "per day, victim (the outside sender of backscatter), protocol and its port (ICMP: type*256+code): connections, packets, bytes",
			       4, 5,
			       {{"day", VGI_COL_DAY}, {"victim", VGI_COL_ADDR}, {"proto", VGI_COL_PROTO},
				{"port", VGI_COL_PORT}},
			       {{"conns", VGI_SUM}, {"pkts", VGI_SUM}, {"bytes", VGI_SUM},
				{"first_us", VGI_MIN}, {"last_us", VGI_MAX}}},
};

static size_t col_width(int type)
{
	switch (type) {
	case VGI_COL_DAY:
	case VGI_COL_HOUR: return 4;
	case VGI_COL_ADDR: return 17;
	case VGI_COL_PROTO: return 1;
	default: return 2;
	}
}

int64_t vgi_comb_zero(int comb)
{
	return comb == VGI_MIN ? INT64_MAX : comb == VGI_MAX ? INT64_MIN : 0;
}

static int rtab_init(struct vgi_rtab *t, const struct vgi_tabledecl *d)
{
	size_t i, len = 0;
	memset(t, 0, sizeof *t);
	t->d = d;
	for (i = 0; i < d->n_key; i++)
		len += col_width(d->key[i].type);
	t->key_len = (len + 7) & ~(size_t)7;
	t->row_len = t->key_len + 8 * (size_t)d->n_val;
	t->seed = vgi_random_seed();
	t->mask = 255;
	if (!(t->slots = calloc(t->mask + 1, sizeof *t->slots)))
		return VG_ENOMEM;
	return VG_OK;
}

int vgi_rollup_init(struct vgi_rollup *r)
{
	size_t i;
	memset(r, 0, sizeof *r);
	r->day_lo = INT32_MAX;
	r->day_hi = INT32_MIN;
	for (i = 0; i < VGI_T__N; i++)
		if (rtab_init(&r->t[i], &vgi_tables[i]) != VG_OK) {
			vgi_rollup_free(r);
			return VG_ENOMEM;
		}
	return VG_OK;
}

void vgi_rollup_free(struct vgi_rollup *r)
{
	size_t i;
	for (i = 0; i < VGI_T__N; i++) {
		free(r->t[i].rows);
		free(r->t[i].slots);
	}
	memset(r, 0, sizeof *r);
}

void vgi_rollup_clear(struct vgi_rollup *r)
{
	size_t i;
	for (i = 0; i < VGI_T__N; i++) {
		struct vgi_rtab *t = &r->t[i];
		if (t->n && !t->unindexed)
			memset(t->slots, 0, (t->mask + 1) * sizeof *t->slots);
		t->n = 0;
		t->unindexed = 0;
	}
	r->day_lo = INT32_MAX;
	r->day_hi = INT32_MIN;
}

size_t vgi_rollup_rows(const struct vgi_rollup *r)
{
	size_t i, n = 0;
	for (i = 0; i < VGI_T__N; i++)
		n += r->t[i].n;
	return n;
}

int vgi_rollup_copy(struct vgi_rollup *dst, const struct vgi_rollup *src)
{
	size_t i;
	vgi_rollup_clear(dst);
	for (i = 0; i < VGI_T__N; i++) {
		struct vgi_rtab *t = &dst->t[i];
		const struct vgi_rtab *f = &src->t[i];
		if (!f->n)
			continue;
		if (f->n > t->cap) {
			uint8_t *nr = realloc(t->rows, f->n * f->row_len);
			if (!nr) {
				vgi_rollup_clear(dst);
				return VG_ENOMEM;
			}
			t->rows = nr;
			t->cap = f->n;
		}
		memcpy(t->rows, f->rows, f->n * f->row_len);
		t->n = f->n;
		t->unindexed = 1;
	}
	dst->day_lo = src->day_lo;
	dst->day_hi = src->day_hi;
	return VG_OK;
}

size_t vgi_rollup_bytes(const struct vgi_rollup *r)
{
	size_t i, n = 0;
	for (i = 0; i < VGI_T__N; i++)
		n += r->t[i].cap * r->t[i].row_len + (r->t[i].mask + 1) * sizeof(uint64_t);
	return n;
}

static void pack(const struct vgi_tabledecl *d, const struct vgi_key *k, uint8_t *out,
		 size_t key_len)
{
	size_t i, o = 0;
	int addr = 0;
	memset(out, 0, key_len);
	for (i = 0; i < d->n_key; i++) {
		switch (d->key[i].type) {
		case VGI_COL_DAY: memcpy(out + o, &k->day, 4); o += 4; break;
		case VGI_COL_HOUR: memcpy(out + o, &k->hour, 4); o += 4; break;
		case VGI_COL_ADDR:
			memcpy(out + o, addr ? k->a2.a : k->a1.a, 16);
			out[o + 16] = addr ? k->fam2 : k->fam1;
			addr = 1;
			o += 17;
			break;
		case VGI_COL_PROTO: out[o++] = k->proto; break;
		default: memcpy(out + o, &k->port, 2); o += 2; break;
		}
	}
}

static void unpack(const struct vgi_tabledecl *d, const uint8_t *in, struct vgi_key *k)
{
	size_t i, o = 0;
	int addr = 0;
	memset(k, 0, sizeof *k);
	for (i = 0; i < d->n_key; i++) {
		switch (d->key[i].type) {
		case VGI_COL_DAY: memcpy(&k->day, in + o, 4); o += 4; break;
		case VGI_COL_HOUR: memcpy(&k->hour, in + o, 4); o += 4; break;
		case VGI_COL_ADDR:
			memcpy(addr ? k->a2.a : k->a1.a, in + o, 16);
			*(addr ? &k->fam2 : &k->fam1) = in[o + 16];
			addr = 1;
			o += 17;
			break;
		case VGI_COL_PROTO: k->proto = in[o++]; break;
		default: memcpy(&k->port, in + o, 2); o += 2; break;
		}
	}
}

void vgi_rtab_row(const struct vgi_rtab *t, size_t i, struct vgi_key *k, const int64_t **vals)
{
	const uint8_t *row = t->rows + i * t->row_len;
	unpack(t->d, row, k);
	*vals = (const int64_t *)(const void *)(row + t->key_len);
}

static uint64_t key_hash(const struct vgi_rtab *t, const uint8_t *key)
{
	uint64_t h = t->seed, w;
	size_t i;
	for (i = 0; i < t->key_len; i += 8) {
		memcpy(&w, key + i, 8);
		h = vgi_mix64(h ^ w);
	}
	return h;
}

#define TAG(h) ((h) & 0xFFFFFFFF00000000ULL)

static int grow(struct vgi_rtab *t)
{
	size_t nm = (t->mask + 1) * 2 - 1, i;
	uint64_t *ns = calloc(nm + 1, sizeof *ns);
	if (!ns)
		return -1;
	for (i = 0; i < t->n; i++) {
		uint64_t h = key_hash(t, t->rows + i * t->row_len);
		size_t s = (size_t)h & nm;
		while (ns[s])
			s = (s + 1) & nm;
		ns[s] = TAG(h) | (uint64_t)(i + 1);
	}
	free(t->slots);
	t->slots = ns;
	t->mask = nm;
	return 0;
}

/* The values of key's row, created (at the combine rules' zeros) if new;
 * NULL if refused. */
static int64_t *upsert_h(struct vgi_rtab *t, const uint8_t *key, uint64_t h);

static int64_t *upsert(struct vgi_rtab *t, const uint8_t *key)
{
	return upsert_h(t, key, key_hash(t, key));
}

static int64_t *upsert_h(struct vgi_rtab *t, const uint8_t *key, uint64_t h)
{
	uint64_t v;
	size_t s = (size_t)h & t->mask, i;
	uint8_t *row;
	while ((v = t->slots[s]) != 0) {
		if (TAG(v) == TAG(h)) {
			/* keys are whole words: compare them as such */
			const uint64_t *a, *b;
			size_t w;
			row = t->rows + (size_t)((v & 0xFFFFFFFFu) - 1) * t->row_len;
			a = (const uint64_t *)(const void *)row;
			b = (const uint64_t *)(const void *)key;
			for (w = 0; w < t->key_len / 8 && a[w] == b[w]; w++)
				;
			if (w == t->key_len / 8)
				return (int64_t *)(void *)(row + t->key_len);
		}
		s = (s + 1) & t->mask;
	}
	if (t->n >= UINT32_MAX - 1)
		goto refuse;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		uint8_t *nr = realloc(t->rows, cap * t->row_len);
		if (!nr)
			goto refuse;
		t->rows = nr;
		t->cap = cap;
	}
	if ((t->n + 1) * 4 > (t->mask + 1) * 3) {
		if (grow(t))
			goto refuse;
		s = (size_t)h & t->mask;
		while (t->slots[s])
			s = (s + 1) & t->mask;
	}
	row = t->rows + t->n * t->row_len;
	memcpy(row, key, t->key_len);
	for (i = 0; i < t->d->n_val; i++) {
		int64_t z = vgi_comb_zero(t->d->val[i].comb);
		memcpy(row + t->key_len + 8 * i, &z, 8);
	}
	t->slots[s] = TAG(h) | (uint64_t)(++t->n);
	return (int64_t *)(void *)(row + t->key_len);
refuse:
	t->n_dropped++;
	return NULL;
}

static void combine_vals(const struct vgi_tabledecl *d, int64_t *to, const int64_t *v)
{
	size_t i;
	for (i = 0; i < d->n_val; i++) {
		switch (d->val[i].comb) {
		case VGI_MIN: if (v[i] < to[i]) to[i] = v[i]; break;
		case VGI_MAX: if (v[i] > to[i]) to[i] = v[i]; break;
		default: to[i] += v[i]; break;
		}
	}
}

static void note_day(struct vgi_rollup *r, int32_t day)
{
	if (day < r->day_lo)
		r->day_lo = day;
	if (day > r->day_hi)
		r->day_hi = day;
}

int vgi_rollup_combine(struct vgi_rollup *r, int ti, const struct vgi_key *k,
		       const int64_t *vals)
{
	struct vgi_rtab *t = &r->t[ti];
	uint64_t key[8];
	int64_t *to;
	pack(t->d, k, (uint8_t *)key, t->key_len);
	if (!(to = upsert(t, (const uint8_t *)key)))
		return VG_ENOMEM;
	combine_vals(t->d, to, vals);
	note_day(r, k->day);
	return VG_OK;
}

int vgi_rollup_merge(struct vgi_rollup *r, const struct vgi_rollup *src)
{
	size_t ti, i;
	for (ti = 0; ti < VGI_T__N; ti++) {
		const struct vgi_rtab *s = &src->t[ti];
		struct vgi_rtab *t = &r->t[ti];
		for (i = 0; i < s->n; i++) {
			const uint8_t *row = s->rows + i * s->row_len;
			int64_t *to = upsert(t, row);
			if (!to)
				return VG_ENOMEM;
			combine_vals(t->d, to, (const int64_t *)(const void *)(row + s->key_len));
		}
	}
	if (src->day_lo <= src->day_hi) {
		note_day(r, src->day_lo);
		note_day(r, src->day_hi);
	}
	return VG_OK;
}

static int has_ports(uint8_t p)
{
	return p == 6 || p == 17 || p == 132;
}

int vgi_rollup_add_conn(struct vgi_rollup *r, const vg_site *site, const vg_flow *f,
			int scan_kind, int *cls_out)
{
	/* the tables a connection counts in, their keys and hashes: the slots
	 * are fetched together, so that their cache misses overlap */
	static const int order[] = {VGI_T_SRC_DAY, VGI_T_SRC_PORT, VGI_T_HOST_SRC, VGI_T_PORT_HOST,
				    VGI_T_PORT_HOUR};
	uint64_t keys[5][8], h[5];
	struct vgi_key k;
	int64_t dv[VGI_ROLL_MAX_VAL];
	int cls, scan = scan_kind != 0, sweep = scan_kind == VG_SCAN_SWEEP, rc = VG_OK, i, n;

	if (cls_out)
		*cls_out = -1;
	if (f->kind != VG_REC_FLOW)
		return VG_OK;
	cls = vg_site_classify(site, f);
	if (cls_out)
		*cls_out = cls;
	memset(&k, 0, sizeof k);
	k.day = vgi_study_day(site, f->stime_us);
	note_day(r, k.day);
	for (i = 0; i < vgi_tables[VGI_T_DAY].n_val; i++)
		dv[i] = vgi_comb_zero(vgi_tables[VGI_T_DAY].val[i].comb);
	dv[cls] = 1;
	dv[VGI_DAY_FIRST_US] = f->stime_us;
	dv[VGI_DAY_LAST_US] = f->ltime_us;
	if (cls == VG_CLASS_UNSOLICITED) {
		dv[VGI_DAY_UNSOL_US] = f->stime_us;
		dv[VGI_DAY_UNSOL_PKTS] = (int64_t)(f->spkts + f->dpkts);
		dv[VGI_DAY_UNSOL_BYTES] = (int64_t)(f->sbytes + f->dbytes);
	}
	if (vgi_rollup_combine(r, VGI_T_DAY, &k, dv) != VG_OK)
		rc = VG_ENOMEM;
	if (cls == VG_CLASS_BACKSCATTER) {
		/* the victim is the outside side, whichever way the record runs */
		int turned = vgi_site_in_monitored(site, &f->saddr);
		k.a1 = turned ? f->daddr : f->saddr;
		k.fam1 = f->family;
		k.proto = f->proto;
		k.port = (f->proto == 1 || f->proto == 58)
				 ? (uint16_t)((f->sport & 0xff) << 8 | (f->dport & 0xff))
				 : turned ? f->dport : f->sport;
		dv[VGI_BS_CONNS] = 1;
		dv[VGI_BS_PKTS] = (int64_t)(turned ? f->dpkts : f->spkts);
		dv[VGI_BS_BYTES] = (int64_t)(turned ? f->dbytes : f->sbytes);
		dv[VGI_BS_FIRST_US] = f->stime_us;
		dv[VGI_BS_LAST_US] = f->ltime_us;
		if (vgi_rollup_combine(r, VGI_T_BACKSCATTER, &k, dv) != VG_OK)
			rc = VG_ENOMEM;
		return rc;
	}
	if (cls != VG_CLASS_UNSOLICITED)
		return rc;

	/* src_day, src_port: the source; host_src: host, then source;
	 * port_host: the host; port_hour: the source */
	k.a1 = f->saddr;
	k.fam1 = f->family;
	k.proto = f->proto;
	if (f->proto == 1 || f->proto == 58)
		k.port = (uint16_t)((f->sport & 0xff) << 8 | (f->dport & 0xff));
	else
		k.port = f->dport;
	k.hour = (int32_t)(f->stime_us / 3600000000LL - (f->stime_us % 3600000000LL < 0));
	n = has_ports(f->proto) ? 5 : 3;
	for (i = 0; i < n; i++) {
		struct vgi_rtab *t = &r->t[order[i]];
		struct vgi_key kk = k;
		if (order[i] == VGI_T_HOST_SRC || order[i] == VGI_T_PORT_HOST) {
			kk.a1 = f->daddr;
			if (order[i] == VGI_T_HOST_SRC) {
				kk.a2 = f->saddr;
				kk.fam2 = f->family;
			}
		}
		pack(t->d, &kk, (uint8_t *)keys[i], t->key_len);
		h[i] = key_hash(t, (const uint8_t *)keys[i]);
		__builtin_prefetch(&t->slots[(size_t)h[i] & t->mask]);
	}
	for (i = 0; i < n; i++) {
		struct vgi_rtab *t = &r->t[order[i]];
		int64_t *to = upsert_h(t, (const uint8_t *)keys[i], h[i]);
		if (!to) {
			rc = VG_ENOMEM;
			continue;
		}
		to[0]++;
		if (order[i] == VGI_T_SRC_DAY || order[i] == VGI_T_SRC_PORT) {
			to[1] += scan;
			to[2] += sweep;
		}
		/* the volume, both ways: per source and day, per port and host */
		if (order[i] == VGI_T_SRC_DAY) {
			to[VGI_SD_PKTS] += (int64_t)(f->spkts + f->dpkts);
			to[VGI_SD_BYTES] += (int64_t)(f->sbytes + f->dbytes);
		} else if (order[i] == VGI_T_PORT_HOST) {
			to[VGI_PH_PKTS] += (int64_t)(f->spkts + f->dpkts);
			to[VGI_PH_BYTES] += (int64_t)(f->sbytes + f->dbytes);
		}
	}
	return rc;
}

int vgi_rollup_append(struct vgi_rollup *r, int ti, const struct vgi_key *k, const int64_t *vals)
{
	struct vgi_rtab *t = &r->t[ti];
	uint8_t *row;
	if (t->n && !t->unindexed)
		return VG_EINVAL; /* a table with looked-up rows: combine, don't append */
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		uint8_t *nr = realloc(t->rows, cap * t->row_len);
		if (!nr) {
			t->n_dropped++;
			return VG_ENOMEM;
		}
		t->rows = nr;
		t->cap = cap;
	}
	row = t->rows + t->n * t->row_len;
	pack(t->d, k, row, t->key_len);
	memcpy(row + t->key_len, vals, 8 * (size_t)t->d->n_val);
	t->n++;
	t->unindexed = 1;
	note_day(r, k->day);
	return VG_OK;
}
