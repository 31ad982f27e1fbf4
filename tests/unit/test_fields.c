/*
 * test_fields.c - the field registry: every field of every real record
 * prints and parses back to the same text; times and dates against libc.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"
#include "harness.h"
#include "util.h"

TEST(fields_names_unique_and_lookup)
{
	int i, j;
	for (i = 0; i < VG_F__COUNT; i++) {
		const char *n = vg_field_name(i);
		CHECK(n && *n);
		CHECK_EQ_INT(vg_field_lookup(n, strlen(n)), i);
		CHECK(vg_field_doc(i) && *vg_field_doc(i));
		for (j = i + 1; j < VG_F__COUNT; j++)
			CHECK(strcmp(n, vg_field_name(j)) != 0);
	}
	CHECK_EQ_INT(vg_field_lookup("nosuch", 6), -1);
	CHECK_EQ_INT(vg_field_lookup("stim", 4), -1);
}

/* Print every field of every flow in the real week (ra style), parse the
 * text into a blank flow, print again: the same text. */
TEST(fields_roundtrip_real_week)
{
	size_t len, n, i;
	int nerr, f, bad = 0;
	uint8_t *buf = vgt_load("real-week/capture.argus", &len);
	vg_flow *fl = vgt_read_all(buf, len, NULL, 4096, &n, &nerr, NULL, 0, NULL);
	for (i = 0; i < n && bad < 5; i++) {
		vg_flow back;
		char a[VG_FIELD_MAX], b[VG_FIELD_MAX];
		memset(&back, 0, sizeof back);
		/* proto first: ICMP ports depend on it */
		vg_field_format(VG_F_PROTO, &fl[i], VG_STYLE_RA, a);
		CHECK_EQ_INT(vg_field_parse(VG_F_PROTO, a, strlen(a), &back), VG_OK);
		for (f = 0; f < VG_F__COUNT; f++) {
			size_t la = vg_field_format(f, &fl[i], VG_STYLE_RA, a);
			if (vg_field_parse(f, a, la, &back) != VG_OK) {
				vgt_fail(__FILE__, __LINE__, "parse %s '%s'", vg_field_name(f), a);
				bad++;
			}
		}
		for (f = 0; f < VG_F__COUNT; f++) {
			vg_field_format(f, &fl[i], VG_STYLE_RA, a);
			vg_field_format(f, &back, VG_STYLE_RA, b);
			if (strcmp(a, b) != 0) {
				vgt_fail(__FILE__, __LINE__, "record %zu field %s: '%s' -> '%s'",
					 i, vg_field_name(f), a, b);
				bad++;
			}
		}
	}
	CHECK_EQ_INT(n, 12861);
	free(fl);
	free(buf);
}

TEST(fields_time_formats_match_libc)
{
	static const int64_t secs[] = {0, 1, 59, 86399, 86400, 951782400, /* 2000-02-29 */
				       1709521102, 1710098860, 4102444799LL, 253402300799LL};
	size_t i;
	char out[64], ref[64];
	for (i = 0; i < VGI_ARRAY_LEN(secs); i++) {
		time_t t = (time_t)secs[i];
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(ref, sizeof ref, "%Y-%m-%d %H:%M:%S", &tm);
		strcat(ref, ".123456");
		vgi_fmt_iso_us(out, secs[i] * 1000000 + 123456, 0);
		CHECK_EQ_STR(out, ref);
	}
	/* every day over 1900..2200 round-trips through civil dates */
	for (i = 0; i < 110000; i++) {
		int64_t day = (int64_t)i - 25567;
		int y;
		unsigned m, d;
		vgi_civil_from_days(day, &y, &m, &d);
		if (vgi_days_from_civil(y, m, d) != day) {
			vgt_fail(__FILE__, __LINE__, "day %lld", (long long)day);
			break;
		}
	}
	vgi_fmt_epoch_us(out, 1709521102552441LL);
	CHECK_EQ_STR(out, "1709521102.552441");
	vgi_fmt_epoch_us(out, 5);
	CHECK_EQ_STR(out, "0.000005");
}

TEST(fields_parse_times)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	CHECK_EQ_INT(vg_field_parse(VG_F_STIME, "1709521102.552441", 17, &f), VG_OK);
	CHECK_EQ_INT(f.stime_us, 1709521102552441LL);
	CHECK_EQ_INT(vg_field_parse(VG_F_STIME, "2024-03-04 02:58:22.552", 23, &f), VG_OK);
	CHECK_EQ_INT(f.stime_us, 1709521102552000LL);
	CHECK_EQ_INT(vg_field_parse(VG_F_STIME, "2024-03-04T02:58:22Z", 20, &f), VG_OK);
	CHECK_EQ_INT(f.stime_us, 1709521102000000LL);
	CHECK_EQ_INT(vg_field_parse(VG_F_STIME, "12", 2, &f), VG_OK);
	CHECK_EQ_INT(f.stime_us, 12000000);
	CHECK_EQ_INT(vg_field_parse(VG_F_STIME, "1.", 2, &f), VG_EINVAL);
	CHECK_EQ_INT(vg_field_parse(VG_F_STIME, "x", 1, &f), VG_EINVAL);
	CHECK_EQ_INT(vg_field_parse(VG_F_STIME, "", 0, &f), VG_EINVAL);
	CHECK_EQ_INT(vg_field_parse(VG_F_SPORT, "65536", 5, &f), VG_EINVAL);
	CHECK_EQ_INT(vg_field_parse(VG_F_SPKTS, "18446744073709551616", 20, &f), VG_EINVAL);
	CHECK_EQ_INT(vg_field_parse(VG_F_SPKTS, "18446744073709551615", 20, &f), VG_OK);
	CHECK_EQ_INT(vg_field_parse(VG_F_STATE, "FIN", 3, &f), VG_OK);
	CHECK_EQ_INT(f.state, VG_ST_FIN);
	CHECK_EQ_INT(vg_field_parse(VG_F_STATE, "XYZ", 3, &f), VG_EINVAL);
}

TEST(fields_styles)
{
	vg_flow f;
	char out[VG_FIELD_MAX];
	memset(&f, 0, sizeof f);
	f.family = VG_FAM_IP4;
	f.proto = 1;
	f.sport = 3;  /* unreachable */
	f.dport = 3;  /* port */
	f.icmp_id = 9998;
	f.stime_us = 1709521102552441LL;
	vg_flow_derive_state(&f);
	vg_field_format(VG_F_SPORT, &f, VG_STYLE_RA, out);
	CHECK_EQ_STR(out, "0x0303");
	vg_field_format(VG_F_DPORT, &f, VG_STYLE_RA, out);
	CHECK_EQ_STR(out, "0x0e27");
	vg_field_format(VG_F_SPORT, &f, VG_STYLE_JSON, out);
	CHECK_EQ_STR(out, "3");
	vg_field_format(VG_F_STATE, &f, VG_STYLE_JSON, out);
	CHECK_EQ_STR(out, "\"URP\"");
	vg_field_format(VG_F_STIME, &f, VG_STYLE_JSON, out);
	CHECK_EQ_STR(out, "\"2024-03-04T02:58:22.552441Z\"");
	vg_field_format(VG_F_STIME, &f, VG_STYLE_TEXT, out);
	CHECK_EQ_STR(out, "2024-03-04 02:58:22.552441");
	vg_field_format(VG_F_PROTO, &f, VG_STYLE_JSON, out);
	CHECK_EQ_STR(out, "\"icmp\"");
	f.family = VG_FAM_ARP;
	vg_field_format(VG_F_SPORT, &f, VG_STYLE_RA, out);
	CHECK_EQ_STR(out, "");
	vg_field_format(VG_F_SPORT, &f, VG_STYLE_JSON, out);
	CHECK_EQ_STR(out, "null");
	f.family = VG_FAM_IP4;
	f.proto = 200;
	vg_field_format(VG_F_PROTO, &f, VG_STYLE_RA, out);
	CHECK_EQ_STR(out, "200");
	f.sflags = VG_TH_SYN | VG_TH_ACK;
	vg_field_format(VG_F_SFLAGS, &f, VG_STYLE_RA, out);
	CHECK_EQ_STR(out, "SA");
}
