/*
 * cmd_stats.c - `vigil stats`: what is in the inputs - records by kind,
 * connections after merging status reports, records skipped and why, the
 * time span, per-protocol counts, bytes read and the speed of the run.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil stats [options] -r FILE... [filter]\n"
	      "\n"
	      "Counts what the inputs hold: records (flow, management, skipped by\n"
	      "reason), first and last time, records/packets/bytes per protocol, bytes\n"
	      "read, speed; with --merge also the connections after merging status\n"
	      "reports, in all and per protocol.\n"
	      "\n", fp);
	print_options(fp, V_STATS, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\n"
	      "A filter after the options restricts the counts to matching records.\n", fp);
}

#define N_PROTO 258 /* IP protocols, then ARP, RARP */

struct pcount {
	uint64_t records, conns, pkts, bytes;
};

struct stats_ctx {
	vg_merger *m;
	struct pcount proto[N_PROTO];
};

static unsigned proto_slot(const vg_flow *f)
{
	if (f->family == VG_FAM_ARP)
		return 256;
	if (f->family == VG_FAM_RARP)
		return 257;
	return f->proto;
}

static const char *slot_name(unsigned s, char *buf, size_t len)
{
	const char *n;
	if (s == 256)
		return "arp";
	if (s == 257)
		return "rarp";
	if ((n = vg_proto_name(s)))
		return n;
	snprintf(buf, len, "%u", s);
	return buf;
}

static int on_conn(void *user, const vg_flow *f)
{
	struct stats_ctx *c = user;
	c->proto[proto_slot(f)].conns++;
	return 0;
}

static int consume(void *user, const vg_flow *flows, size_t n)
{
	struct stats_ctx *c = user;
	size_t i;
	for (i = 0; i < n; i++) {
		struct pcount *p = &c->proto[proto_slot(&flows[i])];
		p->records++;
		p->pkts += flows[i].spkts + flows[i].dpkts;
		p->bytes += flows[i].sbytes + flows[i].dbytes;
	}
	return c->m ? vg_merger_add(c->m, flows, n) : 0;
}

static void fmt_time(char *out, int64_t us)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.stime_us = us;
	vg_field_format(VG_F_STIME, &f, VG_STYLE_TEXT, out);
}

void print_stats_text(FILE *fp, const struct totals *t, const vg_merge_stats *ms,
		      double idle_s);

void print_stats_text(FILE *fp, const struct totals *t, const vg_merge_stats *ms,
		      double idle_s)
{
	char a[32], b[32], c[32], d[32];
	const vg_reader_stats *s = &t->rs;
	uint64_t skipped = 0;
	int i;

	for (i = 0; i < VG_SKIP__COUNT; i++)
		if (i != VG_SKIP_GARBAGE)
			skipped += s->skipped[i];
	fprintf(fp, "inputs       %llu read, %llu with errors; %s read, %s decoded\n",
		(unsigned long long)t->n_inputs_read, (unsigned long long)t->n_inputs_failed,
		human_bytes(a, sizeof a, (double)s->bytes_in),
		human_bytes(b, sizeof b, (double)s->bytes_decoded));
	fprintf(fp, "records      %s: %s flow, %s management, %s skipped, %llu errors\n",
		vg_group_digits(s->n_records, a, sizeof a), vg_group_digits(s->n_flows, b, sizeof b),
		vg_group_digits(s->n_man, c, sizeof c), vg_group_digits(skipped, d, sizeof d),
		(unsigned long long)s->n_errors);
	for (i = 0; i < VG_SKIP__COUNT; i++)
		if (s->skipped[i])
			fprintf(fp, "  skipped    %s: %s\n", vg_skip_name(i),
				vg_group_digits(s->skipped[i], a, sizeof a));
	if (t->n_matched != s->n_flows)
		fprintf(fp, "matched      %s flow records passed the filter\n",
			vg_group_digits(t->n_matched, a, sizeof a));
	if (ms)
		fprintf(fp, "connections  %s after merging status reports (idle %g s; "
			"at most %s open at once)\n",
			vg_group_digits(ms->n_out, a, sizeof a), idle_s,
			vg_group_digits(ms->n_peak, b, sizeof b));
	if (s->first_us <= s->last_us) {
		char t1[64], t2[64];
		fmt_time(t1, s->first_us);
		fmt_time(t2, s->last_us);
		fprintf(fp, "time         %s .. %s UTC (%s)\n", t1, t2,
			human_duration(a, sizeof a,
				       (double)(s->last_us - s->first_us) / 1e6));
	}
	fprintf(fp, "speed        %s, %s records/s, %s/s\n",
		human_duration(a, sizeof a, t->seconds),
		human_count(b, sizeof b, t->seconds > 0 ? (double)s->n_records / t->seconds : 0),
		human_bytes(c, sizeof c, t->seconds > 0 ? (double)s->bytes_decoded / t->seconds : 0));
}

static void print_text(FILE *fp, const struct totals *t, const vg_merge_stats *ms,
		       const struct stats_ctx *c, double idle_s)
{
	char a[32], b[32], d[32], e[32], nb[16];
	unsigned i;
	print_stats_text(fp, t, ms, idle_s);
	if (ms)
		fprintf(fp, "%-12s %12s %12s %12s %12s\n", "protocol", "records",
			"connections", "packets", "bytes");
	else
		fprintf(fp, "%-12s %12s %12s %12s\n", "protocol", "records", "packets", "bytes");
	for (i = 0; i < N_PROTO; i++) {
		const struct pcount *p = &c->proto[i];
		if (!p->records)
			continue;
		fprintf(fp, "  %-10s %12s ", slot_name(i, nb, sizeof nb),
			vg_group_digits(p->records, a, sizeof a));
		if (ms)
			fprintf(fp, "%12s ", vg_group_digits(p->conns, b, sizeof b));
		fprintf(fp, "%12s %12s\n", vg_group_digits(p->pkts, d, sizeof d),
			human_bytes(e, sizeof e, (double)p->bytes));
	}
}

static void print_json(FILE *fp, const struct totals *t, const vg_merge_stats *ms,
		       const struct stats_ctx *c, double idle_s)
{
	const vg_reader_stats *s = &t->rs;
	char t1[64], nb[16];
	unsigned i;
	int first = 1;
	static const char *const keys[] = {
		"malformed", "truncated", "garbage_bytes", "record_type", "version",
		"no_flow", "flow_type", "management",
	};

	fprintf(fp, "{\"inputs\":%llu,\"inputs_with_errors\":%llu,\"bytes_in\":%llu,"
		"\"bytes_decoded\":%llu,\"records\":%llu,\"flow_records\":%llu,"
		"\"management_records\":%llu,\"errors\":%llu,\"skipped\":{",
		(unsigned long long)t->n_inputs_read, (unsigned long long)t->n_inputs_failed,
		(unsigned long long)s->bytes_in, (unsigned long long)s->bytes_decoded,
		(unsigned long long)s->n_records, (unsigned long long)s->n_flows,
		(unsigned long long)s->n_man, (unsigned long long)s->n_errors);
	for (i = 0; i < VG_SKIP__COUNT; i++)
		fprintf(fp, "%s\"%s\":%llu", i ? "," : "", keys[i],
			(unsigned long long)s->skipped[i]);
	fprintf(fp, "},\"matched\":%llu,", (unsigned long long)t->n_matched);
	if (ms)
		fprintf(fp, "\"connections\":%llu,\"idle_s\":%g,", (unsigned long long)ms->n_out,
			idle_s);
	else
		fputs("\"connections\":null,", fp);
	if (s->first_us <= s->last_us) {
		vg_flow f;
		memset(&f, 0, sizeof f);
		f.stime_us = s->first_us;
		vg_field_format(VG_F_STIME, &f, VG_STYLE_JSON, t1);
		fprintf(fp, "\"first\":%s,", t1);
		f.stime_us = s->last_us;
		vg_field_format(VG_F_STIME, &f, VG_STYLE_JSON, t1);
		fprintf(fp, "\"last\":%s,", t1);
	} else {
		fprintf(fp, "\"first\":null,\"last\":null,");
	}
	fprintf(fp, "\"protocols\":[");
	for (i = 0; i < N_PROTO; i++) {
		const struct pcount *p = &c->proto[i];
		if (!p->records)
			continue;
		fprintf(fp, "%s{\"proto\":\"%s\",\"records\":%llu,", first ? "" : ",",
			slot_name(i, nb, sizeof nb), (unsigned long long)p->records);
		if (ms)
			fprintf(fp, "\"connections\":%llu,", (unsigned long long)p->conns);
		fprintf(fp, "\"packets\":%llu,\"bytes\":%llu}", (unsigned long long)p->pkts,
			(unsigned long long)p->bytes);
		first = 0;
	}
	fprintf(fp, "],\"seconds\":%.6f,\"records_per_second\":%.0f}\n", t->seconds,
		t->seconds > 0 ? (double)s->n_records / t->seconds : 0.0);
}

int cmd_stats(int argc, char **argv)
{
	struct opts o;
	struct totals t;
	struct stats_ctx *c;
	vg_merge_opts mo = {0};
	vg_merge_stats ms;
	int ec, rc, fd;
	FILE *fp;

	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	if (o.outfmt < 0)
		o.outfmt = VG_OUT_TEXT;
	if (!(c = calloc(1, sizeof *c))) {
		free_opts(&o);
		return EXIT_INTERNAL;
	}
	mo.idle_us = (int64_t)(o.idle_s * 1e6);
	if (o.merge && vg_merger_create(&c->m, &mo, on_conn, c) != VG_OK) {
		warnx_("out of memory");
		free(c);
		free_opts(&o);
		return EXIT_INTERNAL;
	}
	rc = run_inputs(&o, consume, c, &t);
	if (c->m) {
		vg_merger_flush(c->m);
		vg_merger_get_stats(c->m, &ms);
	}
	if ((fd = open_output(&o)) < 0) {
		ec = EXIT_INTERNAL;
		goto out;
	}
	fp = fd == 1 ? stdout : fdopen(fd, "w");
	if (o.outfmt == VG_OUT_JSON)
		print_json(fp, &t, c->m ? &ms : NULL, c, o.idle_s);
	else
		print_text(fp, &t, c->m ? &ms : NULL, c, o.idle_s);
	if (fflush(fp) != 0 || ferror(fp))
		rc = 1;
	if (fp != stdout)
		fclose(fp);
	ec = rc ? EXIT_INTERNAL : t.input_error ? EXIT_INPUT : EXIT_OK;
out:
	vg_merger_free(c->m);
	free(c);
	free_opts(&o);
	return ec;
}
