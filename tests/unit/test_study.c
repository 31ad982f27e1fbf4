/*
 * test_study.c - the site description and the study on tiny hand-made flow
 * sets, one edge at a time: classes, day boundaries and zones, IPv6
 * sources, ICMP-only sources, one-day sources, buckets, ports in several
 * classes, bad site files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "harness.h"

#define S 1000000LL
#define DAY (86400 * S)
#define T0 (1709510400LL * S) /* 2024-03-04 00:00:00 UTC */

static vg_flow fl(const char *src, const char *dst, int proto, unsigned dport, int64_t t)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.family = (uint8_t)(vg_addr_parse(&f.saddr, src, strlen(src)) == 6 ? VG_FAM_IP6 : VG_FAM_IP4);
	vg_addr_parse(&f.daddr, dst, strlen(dst));
	f.proto = (uint8_t)proto;
	f.dport = (uint16_t)dport;
	if (proto == 1 || proto == 58)
		f.sport = (uint16_t)(dport >> 8), f.dport = (uint16_t)(dport & 0xff);
	f.stime_us = f.ltime_us = t;
	f.spkts = 1;
	f.n_records = 1;
	return f;
}

static vg_site *site_of(const char *const *kv)
{
	vg_site *s;
	char err[256];
	CHECK_EQ_INT(vg_site_create(&s), VG_OK);
	for (; kv && kv[0]; kv += 2)
		if (vg_site_set(s, kv[0], kv[1], err, sizeof err) != VG_OK)
			vgt_fail(__FILE__, __LINE__, "%s: %s", kv[0], err);
	return s;
}

static vg_study *run(vg_site *site, const vg_flow *f, size_t n)
{
	vg_study *st;
	char err[256];
	CHECK_EQ_INT(vg_study_create(&st, site, err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_study_add(st, f, n), VG_OK);
	CHECK_EQ_INT(vg_study_finish(st), VG_OK);
	return st;
}

TEST(study_classes)
{
	static const char *const kv[] = {"monitored", "192.0.2.0/28, 2001:db8::/64",
					 "service", "192.0.2.1:80/tcp", NULL};
	vg_site *s = site_of(kv);
	vg_flow f[7];
	vg_study *st;
	f[0] = fl("203.0.113.5", "192.0.2.1", 6, 80, T0);    /* service */
	f[1] = fl("203.0.113.5", "192.0.2.1", 6, 81, T0);    /* unsolicited */
	f[2] = fl("192.0.2.3", "198.51.100.1", 6, 443, T0);  /* outbound */
	f[3] = fl("192.0.2.3", "192.0.2.4", 17, 53, T0);     /* internal */
	f[4] = fl("198.51.100.1", "198.51.100.2", 6, 1, T0); /* other */
	f[5] = fl("2001:db8:1::1", "2001:db8::9", 6, 22, T0); /* v6 unsolicited */
	f[6] = fl("192.0.2.16", "192.0.2.15", 17, 7, T0);    /* .16 is outside /28 */
	CHECK_EQ_INT(vg_site_classify(s, &f[0]), VG_CLASS_SERVICE);
	CHECK_EQ_INT(vg_site_classify(s, &f[1]), VG_CLASS_UNSOLICITED);
	CHECK_EQ_INT(vg_site_classify(s, &f[2]), VG_CLASS_OUTBOUND);
	CHECK_EQ_INT(vg_site_classify(s, &f[3]), VG_CLASS_INTERNAL);
	CHECK_EQ_INT(vg_site_classify(s, &f[4]), VG_CLASS_OTHER);
	CHECK_EQ_INT(vg_site_classify(s, &f[5]), VG_CLASS_UNSOLICITED);
	CHECK_EQ_INT(vg_site_classify(s, &f[6]), VG_CLASS_UNSOLICITED);
	st = run(s, f, 7);
	CHECK_EQ_INT(st->res.n_class[VG_CLASS_UNSOLICITED], 3);
	CHECK_EQ_INT(st->res.n_class[VG_CLASS_SERVICE], 1);
	CHECK_EQ_INT(st->res.n_class[VG_CLASS_OUTBOUND], 1);
	CHECK_EQ_INT(st->res.n_class[VG_CLASS_INTERNAL], 1);
	CHECK_EQ_INT(st->res.n_class[VG_CLASS_OTHER], 1);
	CHECK_EQ_INT(st->res.sources, 3); /* one of them IPv6 */
	vg_study_free(st);
	vg_site_free(s);
}

/* Backscatter: answers to packets spoofed in our name, a class of their
 * own, per victim (the outside side, whichever way the record runs). */
TEST(study_backscatter)
{
	static const char *const kv[] = {"monitored", "192.0.2.0/28", NULL};
	vg_site *s = site_of(kv);
	vg_flow f[10];
	vg_study *st;
	const struct vgi_results *r;
	int i;
	for (i = 0; i < 3; i++) { /* SYN/ACKs from port 80 of a victim */
		f[i] = fl("198.51.100.80", "192.0.2.1", 6, 20000 + (unsigned)i, T0 + i * S);
		f[i].sport = 80;
		f[i].sflags = VG_TH_SYN | VG_TH_ACK;
		f[i].tcp_status = VG_TCP_SAW_SYNACK;
		f[i].spkts = 2;
	}
	/* a reset from port 443, turned round by ra's rules: our host the source */
	f[3] = fl("192.0.2.2", "198.51.100.77", 6, 443, T0 + DAY);
	f[3].sport = 30000;
	f[3].spkts = 0;
	f[3].dpkts = 1;
	f[3].dflags = VG_TH_RST;
	f[4] = fl("198.51.100.99", "192.0.2.3", 1, 3 << 8 | 3, T0 + DAY); /* port unreachable */
	f[5] = fl("198.51.100.5", "192.0.2.3", 1, 8 << 8, T0);            /* echo request */
	f[6] = fl("198.51.100.6", "192.0.2.3", 6, 22, T0);                /* a FIN probe */
	f[6].sflags = VG_TH_FIN;
	f[7] = fl("198.51.100.7", "192.0.2.3", 6, 80, T0);                /* an ACK probe */
	f[7].sflags = VG_TH_ACK;
	f[8] = fl("198.51.100.8", "192.0.2.3", 6, 80, T0);                /* SYN/ACK with data */
	f[8].sflags = VG_TH_SYN | VG_TH_ACK | VG_TH_PSH;
	f[9] = fl("192.0.2.4", "198.51.100.9", 6, 443, T0);               /* our own client */
	f[9].sflags = VG_TH_SYN;
	f[9].tcp_status = VG_TCP_SAW_SYN;
	for (i = 0; i < 5; i++)
		CHECK_EQ_INT(vg_site_classify(s, &f[i]), VG_CLASS_BACKSCATTER);
	for (i = 5; i < 9; i++)
		CHECK_EQ_INT(vg_site_classify(s, &f[i]), VG_CLASS_UNSOLICITED);
	CHECK_EQ_INT(vg_site_classify(s, &f[9]), VG_CLASS_OUTBOUND);
	st = run(s, f, 10);
	r = &st->res;
	CHECK_EQ_INT(r->n_class[VG_CLASS_BACKSCATTER], 5);
	CHECK_EQ_INT(r->sources, 4); /* victims are no sources */
	CHECK_EQ_INT(r->bs_victims, 3);
	CHECK_EQ_INT(r->bs_conns, 5);
	CHECK_EQ_INT(r->bs_pkts, 8);
	CHECK_EQ_INT(r->n_days, 2);
	CHECK_EQ_INT(r->bs_days[0].victims, 1);
	CHECK_EQ_INT(r->bs_days[0].pkts, 6);
	CHECK_EQ_INT(r->bs_days[1].victims, 2);
	CHECK_EQ_INT(r->n_victims, 3);
	if (r->n_victims == 3) {
		char a[46];
		vg_addr_format(&r->victims[0].addr, VG_FAM_IP4, a);
		CHECK_EQ_STR(a, "198.51.100.80");
		CHECK_EQ_INT(r->victims[0].port, 80);
		CHECK_EQ_INT(r->victims[0].conns, 3);
		vg_addr_format(&r->victims[1].addr, VG_FAM_IP4, a);
		CHECK_EQ_STR(a, "198.51.100.77"); /* 1 packet; ties by address */
		CHECK_EQ_INT(r->victims[1].port, 443);
		CHECK_EQ_INT(r->victims[2].port, 3 << 8 | 3);
	}
	vg_study_free(st);
	vg_site_free(s);
}

TEST(study_day_boundaries_and_zones)
{
	static const char *const utc[] = {"monitored", "192.0.2.1", NULL};
	static const char *const east[] = {"monitored", "192.0.2.1", "tz", "+02:00", NULL};
	static const char *const west[] = {"monitored", "192.0.2.1", "tz", "-00:30", NULL};
	vg_flow f[3];
	vg_site *s;
	vg_study *st;
	f[0] = fl("203.0.113.1", "192.0.2.1", 6, 445, T0 + DAY - 1); /* 23:59:59.999999 */
	f[1] = fl("203.0.113.1", "192.0.2.1", 6, 445, T0 + DAY);     /* 00:00 next day */
	f[2] = fl("203.0.113.2", "192.0.2.1", 6, 445, T0 + 22 * 3600 * S);
	s = site_of(utc);
	st = run(s, f, 3);
	CHECK_EQ_INT(st->res.n_days, 2);
	CHECK_EQ_INT(st->res.days[0].conns, 2);
	CHECK_EQ_INT(st->res.days[1].conns, 1);
	CHECK_EQ_INT(st->res.days[0].new_sources, 2);
	CHECK_EQ_INT(st->res.days[1].new_sources, 0); /* .1 was seen the day before */
	vg_study_free(st);
	vg_site_free(s);
	/* two hours east: 22:00 UTC is the next local day, with the others */
	s = site_of(east);
	st = run(s, f, 3);
	CHECK_EQ_INT(st->res.n_days, 1);
	CHECK_EQ_INT(st->res.days[0].day, (int32_t)(T0 / DAY) + 1);
	CHECK_EQ_INT(st->res.days[0].conns, 3);
	vg_study_free(st);
	vg_site_free(s);
	/* half an hour west: midnight UTC is still the day before */
	s = site_of(west);
	st = run(s, f, 3);
	CHECK_EQ_INT(st->res.n_days, 1);
	CHECK_EQ_INT(st->res.days[0].day, (int32_t)(T0 / DAY));
	vg_study_free(st);
	vg_site_free(s);
	/* times before 1970 floor to the right day too */
	s = site_of(utc);
	CHECK_EQ_INT(vgi_study_day(s, 0), 0);
	CHECK_EQ_INT(vgi_study_day(s, -1), -1);
	CHECK_EQ_INT(vgi_study_day(s, -DAY), -1);
	CHECK_EQ_INT(vgi_study_day(s, -DAY - 1), -2);
	vg_site_free(s);
}

TEST(study_icmp_split_and_buckets)
{
	static const char *const kv[] = {"monitored", "192.0.2.0/24", NULL};
	vg_site *s = site_of(kv);
	vg_flow f[16];
	size_t n = 0;
	int i;
	vg_study *st;
	/* A: ICMP only (two echo requests) on one day */
	f[n++] = fl("198.51.100.1", "192.0.2.1", 1, 8 << 8, T0);
	f[n++] = fl("198.51.100.1", "192.0.2.2", 1, 8 << 8, T0 + 60 * S);
	/* B: ICMP then TCP, two days */
	f[n++] = fl("198.51.100.2", "192.0.2.1", 1, 8 << 8, T0);
	f[n++] = fl("198.51.100.2", "192.0.2.1", 6, 1080, T0 + DAY);
	f[n++] = fl("198.51.100.2", "192.0.2.1", 6, 1080, T0 + DAY + S);
	/* C: no ICMP, ten different days */
	for (i = 0; i < 10; i++)
		f[n++] = fl("2001:db8::c", "192.0.2.3", 6, 445, T0 + i * DAY);
	st = run(s, f, n);
	CHECK_EQ_INT(st->res.conns, n);
	CHECK_EQ_INT(st->res.icmp_sources, 2);
	CHECK_EQ_INT(st->res.icmp_conns, 5);
	CHECK_EQ_INT(st->res.noicmp_sources, 1);
	CHECK_EQ_INT(st->res.noicmp_conns, 10);
	/* buckets 1 | 2-9 | 10-99 | >= 100 */
	CHECK_EQ_INT(st->res.n_buckets, 4);
	CHECK_EQ_INT(st->res.buckets[0].sources, 1);   /* A */
	CHECK_EQ_INT(st->res.buckets[1].sources, 1);   /* B */
	CHECK_EQ_INT(st->res.buckets[1].min_days, 2);
	CHECK_EQ_INT(st->res.buckets[1].max_days, 9);
	CHECK_EQ_INT(st->res.buckets[2].sources, 1);   /* C: exactly 10 days */
	CHECK_EQ_INT(st->res.buckets[2].conns, 10);
	CHECK_EQ_INT(st->res.buckets[3].max_days, 0);  /* open */
	/* B's top port: 1080/tcp twice */
	CHECK_EQ_INT(st->res.buckets[1].top[0].port, 1080);
	CHECK_EQ_INT(st->res.buckets[1].top[0].conns, 2);
	/* ICMP table: echo request, 3 connections from 2 sources */
	CHECK_EQ_INT(st->res.n_icmp, 1);
	CHECK_EQ_INT(st->res.icmp[0].type, 8);
	CHECK_EQ_INT(st->res.icmp[0].conns, 3);
	CHECK_EQ_INT(st->res.icmp[0].sources, 2);
	/* histogram: A 2 conns, B 3 -> bin 2-3; C 10 -> bin 8-15 */
	CHECK_EQ_INT(st->res.hist[1].sources, 2);
	CHECK_EQ_INT(st->res.hist[3].sources, 1);
	/* the period spans 10 days; C is new on day 0, B too, A too */
	CHECK_EQ_INT(st->res.n_days, 10);
	CHECK_EQ_INT(st->res.days[0].new_sources, 3);
	CHECK_EQ_INT(st->res.days[0].psources[VGI_PG_ICMP], 2);
	vg_study_free(st);
	vg_site_free(s);
}

TEST(study_port_classes)
{
	struct vgi_portdb *db;
	struct vgi_portinfo pi;
	char err[256];
	CHECK_EQ_INT(vgi_portdb_load(&db, NULL, err, sizeof err), VG_OK);
	vgi_portdb_lookup(db, 6, 1080, &pi); /* SOCKS and Mydoom.B */
	CHECK(pi.iana && pi.trojan);
	CHECK(pi.iana && strncmp(pi.iana, "socks", pi.iana_len) == 0);
	CHECK_EQ_STR(pi.range, "user");
	vgi_portdb_lookup(db, 6, 3150, &pi); /* Mydoom.A range 3127-3198 */
	CHECK(pi.trojan && strncmp(pi.trojan, "Mydoom.A", 8) == 0);
	vgi_portdb_lookup(db, 17, 3150, &pi); /* Deep Throat is UDP */
	CHECK(pi.trojan && strncmp(pi.trojan, "Deep Throat", 11) == 0);
	vgi_portdb_lookup(db, 6, 445, &pi);
	CHECK(pi.iana && !pi.trojan);
	CHECK_EQ_STR(pi.range, "system");
	vgi_portdb_lookup(db, 6, 64999, &pi);
	CHECK(!pi.trojan);
	CHECK_EQ_STR(pi.range, "dynamic");
	vgi_portdb_lookup(db, 6, 3, &pi); /* IANA reserved: no name */
	CHECK(!pi.iana && !pi.svc && !pi.trojan);
	vgi_portdb_free(db);
}

TEST(study_services_file)
{
	char path[] = "/tmp/vigil-svcXXXXXX", err[256];
	int fd = mkstemp(path);
	struct vgi_portdb *db;
	struct vgi_portinfo pi;
	const char text[] = "# site names\nours-admin   64999/tcp  # comment\nbad line\n";
	CHECK(fd >= 0);
	CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
	close(fd);
	CHECK_EQ_INT(vgi_portdb_load(&db, path, err, sizeof err), VG_OK);
	vgi_portdb_lookup(db, 6, 64999, &pi);
	CHECK(pi.svc && strncmp(pi.svc, "ours-admin", pi.svc_len) == 0 && pi.svc_len == 10);
	vgi_portdb_free(db);
	unlink(path);
	CHECK_EQ_INT(vgi_portdb_load(&db, "/nonexistent/services", err, sizeof err), VG_EIO);
	CHECK(strstr(err, "/nonexistent/services: cannot open") != NULL);
}

TEST(study_site_errors)
{
	static const struct {
		const char *key, *value, *msg;
	} bad[] = {
		{"monitored", "192.0.2.0/33", "not an address"},
		{"monitored", "192.0.2.9-192.0.2.1", "not an address"},
		{"service", "192.0.2.1", "not ADDRS:PORTS"},
		{"service", "192.0.2.1:70000/tcp", "not ADDRS:PORTS"},
		{"service", "192.0.2.1:80/xyz", "protocol must be"},
		{"hot-ports", "445", "not PORT/PROTO"},
		{"buckets", "10,5", "increasing"},
		{"buckets", "0", "increasing"},
		{"tz", "Mars/Olympus_Mons", "unknown time zone"},
		{"tz", "../../etc/passwd", "not a time zone name"},
		{"top", "0", "not a number"},
		{"idle", "-1", "not a number"},
		{"monitor", "x", "unknown key"},
	};
	size_t i;
	vg_site *s;
	char err[256];
	vg_site_create(&s);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK_EQ_INT(vg_site_set(s, bad[i].key, bad[i].value, err, sizeof err), VG_EINVAL);
		if (!strstr(err, bad[i].msg))
			vgt_fail(__FILE__, __LINE__, "%s=%s: '%s'", bad[i].key, bad[i].value, err);
	}
	CHECK_EQ_INT(vg_site_check(s, err, sizeof err), VG_EINVAL);
	CHECK(strstr(err, "no monitored network") != NULL);
	vg_site_free(s);
}

TEST(study_site_file)
{
	char path[] = "/tmp/vigil-siteXXXXXX", err[512];
	const char text[] = "# comment line\n\nmonitored = 192.0.2.0/24   # trailing comment\n"
			    "service = 192.0.2.1:80\n  top=5\nsevice = 192.0.2.2:22\n";
	int fd = mkstemp(path);
	vg_site *s;
	CHECK(fd >= 0);
	CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
	close(fd);
	vg_site_create(&s);
	CHECK_EQ_INT(vg_site_load(s, path, err, sizeof err), VG_EINVAL);
	/* names the file, the line and the key */
	CHECK(strstr(err, ":6: sevice: unknown key") != NULL);
	CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK_EQ_INT(s->top, 5);
	CHECK_EQ_INT(s->n_svc, 1);
	vg_site_free(s);
	unlink(path);
}

TEST(study_ranges_cover_exactly)
{
	static const char *const kv[] = {"monitored", "10.0.0.5-10.0.1.2", NULL};
	vg_site *s = site_of(kv);
	vg_addr a;
	unsigned i;
	int inside = 0;
	for (i = 0; i < 512; i++) {
		vg_addr_from_ip4(&a, 0x0a000000u + i);
		inside += vgi_site_in_monitored(s, &a);
		CHECK_EQ_INT(vgi_site_in_monitored(s, &a), i >= 5 && i <= 258);
	}
	CHECK_EQ_INT(inside, 254);
	vg_site_free(s);
}

TEST(study_named_zone_follows_summer_time)
{
	static const char *const kv[] = {"monitored", "192.0.2.1", "tz", "Europe/Berlin", NULL};
	vg_site *s = site_of(kv);
	/* 2024-03-31 22:30 UTC = 00:30 CEST on 1 April (summer time, +2) */
	int64_t summer = 1711924200LL * S;
	/* 2024-01-15 23:30 UTC = 00:30 CET on 16 January (+1) */
	int64_t winter = 1705361400LL * S;
	CHECK_EQ_STR(s->tz_name, "Europe/Berlin");
	CHECK_EQ_INT(vgi_study_day(s, summer), vgi_days_from_civil(2024, 4, 1));
	CHECK_EQ_INT(vgi_study_day(s, winter), vgi_days_from_civil(2024, 1, 16));
	/* 21:30 UTC on 31 March is 23:30 CEST: still 31 March */
	CHECK_EQ_INT(vgi_study_day(s, summer - 3600 * S), vgi_days_from_civil(2024, 3, 31));
	vg_site_free(s);
}

TEST(study_tzif_damage)
{
	char err[256];
	struct vgi_tz tz;
	uint8_t *buf;
	size_t len, cut;
	FILE *fp = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
	long n;
	if (!fp) {
		vgt_fail(__FILE__, __LINE__, "no tzdata");
		return;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n);
	len = fread(buf, 1, (size_t)n, fp);
	fclose(fp);
	CHECK_EQ_INT(vgi_tz_parse(&tz, buf, len, err, sizeof err), VG_OK);
	CHECK(tz.n > 100);
	/* 2024-07-01 12:00 UTC: CEST */
	CHECK_EQ_INT(vgi_tz_offset(&tz, 1719835200), 7200);
	CHECK_EQ_INT(vgi_tz_offset(&tz, 1704110400), 3600);
	vgi_tz_free(&tz);
	/* every cut of the file is refused or read, never more */
	for (cut = 0; cut < len; cut += 7) {
		int rc = vgi_tz_parse(&tz, buf, cut, err, sizeof err);
		CHECK(rc == VG_OK || rc == VG_EFORMAT);
		vgi_tz_free(&tz);
	}
	CHECK_EQ_INT(vgi_tz_parse(&tz, (const uint8_t *)"TZif2", 5, err, sizeof err), VG_EFORMAT);
	free(buf);
}

/* The HTML page's matrix: sources ranked by address (IPv4 before IPv6),
 * TCP then UDP ports (+65536), ICMP left out; binned when asked for. */
static char *page_of(vg_study *st, size_t max_cells)
{
	char *buf = NULL;
	size_t len = 0;
	vg_html_opts o = {NULL, 0, max_cells};
	FILE *fp = open_memstream(&buf, &len);
	CHECK(fp != NULL);
	CHECK_EQ_INT(vg_study_write_html(st, fp, &o), VG_OK);
	fclose(fp);
	return buf;
}

TEST(study_html_matrix)
{
	static const char *const kv[] = {"monitored", "192.0.2.0/28, 2001:db8::/64", NULL};
	vg_site *s = site_of(kv);
	vg_flow f[6];
	vg_study *st;
	char err[256], *page, *m;
	f[0] = fl("2001:db8:1::1", "2001:db8::9", 6, 22, T0);
	f[1] = fl("2001:db8:1::1", "2001:db8::9", 6, 22, T0 + S);
	f[2] = fl("203.0.113.9", "192.0.2.1", 17, 53, T0);
	f[3] = fl("198.51.100.7", "192.0.2.2", 6, 445, T0);
	f[4] = fl("198.51.100.7", "192.0.2.2", 1, 8 << 8, T0);
	f[5] = fl("198.51.100.7", "192.0.2.3", 6, 445, T0 + DAY);

	CHECK_EQ_INT(vg_study_write_html(NULL, stdout, NULL), VG_EINVAL);
	CHECK_EQ_INT(vg_study_create(&st, s, err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_study_add(st, f, 6), VG_OK);
	CHECK_EQ_INT(vg_study_write_html(st, stdout, NULL), VG_EINVAL); /* not finished */
	CHECK_EQ_INT(vg_study_finish(st), VG_OK);

	page = page_of(st, 0);
	m = strstr(page, "\"matrix\":{\"cells_total\"");
	CHECK(m != NULL);
	{
		static const char want[] =
			"\"matrix\":{\"cells_total\":3,\"aggregated\":false,\"src_per_bin\":1,"
			"\"ports_per_bin\":1,\"udp\":true,\"n_sources\":3,\"n_x\":3,"
			"\"sources\":[\"198.51.100.7\",\"203.0.113.9\",\"2001:db8:1::1\"],"
			"\"cells\":[0,445,2,0,1,65589,1,0,2,22,2,0]}";
		char got[sizeof want];
		snprintf(got, sizeof got, "%s", m);
		CHECK_EQ_STR(got, want);
	}
	CHECK(strstr(page, "<script type=\"application/json\" id=\"vigil-data\">{\"period\":") != NULL);
	free(page);

	/* at most one cell: every source in one bin, TCP and UDP stay apart */
	page = page_of(st, 1);
	m = strstr(page, "\"matrix\":{\"cells_total\"");
	CHECK(m != NULL);
	CHECK(strstr(m, "\"aggregated\":true,\"src_per_bin\":4,\"ports_per_bin\":65536,") != NULL);
	CHECK(strstr(m, "\"sources\":[\"198.51.100.7 - 2001:db8:1::1 (3 sources)\"],"
		       "\"cells\":[0,0,4,0,0,65536,1,0]}") != NULL);
	free(page);
	vg_study_free(st);
	vg_site_free(s);
}

/* vg_study_add_tagged with vg_study_add_scan (the library's path without a
 * pipeline): a sweep's, a port scan's and untagged connections land in
 * their three parts, and "without" leaves out the chosen ones. The events
 * come after their connections, as the detector hands them on. */
TEST(study_tagged_port_scans_and_sweeps)
{
	static const char *const kv[] = {"monitored", "192.0.2.0/28", NULL};
	static const int modes[] = {VG_WITHOUT_PORTSCANS, VG_WITHOUT_SWEEPS, VG_WITHOUT_ALL};
	static const uint64_t left[] = {10 + 2, 3 + 2, 2};
	vg_site *s = site_of(kv);
	vg_flow f[15];
	uint32_t ids[15];
	uint32_t ports[3] = {6u << 16 | 22, 6u << 16 | 80, 6u << 16 | 443};
	uint32_t port445 = 6u << 16 | 445;
	size_t n = 0, m;
	int i;
	char err[256];
	/* A sweeps 445/tcp over ten hosts (event 1), B probes three ports of
	 * one host (event 2: more than scan-sweep-ports), C is in no event */
	for (i = 0; i < 10; i++) {
		char h[32];
		snprintf(h, sizeof h, "192.0.2.%d", i + 1);
		ids[n] = 1;
		f[n++] = fl("198.51.100.1", h, 6, 445, T0 + i * S);
	}
	for (i = 0; i < 3; i++) {
		ids[n] = 2;
		f[n++] = fl("198.51.100.2", "192.0.2.1", 6, ports[i] & 0xffff, T0 + i * S);
	}
	ids[n] = 0;
	f[n++] = fl("198.51.100.3", "192.0.2.1", 6, 8080, T0);
	ids[n] = 0;
	f[n++] = fl("198.51.100.3", "192.0.2.2", 6, 8080, T0 + DAY);
	for (m = 0; m < 3; m++) {
		vg_study *st;
		vg_scan_event e1, e2;
		memset(&e1, 0, sizeof e1);
		e1.id = 1;
		e1.scanner = f[0].saddr;
		e1.family = VG_FAM_IP4;
		e1.detectors = VG_SCAN_HORIZONTAL;
		e1.protos = 1;
		e1.first_us = T0;
		e1.last_us = T0 + 9 * S;
		e1.flows = 10;
		e1.targets = 10;
		e1.n_ports = 1;
		e1.ports = &port445;
		e2 = e1;
		e2.id = 2;
		e2.scanner = f[10].saddr;
		e2.last_us = T0 + 2 * S;
		e2.flows = 3;
		e2.targets = 1;
		e2.n_ports = 3;
		e2.ports = ports;
		CHECK_EQ_INT(vg_study_create(&st, s, err, sizeof err), VG_OK);
		CHECK_EQ_INT(vg_study_set_without(st, modes[m]), VG_OK);
		CHECK_EQ_INT(vg_study_add_tagged(st, f, ids, n), VG_OK);
		CHECK_EQ_INT(vg_study_add_scan(st, &e1), VG_OK);
		CHECK_EQ_INT(vg_study_add_scan(st, &e2), VG_OK);
		CHECK_EQ_INT(vg_study_finish(st), VG_OK);
		CHECK_EQ_INT(st->res.conns, 15);
		CHECK_EQ_INT(st->res.part_conns[0], 3);   /* port scans */
		CHECK_EQ_INT(st->res.part_conns[1], 10);  /* sweeps */
		CHECK_EQ_INT(st->res.part_conns[2], 2);   /* the rest */
		CHECK_EQ_INT(st->res.part_sources[0], 1);
		CHECK_EQ_INT(st->res.part_sources[1], 1);
		CHECK_EQ_INT(st->res.part_sources[2], 1);
		CHECK_EQ_INT(st->res.part_events[0], 1);
		CHECK_EQ_INT(st->res.part_events[1], 1);
		CHECK_EQ_INT(st->res.conns_ns, left[m]);
		CHECK_EQ_INT(st->res.scan_conns, 13);
		vg_study_free(st);
	}
	vg_site_free(s);
}

/* A limit is its own status, and the handles say which one and why. */
TEST(study_errmsg_limit_and_write)
{
	static const char *const kv[] = {"monitored", "192.0.2.0/28", NULL};
	vg_site *s = site_of(kv);
	vg_flow f[2];
	vg_study *st;
	vg_alerts *al;
	char err[256];
	FILE *full = fopen("/dev/full", "w");
	f[0] = fl("198.51.100.7", "192.0.2.1", 6, 22, T0);
	f[1] = fl("198.51.100.8", "192.0.2.2", 6, 22, T0 + 300000LL * DAY); /* 300,000 days on */
	CHECK_EQ_INT(vg_study_create(&st, s, err, sizeof err), VG_OK);
	CHECK_EQ_STR(vg_study_errmsg(st), "");
	CHECK_EQ_INT(vg_study_add(st, f, 2), VG_OK);
	CHECK_EQ_INT(vg_study_finish(st), VG_ELIMIT);
	CHECK(strstr(vg_study_errmsg(st), "span 300001 days") != NULL);
	CHECK(strstr(vg_study_errmsg(st), "at most 200000") != NULL);
	CHECK_EQ_STR(vg_strstatus(VG_ELIMIT), "a limit was reached");
	vg_study_free(st);

	st = run(s, f, 1);
	CHECK(full != NULL);
	if (full) {
		setvbuf(full, NULL, _IONBF, 0);
		CHECK_EQ_INT(vg_study_write(st, full, VG_OUT_TEXT), VG_EIO);
		CHECK(strstr(vg_study_errmsg(st), "write error: No space left on device") != NULL);
	}
	vg_study_free(st);

	CHECK_EQ_INT(vg_alerts_create(&al, s, err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_alerts_add(al, f, NULL, 1), VG_OK);
	CHECK_EQ_INT(vg_alerts_finish(al), VG_OK);
	CHECK_EQ_STR(vg_alerts_errmsg(al), "");
	if (full) {
		/* with the freshness line there is always something to write */
		vg_alerts_set_freshness(al, T0, T0 + DAY, 172800);
		CHECK_EQ_INT(vg_alerts_write(al, full, VG_OUT_JSON, 0), VG_EIO);
		CHECK(strstr(vg_alerts_errmsg(al), "write error") != NULL);
		fclose(full);
	}
	vg_alerts_free(al);
	vg_site_free(s);
}

/* The results API gives the same tables as the CSV files, value by value. */
TEST(study_results_api)
{
	static const char *const kv[] = {"monitored", "192.0.2.0/28", "hot-ports", "22/tcp", NULL};
	vg_site *s = site_of(kv);
	vg_flow f[4];
	vg_study *st;
	vg_value v[32];
	uint64_t cur = 0;
	size_t t, daily = SIZE_MAX, ports = SIZE_MAX, n = 0;
	f[0] = fl("198.51.100.7", "192.0.2.1", 6, 22, T0 + 10 * S);
	f[1] = fl("198.51.100.7", "192.0.2.2", 6, 22, T0 + 20 * S);
	f[2] = fl("198.51.100.8", "192.0.2.2", 17, 53, T0 + DAY + 5 * S);
	f[3] = fl("198.51.100.9", "192.0.2.3", 6, 445, T0 + DAY + 9 * S);
	st = run(s, f, 4);
	for (t = 0; t < vg_study_table_count(); t++) {
		if (strcmp(vg_study_table_name(t), "daily") == 0)
			daily = t;
		if (strcmp(vg_study_table_name(t), "ports") == 0)
			ports = t;
	}
	CHECK(daily != SIZE_MAX && ports != SIZE_MAX);
	if (daily == SIZE_MAX || ports == SIZE_MAX)
		return;
	CHECK_EQ_STR(vg_study_col_name(daily, 1), "connections");
	CHECK_EQ_INT(vg_study_col_type(daily, 0), VG_COL_DAY);
	CHECK_EQ_STR(vg_study_col_unit(daily, 2), "sources");
	CHECK(vg_study_table_name(vg_study_table_count()) == NULL);
	/* day 1: one source, two TCP connections; day 2: two sources, a UDP and a TCP */
	CHECK_EQ_INT(vg_study_row(st, daily, &cur, v), 1);
	CHECK_EQ_STR(v[0].s, "2024-03-04");
	CHECK_EQ_INT((int)v[1].u, 2);
	CHECK_EQ_INT((int)v[2].u, 1);
	CHECK_EQ_INT((int)v[4].u, 2); /* tcp_connections */
	CHECK_EQ_INT(vg_study_row(st, daily, &cur, v), 1);
	CHECK_EQ_STR(v[0].s, "2024-03-05");
	CHECK_EQ_INT((int)v[1].u, 2);
	CHECK_EQ_INT((int)v[2].u, 2);
	CHECK_EQ_INT((int)v[3].u, 2);  /* both new */
	CHECK_EQ_INT((int)v[6].u, 1);  /* udp_connections */
	CHECK_EQ_INT(v[12].null, 1);   /* no scan detection ran */
	CHECK_EQ_INT(vg_study_row(st, daily, &cur, v), 0);
	/* ports by connections: 22/tcp (2), then the others */
	cur = 0;
	while (vg_study_row(st, ports, &cur, v) == 1) {
		if (n++ == 0) {
			CHECK_EQ_STR(v[0].s, "tcp");
			CHECK_EQ_INT((int)v[1].u, 22);
			CHECK_EQ_INT((int)v[2].u, 2);
			CHECK_EQ_STR(v[4].s, "registered");
		}
	}
	CHECK_EQ_INT((int)n, 3);
	/* scans: no scan detection, so no such table in this report */
	for (t = 0; t < vg_study_table_count(); t++)
		if (strcmp(vg_study_table_name(t), "scans") == 0) {
			cur = 0;
			CHECK_EQ_INT(vg_study_row(st, t, &cur, v), 0);
		}
	vg_study_free(st);
	vg_site_free(s);
}
