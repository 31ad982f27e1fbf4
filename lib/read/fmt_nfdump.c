/*
 * fmt_nfdump.c - nfdump files (nfcapd/nfpcapd, nfdump 1.7, LAYOUT_VERSION_2),
 * with no nfdump library. Reference: shared docs/FORMATS.md section 3,
 * checked against `nfdump -o csv` on the files of ../shared/data.
 *
 * The file is in the writer's byte order (little-endian in practice; the
 * magic 0xA50C read LE says so). A 40-byte header
 *
 *   +0 u16 magic 0xA50C  +2 u16 layout 2  +4 u32 nfdump version
 *   +8 s64 created  +16 u8 compression (0 none, 1 LZO, 2 BZ2, 3 LZ4,
 *   4 ZSTD; bits 16+ of the u32 at +16 may carry a level)  +17 u8
 *   encryption (0)  +18 u16 appendix blocks  +24 s64 appendix offset
 *   +36 u32 data blocks
 *
 * then the data blocks, each a 12-byte header [records u32, size u32 (as
 * stored), type u16 (3 = records), flags u16 (bit 0: stored uncompressed)]
 * and its payload, compressed as a whole (LZO1X, LZ4 block, bzip2 stream or
 * zstd frame). Records in a block: [type u16, size u16] + body. Type 11,
 * the V3 flow record, has a 12-byte head (+4 u16 elements, +11 u8 NetFlow
 * version) and elements [id u16, length u16] + payload, 4-byte aligned:
 * 1 generic (first/last ms u64, packets, bytes u64, ports, proto, TCP
 * flags), 2 IPv4 and 3 IPv6 addresses, 5 counters of the other direction.
 * The appendix (ident, statistics) after the data blocks is not read.
 * Flows are one-way unless the exporter sent biflow counters.
 *
 * Layout 1 (nfdump 1.6 and older collectors; FORMATS.md 3.6): a 140-byte
 * header [magic, layout 1, flags u32 (0x1 LZO, 0x8 bzip2, 0x10 LZ4, 0x20
 * zstd), data blocks u32, ident char[128]] and a 136-byte statistics
 * record, then blocks of type 2. Records: type 2, an extension map [id u16,
 * size u16, extension ids u16..., 0]; type 10, a flow [+4 flags (1 IPv6,
 * 2 64-bit packets, 4 64-bit bytes), +6 map id, +8/+10 ms of first/last,
 * +12/+16 first/last s, +21 TCP flags, +22 proto, +24/+26 ports] followed
 * by the addresses, packets, bytes and the map's extensions in order, of
 * which 14-17 are the other direction's packets and bytes.
 */
#include <stdlib.h>

#include <bzlib.h>
#include <lz4.h>
#include <lzo/lzo1x.h>
#include <zstd.h>

#include "read/read.h"

#define HDR_LEN 40
#define HDR1_LEN (140 + 136)     /* layout 1: header and statistics record */
#define V1_MAX_EXT 32            /* extensions a layout-1 map may list */
#define BLK_HDR 12
#define MAX_BLOCK (5u << 20)     /* nfdump's own limit for a block, as stored */
#define MAX_PLAIN (8u << 20)     /* decompressed: writers flush at ~1 MiB */

/* A layout-1 extension map: the optional extensions of the records that
 * name it, in order. */
struct v1map {
	uint8_t n, valid;
	uint8_t ids[V1_MAX_EXT];
};

struct nf_state {
	unsigned layout;              /* 1 or 2 */
	struct v1map *maps;           /* layout 1, by map id */
	size_t n_maps;
	unsigned compression;
	uint32_t n_blocks, block_no;  /* data blocks in all, and the current one (1-based) */
	uint8_t *plain;               /* the current block's records */
	size_t plain_len, plain_cap, bpos;
	uint32_t recs_left;
	uint64_t block_off;           /* file offset of the current block */
};

static int sniff(const uint8_t *p, size_t n)
{
	if (n < 4 || vgi_le16(p) != 0xA50C)
		return 0;
	return vgi_le16(p + 2) == 2 || vgi_le16(p + 2) == 1 ? 100 : 0;
}

/* The reader's state once a header is taken: either layout. */
static int start(vg_reader *r, unsigned layout, unsigned comp, uint32_t n_blocks,
		 size_t hdr_len)
{
	struct nf_state *st = calloc(1, sizeof *st);
	if (!st)
		return VG_ENOMEM;
	st->layout = layout;
	st->compression = comp;
	st->n_blocks = n_blocks;
	r->fmt_state = st;
	r->pos += hdr_len;
	if (comp == 1 && lzo_init() != LZO_E_OK) {
		vgi_errf(r->errmsg, "%s: the LZO library failed to start", r->name);
		return VG_EINVAL;
	}
	return VG_OK;
}

static int open_v1(vg_reader *r)
{
	size_t have = vgi_need(r, HDR1_LEN);
	const uint8_t *p;
	uint32_t flags;
	unsigned comp;

	if (have == (size_t)-1)
		return VG_EIO;
	if (have < HDR1_LEN) {
		vgi_errf(r->errmsg, "%s: @0x0: an nfdump layout 1 file that ends inside its "
			 "%u-byte header", r->name, HDR1_LEN);
		return VG_ETRUNC;
	}
	p = r->buf + r->pos;
	flags = vgi_le32(p + 4);
	comp = (flags & 0x1) ? 1 : (flags & 0x8) ? 2 : (flags & 0x10) ? 3 : (flags & 0x20) ? 4 : 0;
	if (__builtin_popcount(flags & 0x39) > 1) {
		vgi_errf(r->errmsg, "%s: @0x4: nfdump layout 1 flags 0x%x name more than one "
			 "compression", r->name, (unsigned)flags);
		return VG_EFORMAT;
	}
	return start(r, 1, comp, vgi_le32(p + 8), HDR1_LEN);
}

static int open_nf(vg_reader *r)
{
	size_t have = vgi_need(r, HDR_LEN);
	const uint8_t *p;
	unsigned layout, comp;

	if (have == (size_t)-1)
		return VG_EIO;
	p = r->buf + r->pos;
	if (have < 4 || vgi_le16(p) != 0xA50C) {
		vgi_errf(r->errmsg, "%s: @0x0: not an nfdump file (no magic 0xA50C)", r->name);
		return VG_EFORMAT;
	}
	layout = vgi_le16(p + 2);
	if (layout == 1)
		return open_v1(r);
	if (layout != 2 || have < HDR_LEN) {
		vgi_errf(r->errmsg, "%s: @0x2: nfdump layout %u%s", r->name, layout,
			 layout != 2 ? " is not one vigil reads (it reads layouts 1 and 2)"
				     : ": the file ends inside its header");
		return layout != 2 ? VG_EUNSUP : VG_ETRUNC;
	}
	comp = vgi_le32(p + 16) & 0xff;
	if (p[17] != 0) {
		vgi_errf(r->errmsg, "%s: @0x11: the file is encrypted, which vigil does not read",
			 r->name);
		return VG_EUNSUP;
	}
	if (comp > 4) {
		vgi_errf(r->errmsg, "%s: @0x10: unknown compression %u", r->name, comp);
		return VG_EUNSUP;
	}
	return start(r, 2, comp, vgi_le32(p + 36), HDR_LEN);
}

static void close_nf(vg_reader *r)
{
	struct nf_state *st = r->fmt_state;
	if (st) {
		free(st->plain);
		free(st->maps);
	}
	free(st);
	r->fmt_state = NULL;
}

static int grow_plain(struct nf_state *st, size_t need)
{
	uint8_t *n;
	if (need <= st->plain_cap)
		return 0;
	if (!(n = realloc(st->plain, need)))
		return -1;
	st->plain = n;
	st->plain_cap = need;
	return 0;
}

/* Decompresses (or copies) a block payload into st->plain; 0 or -1. The
 * buffer starts at 1 MiB (what writers flush at) and grows to MAX_PLAIN
 * for a block that needs it. */
static int unpack(struct nf_state *st, const uint8_t *src, size_t len, int stored)
{
	size_t out = 0;
	int tries;
	if (stored || st->compression == 0) {
		if (grow_plain(st, len ? len : 1))
			return -1;
		memcpy(st->plain, src, len);
		st->plain_len = len;
		st->bpos = 0;
		return 0;
	}
	for (tries = 0; tries < 2; tries++) {
		int ok = 0;
		if (grow_plain(st, tries ? MAX_PLAIN : (1u << 20)))
			return -1;
		if (st->compression == 1) {
			lzo_uint n = st->plain_cap;
			ok = lzo1x_decompress_safe(src, len, st->plain, &n, NULL) == LZO_E_OK;
			out = n;
		} else if (st->compression == 2) {
			unsigned n = (unsigned)st->plain_cap;
			ok = BZ2_bzBuffToBuffDecompress((char *)st->plain, &n, (char *)(uintptr_t)src,
							(unsigned)len, 0, 0) == BZ_OK;
			out = n;
		} else if (st->compression == 3) {
			int n = LZ4_decompress_safe((const char *)src, (char *)st->plain, (int)len,
						    (int)st->plain_cap);
			ok = n >= 0;
			out = ok ? (size_t)n : 0;
		} else {
			size_t n = ZSTD_decompress(st->plain, st->plain_cap, src, len);
			ok = !ZSTD_isError(n);
			out = ok ? n : 0;
		}
		if (ok) {
			st->plain_len = out;
			st->bpos = 0;
			return 0;
		}
		if (st->plain_cap >= MAX_PLAIN)
			break;
	}
	return -1;
}

static void put_be64(uint8_t *d, uint64_t v)
{
	int i;
	for (i = 7; i >= 0; i--, v >>= 8)
		d[i] = (uint8_t)v;
}

static const char *const comp_names[] = {"uncompressed", "LZO", "bzip2", "LZ4", "zstd"};

/* One V3 record (type 11) into f: 1 a flow, 0 not a flow (why set), -1
 * malformed (why set). */
static int parse_v3(const uint8_t *p, size_t len, vg_flow *f, const char **why)
{
	size_t off = 12, ne, i;
	int have_gen = 0, have_addr = 0, have_cnt = 0;
	uint16_t dport_raw = 0;
	if (len < 12) {
		*why = "a V3 record shorter than its 12-byte head";
		return -1;
	}
	ne = vgi_le16(p + 4);
	memset(f, 0, sizeof *f);
	f->kind = VG_REC_FLOW;
	f->n_records = 1;
	for (i = 0; i < ne; i++) {
		unsigned id, el;
		const uint8_t *e;
		if (off + 4 > len) {
			*why = "an element runs past the end of its record";
			return -1;
		}
		id = vgi_le16(p + off);
		el = vgi_le16(p + off + 2);
		if (el < 4 || off + el > len) {
			*why = "an element with a bad length";
			return -1;
		}
		e = p + off + 4;
		switch (id) {
		case 1: /* generic */
			if (el < 4 + 48) {
				*why = "a short generic element";
				return -1;
			}
			/* ms since 1970; past year 9999 is damage */
			if (vgi_le64(e) > 253402300799999ull || vgi_le64(e + 8) > 253402300799999ull) {
				*why = "a time out of range";
				return -1;
			}
			f->stime_us = (int64_t)vgi_le64(e) * 1000;
			f->ltime_us = (int64_t)vgi_le64(e + 8) * 1000;
			f->spkts = vgi_le64(e + 24);
			f->sbytes = vgi_le64(e + 32);
			f->sport = vgi_le16(e + 40);
			dport_raw = vgi_le16(e + 42);
			f->proto = e[44];
			f->sflags = e[45];
			have_gen = 1;
			break;
		case 2: /* IPv4 */
			if (el < 4 + 8) {
				*why = "a short IPv4 element";
				return -1;
			}
			vg_addr_from_ip4(&f->saddr, vgi_le32(e));
			vg_addr_from_ip4(&f->daddr, vgi_le32(e + 4));
			f->family = VG_FAM_IP4;
			have_addr = 1;
			break;
		case 3: /* IPv6: high half first, each half in host order */
			if (el < 4 + 32) {
				*why = "a short IPv6 element";
				return -1;
			}
			put_be64(f->saddr.a, vgi_le64(e));
			put_be64(f->saddr.a + 8, vgi_le64(e + 8));
			put_be64(f->daddr.a, vgi_le64(e + 16));
			put_be64(f->daddr.a + 8, vgi_le64(e + 24));
			f->family = VG_FAM_IP6;
			have_addr = 1;
			break;
		case 5: /* the other direction's counters */
			if (el >= 4 + 24) {
				f->dpkts = vgi_le64(e + 8);
				f->dbytes = vgi_le64(e + 16);
				have_cnt = 1;
			}
			break;
		default:
			break; /* elements we do not need, or newer ones */
		}
		off += el;
	}
	if (!have_cnt)
		f->rflags |= VG_RF_ONEWAY;
	if (!have_gen || !have_addr) {
		*why = have_gen ? "a flow without addresses" : "a record without its generic element";
		return 0;
	}
	if (f->proto == 1 || f->proto == 58) {
		f->sport = (uint16_t)(dport_raw >> 8);  /* type */
		f->dport = (uint16_t)(dport_raw & 0xff); /* code */
	} else {
		f->dport = dport_raw;
	}
	if (f->ltime_us < f->stime_us)
		f->ltime_us = f->stime_us;
	vgi_oneway_tcp_status(f);
	vg_flow_derive_state(f);
	return 1;
}

/* The size of a layout-1 optional extension (nfdump 1.6 extension ids
 * 4-27), or 0 for one we do not know. */
static unsigned v1_ext_size(unsigned id)
{
	static const uint8_t size[28] = {
		[4] = 4, [5] = 8, [6] = 4, [7] = 8, [8] = 4, [9] = 4, [10] = 16,
		[11] = 4, [12] = 16, [13] = 4, [14] = 4, [15] = 8, [16] = 4, [17] = 8,
		[18] = 4, [19] = 8, [20] = 16, [21] = 16, [22] = 40, [23] = 4,
		[24] = 16, [25] = 4, [26] = 8, [27] = 8,
	};
	return id < 28 ? size[id] : 0;
}

/* A layout-1 extension map record (type 2). */
static int v1_map(struct nf_state *st, const uint8_t *p, size_t len, const char **why)
{
	unsigned id, i, n = 0;
	struct v1map *m;
	if (len < 8) {
		*why = "an extension map shorter than 8 bytes";
		return -1;
	}
	id = vgi_le16(p + 4);
	if (id >= st->n_maps) {
		size_t nm = VGI_MAX((size_t)id + 1, st->n_maps * 2);
		struct v1map *mm = realloc(st->maps, nm * sizeof *mm);
		if (!mm) {
			*why = "out of memory for extension maps";
			return -1;
		}
		memset(mm + st->n_maps, 0, (nm - st->n_maps) * sizeof *mm);
		st->maps = mm;
		st->n_maps = nm;
	}
	m = &st->maps[id];
	memset(m, 0, sizeof *m);
	for (i = 8; i + 2 <= len; i += 2) {
		unsigned e = vgi_le16(p + i);
		if (e == 0)
			break;
		if (n == V1_MAX_EXT || e > 255) {
			*why = "an extension map with too many or unknown extensions";
			return -1;
		}
		m->ids[n++] = (uint8_t)e;
	}
	m->n = (uint8_t)n;
	m->valid = 1;
	return 0;
}

/* A layout-1 flow record (type 10): 1 a flow, 0 skipped (why), -1 bad. */
static int parse_v1(const struct nf_state *st, const uint8_t *p, size_t len, vg_flow *f,
		    const char **why)
{
	unsigned flags, map, i;
	size_t off = 32;
	const struct v1map *m;
	int have_cnt = 0;
	uint16_t dport_raw;
	if (len < 32) {
		*why = "a flow record shorter than its 32-byte head";
		return -1;
	}
	memset(f, 0, sizeof *f);
	f->kind = VG_REC_FLOW;
	f->n_records = 1;
	flags = vgi_le16(p + 4);
	map = vgi_le16(p + 6);
	f->stime_us = (int64_t)vgi_le32(p + 12) * 1000000 + (int64_t)vgi_le16(p + 8) * 1000;
	f->ltime_us = (int64_t)vgi_le32(p + 16) * 1000000 + (int64_t)vgi_le16(p + 10) * 1000;
	f->sflags = p[21];
	f->proto = p[22];
	f->sport = vgi_le16(p + 24);
	dport_raw = vgi_le16(p + 26);
	if (flags & 1) {
		if (off + 32 > len)
			goto short_rec;
		put_be64(f->saddr.a, vgi_le64(p + off));
		put_be64(f->saddr.a + 8, vgi_le64(p + off + 8));
		put_be64(f->daddr.a, vgi_le64(p + off + 16));
		put_be64(f->daddr.a + 8, vgi_le64(p + off + 24));
		f->family = VG_FAM_IP6;
		off += 32;
	} else {
		if (off + 8 > len)
			goto short_rec;
		vg_addr_from_ip4(&f->saddr, vgi_le32(p + off));
		vg_addr_from_ip4(&f->daddr, vgi_le32(p + off + 4));
		f->family = VG_FAM_IP4;
		off += 8;
	}
	if (off + ((flags & 2) ? 8 : 4) + ((flags & 4) ? 8 : 4) > len)
		goto short_rec;
	f->spkts = (flags & 2) ? vgi_le64(p + off) : vgi_le32(p + off);
	off += (flags & 2) ? 8 : 4;
	f->sbytes = (flags & 4) ? vgi_le64(p + off) : vgi_le32(p + off);
	off += (flags & 4) ? 8 : 4;
	m = map < st->n_maps && st->maps[map].valid ? &st->maps[map] : NULL;
	if (!m) {
		*why = "a flow that names an extension map the file has not defined";
		return 0;
	}
	for (i = 0; i < m->n; i++) {
		unsigned e = m->ids[i], sz = v1_ext_size(e);
		if (!sz)
			break; /* NSEL and later: nothing we read comes after them */
		if (off + sz > len)
			goto short_rec;
		if (e == 14 || e == 15) {
			f->dpkts = e == 14 ? vgi_le32(p + off) : vgi_le64(p + off);
			have_cnt = 1;
		} else if (e == 16 || e == 17) {
			f->dbytes = e == 16 ? vgi_le32(p + off) : vgi_le64(p + off);
			have_cnt = 1;
		}
		off += sz;
	}
	if (!have_cnt)
		f->rflags |= VG_RF_ONEWAY;
	if (f->proto == 1 || f->proto == 58) {
		f->sport = (uint16_t)(dport_raw >> 8);
		f->dport = (uint16_t)(dport_raw & 0xff);
	} else {
		f->dport = dport_raw;
	}
	if (f->ltime_us < f->stime_us)
		f->ltime_us = f->stime_us;
	vgi_oneway_tcp_status(f);
	vg_flow_derive_state(f);
	return 1;
short_rec:
	*why = "a flow record shorter than its fields";
	return -1;
}

/* One loop with two states, a record inside the current block or the next
 * block's header: kept as one function (141 lines) because every exit,
 * good or bad, must leave st's block and record cursors consistent for the
 * next call, which is easiest to check when they are all in one place. */
static int read_nf(vg_reader *r, vg_flow *out, size_t cap, size_t *nout)
{
	struct nf_state *st = r->fmt_state;
	size_t k = 0;
	int rc = VG_OK;

	while (k < cap) {
		if (st->recs_left) {
			const uint8_t *p = st->plain + st->bpos;
			size_t left = st->plain_len - st->bpos, len;
			unsigned type;
			uint64_t rec = ++r->rec_no;
			const char *why = NULL;
			int pr;

			r->st.n_records++;
			st->recs_left--;
			if (left < 4 || (len = vgi_le16(p + 2)) < 4 || len > left) {
				vgi_rec_err(r, r->errmsg, rec, st->block_off,
					    "block %u: record +0x%zx has a bad size; the rest of the "
					    "block (%u records) is skipped", st->block_no, st->bpos,
					    st->recs_left + 1);
				r->st.skipped[VG_SKIP_MALFORMED]++;
				st->recs_left = 0;
				rc = VG_ERECORD;
				break;
			}
			type = vgi_le16(p);
			st->bpos += len;
			if (st->layout == 1 && type == 2) {
				if (v1_map(st, p, len, &why) == 0) {
					r->st.skipped[VG_SKIP_RECTYPE]++;
					continue;
				}
				pr = -1;
			} else if (type != (st->layout == 1 ? 10u : 11u)) {
				/* exporter info and statistics, samplers, legacy records */
				r->st.skipped[VG_SKIP_RECTYPE]++;
				continue;
			} else if (st->layout == 1) {
				pr = parse_v1(st, p, len, &out[k], &why);
			} else {
				pr = parse_v3(p, len, &out[k], &why);
			}
			if (pr == 1) {
				r->st.n_flows++;
				vgi_note_times(r, &out[k]);
				k++;
				continue;
			}
			if (pr == 0) {
				if (vgi_skip(r, VG_SKIP_NOFLOW, rec, st->block_off, why)) {
					rc = VG_ERECORD;
					break;
				}
				continue;
			}
			vgi_rec_err(r, r->errmsg, rec, st->block_off, "block %u, record +0x%zx: %s; "
				    "record skipped", st->block_no, st->bpos - len, why);
			r->st.skipped[VG_SKIP_MALFORMED]++;
			rc = VG_ERECORD;
			break;
		}
		if (st->block_no >= st->n_blocks) {
			rc = VG_DONE;
			break;
		}
		{
			/* the next data block */
			size_t have = vgi_need(r, BLK_HDR), size;
			const uint8_t *p;
			uint32_t nrec;
			unsigned btype, flags;
			uint64_t off = vgi_offset(r);

			if (have == (size_t)-1) {
				rc = VG_EIO;
				break;
			}
			st->block_no++;
			st->block_off = off;
			if (have < BLK_HDR) {
				vgi_errf(r->errmsg, "%s: block %u @0x%llx: truncated: the file ends "
					 "inside a block header (%u of %u blocks read)", r->name,
					 st->block_no, (unsigned long long)off, st->block_no - 1,
					 st->n_blocks);
				r->st.skipped[VG_SKIP_TRUNCATED]++;
				r->pos += have;
				st->block_no = st->n_blocks;
				rc = VG_ETRUNC;
				break;
			}
			p = r->buf + r->pos;
			nrec = vgi_le32(p);
			size = vgi_le32(p + 4);
			btype = vgi_le16(p + 8);
			flags = vgi_le16(p + 10);
			if (size > MAX_BLOCK) {
				vgi_errf(r->errmsg, "%s: block %u @0x%llx: bad block header (%u bytes); "
					 "the rest of the file is skipped", r->name, st->block_no,
					 (unsigned long long)off, (unsigned)size);
				r->st.skipped[VG_SKIP_GARBAGE]++;
				st->block_no = st->n_blocks;
				rc = VG_ERECORD;
				break;
			}
			have = vgi_need(r, BLK_HDR + size);
			if (have == (size_t)-1) {
				rc = VG_EIO;
				break;
			}
			p = r->buf + r->pos;
			if (have < BLK_HDR + size) {
				vgi_errf(r->errmsg, "%s: block %u @0x%llx: truncated: the block is %zu "
					 "bytes, the file ends after %zu", r->name, st->block_no,
					 (unsigned long long)off, size, have - BLK_HDR);
				r->st.skipped[VG_SKIP_TRUNCATED]++;
				r->pos += have;
				st->block_no = st->n_blocks;
				rc = VG_ETRUNC;
				break;
			}
			r->pos += BLK_HDR + size;
			if (btype != (st->layout == 1 ? 2u : 3u)) {
				r->st.skipped[VG_SKIP_RECTYPE] += nrec;
				continue;
			}
			if (unpack(st, p + BLK_HDR, size, flags & 1)) {
				vgi_errf(r->errmsg, "%s: block %u @0x%llx: the %s payload (%zu bytes) "
					 "does not decompress; its %u records are skipped", r->name,
					 st->block_no, (unsigned long long)off,
					 comp_names[st->compression], size, nrec);
				r->st.skipped[VG_SKIP_MALFORMED] += nrec ? nrec : 1;
				rc = VG_ERECORD;
				break;
			}
			st->recs_left = nrec;
		}
	}
	*nout = k;
	return rc;
}

const struct vgi_format vgi_fmt_nfdump = {
	.name = "nfdump",
	.doc = "nfdump files (nfcapd, nfpcapd; layout 2 of nfdump 1.7, layout 1 of 1.6)",
	.sniff = sniff,
	.open = open_nf,
	.read = read_nf,
	.close = close_nf,
};
