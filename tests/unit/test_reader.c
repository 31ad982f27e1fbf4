/*
 * test_reader.c - the Argus reader on real fixtures and on inputs damaged in
 * known ways: every good record before and after a bad one must come out,
 * every error must name the record and offset, nothing may crash.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

/* def.argus: a 128-byte MAR, then the first FAR (212 bytes) - see the
 * annotated example in docs/FORMATS.md. 17 flow records, 2 MARs. */
#define DEF_FLOWS 17
#define REC3_OFF 340

static vg_flow *read_def(size_t *n, int *nerr, char *err, size_t errlen)
{
	size_t len;
	uint8_t *buf = vgt_load("argus/def.argus", &len);
	vg_flow *f = vgt_read_all(buf, len, NULL, 4096, n, nerr, err, errlen, NULL);
	free(buf);
	return f;
}

/* Builds a copy of buf with ins[0..ilen) inserted at off. */
static uint8_t *insert_at(const uint8_t *buf, size_t len, size_t off,
		       const void *ins, size_t ilen)
{
	uint8_t *o = malloc(len + ilen);
	memcpy(o, buf, off);
	memcpy(o + off, ins, ilen);
	memcpy(o + off + ilen, buf + off, len - off);
	return o;
}

TEST(reader_def_fixture)
{
	size_t n, i;
	int nerr, seen_icmp = 0, seen_arp = 0, seen_v6 = 0;
	char err[512];
	vg_flow *f = read_def(&n, &nerr, err, sizeof err);
	CHECK_EQ_INT(n, DEF_FLOWS);
	CHECK_EQ_INT(nerr, 0);
	for (i = 0; i < n; i++) {
		if (f[i].family == VG_FAM_IP4 && f[i].proto == 1 && f[i].sport == 8) {
			/* ping id 9558 = 0x2556, stored little-endian by argus */
			CHECK_EQ_INT(f[i].icmp_id, 0x2556);
			CHECK_EQ_INT(f[i].dport, 0);
			CHECK_EQ_INT(f[i].state, VG_ST_ECO);
			seen_icmp++;
		}
		if (f[i].family == VG_FAM_ARP) {
			CHECK_EQ_INT(vg_addr_ip4(&f[i].saddr), 0x7f010203);
			seen_arp++;
		}
		if (f[i].family == VG_FAM_IP6 && f[i].proto == 6) {
			CHECK_EQ_INT(f[i].saddr.a[15], 1);
			CHECK_EQ_INT(f[i].saddr.a[10], 0);
			seen_v6++;
		}
	}
	CHECK_EQ_INT(seen_icmp, 3);
	CHECK_EQ_INT(seen_arp, 2);
	CHECK_EQ_INT(seen_v6, 2);
	/* the first flow: REVERSE bit set on the wire, printed 58324 -> 8080 */
	CHECK_EQ_INT(f[0].sport, 58324);
	CHECK_EQ_INT(f[0].dport, 8080);
	CHECK_EQ_INT(f[0].sbytes, 492);
	CHECK_EQ_INT(f[0].dbytes, 591);
	CHECK_EQ_INT(f[0].stime_us, 1795618561246238LL);
	CHECK_EQ_INT(f[0].ltime_us, 1795618561251758LL);
	CHECK_EQ_INT(f[0].state, VG_ST_FIN);
	CHECK_EQ_INT(f[0].sflags, 0x1b);
	free(f);
}

TEST(reader_compressed_equal_plain)
{
	static const char *const names[] = {"argus/def.argus.gz", "argus/def.argus.bz2",
					    "argus/def.argus.xz", "argus/def.argus.zst"};
	static const char *const codecs[] = {"gzip", "bzip2", "xz", "zstd"};
	size_t n0, i;
	int nerr;
	vg_flow *plain = read_def(&n0, &nerr, NULL, 0);
	for (i = 0; i < 4; i++) {
		size_t len, n;
		uint8_t *buf = vgt_load(names[i], &len);
		vg_reader *r = NULL;
		vg_flow *f;
		char err[512];
		if (!buf)
			continue;
		CHECK_EQ_INT(vg_reader_open_mem(&r, buf, len, "z", NULL), VG_OK);
		if (r)
			CHECK_EQ_STR(vg_reader_compression(r), codecs[i]);
		vg_reader_close(r);
		f = vgt_read_all(buf, len, NULL, 3, &n, &nerr, err, sizeof err, NULL);
		CHECK_EQ_INT(n, n0);
		CHECK_EQ_INT(nerr, 0);
		if (f && n == n0)
			CHECK(memcmp(f, plain, n * sizeof *f) == 0);
		/* a compressed file cut short is an error, not silence */
		free(f);
		f = vgt_read_all(buf, len - 20, NULL, 64, &n, &nerr, err, sizeof err, NULL);
		CHECK(nerr >= 1);
		CHECK(strstr(err, "truncated") || strstr(err, "corrupt"));
		CHECK(n <= n0);
		free(f);
		free(buf);
	}
	free(plain);
}

TEST(reader_batch_sizes_agree)
{
	size_t len, n1, n2;
	int e1, e2;
	uint8_t *buf = vgt_load("real-week/capture.argus", &len);
	vg_flow *a = vgt_read_all(buf, len, NULL, 1, &n1, &e1, NULL, 0, NULL);
	vg_flow *b = vgt_read_all(buf, len, NULL, 4096, &n2, &e2, NULL, 0, NULL);
	CHECK_EQ_INT(n1, 12861);
	CHECK_EQ_INT(n2, 12861);
	CHECK_EQ_INT(e1 + e2, 0);
	if (n1 == n2)
		CHECK(memcmp(a, b, n1 * sizeof *a) == 0);
	free(a);
	free(b);
	free(buf);
}

TEST(reader_path_fd_mem_agree)
{
	char path[4096];
	vg_reader *r = NULL;
	vg_flow batch[64];
	size_t n, total = 0;
	int fd;
	snprintf(path, sizeof path, "%s/argus/deb.argus", vgt_data_dir());
	CHECK_EQ_INT(vg_reader_open(&r, path, NULL), VG_OK);
	while (vg_reader_read(r, batch, 64, &n) == VG_OK)
		total += n;
	CHECK_EQ_INT(total, DEF_FLOWS);
	CHECK_EQ_STR(vg_reader_format(r), "argus");
	vg_reader_close(r);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ_INT(vg_reader_open_fd(&r, fd, "fd", NULL), VG_OK);
	total = 0;
	while (vg_reader_read(r, batch, 5, &n) == VG_OK)
		total += n;
	CHECK_EQ_INT(total, DEF_FLOWS);
	vg_reader_close(r);
	close(fd);
}

/* Cutting the file anywhere keeps exactly the records that are whole. */
TEST(reader_truncated_everywhere)
{
	size_t len, cut;
	uint8_t *buf = vgt_load("argus/def.argus", &len);
	size_t ends[64], n_ends = 0, off = 0;
	if (!buf)
		return;
	while (off + 4 <= len && n_ends < 64) {
		off += (size_t)(buf[off + 2] << 8 | buf[off + 3]) * 4;
		ends[n_ends++] = off;
	}
	CHECK_EQ_INT(off, len);
	for (cut = 0; cut <= len; cut++) {
		size_t n, whole = 0, i;
		int nerr;
		char err[512];
		vg_flow *f = vgt_read_all(buf, cut, NULL, 7, &n, &nerr, err, sizeof err, NULL);
		for (i = 0; i < n_ends; i++)
			if (ends[i] <= cut)
				whole++;
		/* whole records minus the MARs among them (first and last) */
		whole -= whole >= 1;
		whole -= (whole >= DEF_FLOWS + 1);
		if (cut < 16) {
			/* too short to tell the format: no records */
			CHECK_EQ_INT(n, 0);
		} else {
			CHECK_EQ_INT(n, whole);
			if (cut < len && cut > 128) {
				int at_end = 0;
				for (i = 0; i < n_ends; i++)
					at_end |= ends[i] == cut;
				CHECK_EQ_INT(nerr, at_end ? 0 : 1);
				if (!at_end)
					CHECK(strstr(err, "truncated") && strstr(err, "mem: record ") &&
					      strstr(err, "@0x"));
			}
		}
		free(f);
	}
	free(buf);
}

TEST(reader_zero_length_record_resyncs)
{
	static const uint8_t zero[4] = {0x13, 0x10, 0x00, 0x00};
	size_t len, n;
	int nerr;
	char err[512];
	vg_reader_stats st;
	uint8_t *buf = vgt_load("argus/def.argus", &len), *bad;
	vg_flow *f;
	if (!buf)
		return;
	bad = insert_at(buf, len, REC3_OFF, zero, 4);
	f = vgt_read_all(bad, len + 4, NULL, 4096, &n, &nerr, err, sizeof err, &st);
	CHECK_EQ_INT(n, DEF_FLOWS);
	CHECK_EQ_INT(nerr, 1);
	CHECK(strstr(err, "mem: record 3 @0x154: bad record header (type 0x13, length 0 words); "
			  "skipped 4 bytes to the next good record @0x158") != NULL);
	CHECK_EQ_INT(st.skipped[VG_SKIP_GARBAGE], 4);
	free(f);
	free(bad);
	free(buf);
}

TEST(reader_garbage_between_records)
{
	uint8_t junk[37];
	size_t len, n, i;
	int nerr;
	char err[512];
	uint8_t *buf = vgt_load("argus/def.argus", &len), *bad;
	vg_flow *f, *good;
	if (!buf)
		return;
	for (i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	good = read_def(&n, &nerr, NULL, 0);
	bad = insert_at(buf, len, REC3_OFF, junk, sizeof junk);
	free(good);
	f = vgt_read_all(bad, len + sizeof junk, NULL, 4096, &n, &nerr, err, sizeof err, NULL);
	CHECK_EQ_INT(n, DEF_FLOWS);
	CHECK_EQ_INT(nerr, 1);
	CHECK(strstr(err, "skipped 37 bytes") != NULL);
	free(f);
	free(bad);
	free(buf);
}

TEST(reader_bad_dsr_skips_one_record)
{
	size_t len, n;
	int nerr;
	char err[512];
	uint8_t *buf = vgt_load("argus/def.argus", &len);
	vg_flow *f;
	if (!buf)
		return;
	/* record 2 starts at 128; its FLOW DSR follows the 12-byte TRANSPORT
	 * DSR, so its length byte is at 128 + 4 + 12 + 3 */
	CHECK_EQ_INT(buf[128 + 16], 0x02);
	buf[128 + 19] = 0;
	f = vgt_read_all(buf, len, NULL, 4096, &n, &nerr, err, sizeof err, NULL);
	CHECK_EQ_INT(n, DEF_FLOWS - 1);
	CHECK_EQ_INT(nerr, 1);
	CHECK(strstr(err, "mem: record 2 @0x80: DSR type 0x02 at +16 has length 0") != NULL);
	/* the records after it are all there: the first one read is the old
	 * second flow */
	if (n)
		CHECK_EQ_INT(f[0].sport, 58334);
	free(f);
	free(buf);
}

TEST(reader_strict_mode)
{
	static const uint8_t index_rec[4] = {0x23, 0x10, 0x00, 0x01}; /* INDEX, 1 word */
	size_t len, n;
	int nerr;
	char err[512];
	vg_reader_opts o = {0};
	vg_reader_stats st;
	uint8_t *buf = vgt_load("argus/def.argus", &len), *x;
	vg_flow *f;
	if (!buf)
		return;
	x = insert_at(buf, len, REC3_OFF, index_rec, 4);
	f = vgt_read_all(x, len + 4, &o, 4096, &n, &nerr, err, sizeof err, &st);
	CHECK_EQ_INT(n, DEF_FLOWS);
	CHECK_EQ_INT(nerr, 0);
	CHECK_EQ_INT(st.skipped[VG_SKIP_RECTYPE], 1);
	free(f);
	o.strict = 1;
	f = vgt_read_all(x, len + 4, &o, 4096, &n, &nerr, err, sizeof err, &st);
	CHECK_EQ_INT(n, 1); /* the flow before it, then stop */
	CHECK_EQ_INT(nerr, 1);
	CHECK(strstr(err, "record 3 @0x154: record type 0x23 skipped (--strict)") != NULL);
	free(f);
	free(x);
	free(buf);
}

TEST(reader_wrong_formats)
{
	static const char text[] = "this is not a flow file at all, just text\n";
	static const uint8_t v2mar[16] = {0x80, 0x01, 0x00, 0x80, 0x20, 0, 0, 0,
					  0xE5, 0x61, 0x7A, 0xCB, 0, 0, 0, 0};
	vg_reader *r = NULL;
	vg_flow f;
	size_t len, n;
	uint8_t *pcap;

	CHECK_EQ_INT(vg_reader_open_mem(&r, text, sizeof text - 1, "t.txt", NULL), VG_EFORMAT);
	CHECK(strstr(vg_reader_errmsg(r), "t.txt: @0x0: not a flow file") != NULL);
	vg_reader_close(r);

	/* a capture is sniffed as one and metered into flows (13 in this one,
	 * as argus makes them with 60 s reports; tests/golden/cases-pcap.txt
	 * compares them with ra) */
	pcap = vgt_load("argus/loopback-mix.pcap", &len);
	CHECK_EQ_INT(vg_reader_open_mem(&r, pcap, len, "x.pcap", NULL), VG_OK);
	CHECK_EQ_STR(vg_reader_format(r), "pcap");
	{
		vg_flow all[32];
		size_t got = 0;
		while (vg_reader_read(r, all + got, 32 - got, &n) == VG_OK)
			got += n;
		CHECK_EQ_INT(got, 13);
	}
	vg_reader_close(r);
	free(pcap);

	/* an Argus 2.x MAR header alone: recognised, then cut short */
	CHECK_EQ_INT(vg_reader_open_mem(&r, v2mar, sizeof v2mar, "old.arg", NULL), VG_OK);
	CHECK_EQ_STR(vg_reader_format(r), "argus2");
	CHECK_EQ_INT(vg_reader_read(r, &f, 1, &n), VG_ETRUNC);
	CHECK(strstr(vg_reader_errmsg(r), "old.arg: record 1 @0x0: truncated: the record is 128 bytes") != NULL);
	vg_reader_close(r);

	CHECK_EQ_INT(vg_reader_open(&r, "/nonexistent/x.argus", NULL), VG_EIO);
	CHECK(strstr(vg_reader_errmsg(r), "/nonexistent/x.argus: cannot open") != NULL);
	vg_reader_close(r);

	CHECK_EQ_INT(vg_reader_open(&r, "/", NULL), VG_EIO);
	CHECK(strstr(vg_reader_errmsg(r), "is a directory") != NULL);
	vg_reader_close(r);
}

TEST(reader_empty_input)
{
	vg_reader *r = NULL;
	vg_flow f;
	size_t n = 9;
	CHECK_EQ_INT(vg_reader_open_mem(&r, "", 0, "empty", NULL), VG_OK);
	CHECK_EQ_INT(vg_reader_read(r, &f, 1, &n), VG_DONE);
	CHECK_EQ_INT(n, 0);
	vg_reader_close(r);
}

TEST(reader_stats)
{
	size_t len, n;
	int nerr;
	vg_reader_stats st;
	uint8_t *buf = vgt_load("real-week/capture.argus", &len);
	vg_flow *f = vgt_read_all(buf, len, NULL, 4096, &n, &nerr, NULL, 0, &st);
	/* TRUTH.md: racount 12862 records, 12861 flows without man */
	CHECK_EQ_INT(st.n_flows, 12861);
	CHECK_EQ_INT(st.n_man, 2);
	CHECK_EQ_INT(st.n_records, 12863);
	CHECK_EQ_INT(st.bytes_decoded, len);
	CHECK_EQ_INT(st.first_us, 1709521102552441LL);
	CHECK_EQ_INT(st.last_us, 1710098860683096LL);
	free(f);
	free(buf);
}
