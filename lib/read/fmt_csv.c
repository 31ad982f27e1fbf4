/*
 * fmt_csv.c - flow records as CSV text: what `vigil dump` writes and what
 * `ra -c ,` prints (with ra's header names, e.g. StartTime, SrcAddr), plain
 * or compressed. The first line names the columns; each later line is one
 * record, its values as vg_field_parse reads them (ra's formatting). A
 * line that does not parse is reported with its line number and offset
 * and skipped; `man` rows are management records.
 */
#include <stdlib.h>

#include "read/read.h"

#define MAX_LINE 65536
#define MAX_COLS 64

struct csv_state {
	int col[MAX_COLS];   /* VG_F_*, or -1 for a column we do not read */
	size_t n_cols;
	uint64_t line;       /* lines read, header included */
};

/* ra's names for its columns (ra -c , -s ...) */
static const struct {
	const char *ra, *ours;
} ra_names[] = {
	{"StartTime", "stime"}, {"LastTime", "ltime"}, {"Proto", "proto"},
	{"SrcAddr", "saddr"}, {"Sport", "sport"}, {"DstAddr", "daddr"},
	{"Dport", "dport"}, {"SrcPkts", "spkts"}, {"DstPkts", "dpkts"},
	{"SrcBytes", "sbytes"}, {"DstBytes", "dbytes"}, {"State", "state"},
	{"Dur", "dur"}, {"TotPkts", "pkts"}, {"TotBytes", "bytes"},
};

static int column_field(const char *s, size_t len)
{
	size_t i;
	int f = vg_field_lookup(s, len);
	if (f >= 0)
		return f;
	for (i = 0; i < sizeof ra_names / sizeof ra_names[0]; i++)
		if (strlen(ra_names[i].ra) == len && memcmp(ra_names[i].ra, s, len) == 0)
			return vg_field_lookup(ra_names[i].ours, strlen(ra_names[i].ours));
	return -1;
}

/* Parses a header line into st; returns how many of the needed columns
 * (start time, protocol, both addresses) it has, -1 if it is not a header. */
static int parse_header(const char *p, size_t len, struct csv_state *st)
{
	size_t i = 0;
	int have = 0;
	st->n_cols = 0;
	while (i <= len) {
		size_t j = i;
		int f;
		while (j < len && p[j] != ',')
			j++;
		if (st->n_cols == MAX_COLS || j == i)
			return -1;
		f = column_field(p + i, j - i);
		if (f < 0) {
			/* an unknown name is fine only if it looks like a name */
			size_t k;
			for (k = i; k < j; k++)
				if (!((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
				      (p[k] >= '0' && p[k] <= '9') || p[k] == '_'))
					return -1;
		}
		have += f == VG_F_STIME || f == VG_F_PROTO || f == VG_F_SADDR || f == VG_F_DADDR;
		st->col[st->n_cols++] = f;
		i = j + 1;
	}
	return have;
}

static int sniff(const uint8_t *p, size_t n)
{
	struct csv_state st;
	size_t len = 0;
	while (len < n && len < 4096 && p[len] != '\n')
		len++;
	if (len == n && n >= 4096)
		return 0;
	if (len && p[len - 1] == '\r')
		len--;
	return parse_header((const char *)p, len, &st) == 4 ? 90 : 0;
}

/* The next line: its start and length (without the newline), and the
 * bytes it takes. 0 at the end of the input; (size_t)-1 on a read error. */
static size_t next_line(vg_reader *r, const char **s, size_t *len)
{
	size_t have = vgi_need(r, 1), want = 4096, n;
	const char *p, *nl;
	for (;;) {
		if (have == (size_t)-1)
			return (size_t)-1;
		if (have == 0)
			return 0;
		p = (const char *)r->buf + r->pos;
		if ((nl = memchr(p, '\n', have)) != NULL) {
			n = (size_t)(nl - p) + 1;
			break;
		}
		if (have < want && have == vgi_need(r, want)) {
			n = have;       /* the last line, without a newline */
			break;
		}
		if (want >= MAX_LINE) {
			n = have;       /* too long: taken whole and rejected */
			break;
		}
		want *= 2;
		have = vgi_need(r, want);
	}
	p = (const char *)r->buf + r->pos;
	*s = p;
	*len = n;
	while (*len && (p[*len - 1] == '\n' || p[*len - 1] == '\r'))
		(*len)--;
	return n;
}

static int open_csv(vg_reader *r)
{
	struct csv_state *st = calloc(1, sizeof *st);
	const char *s;
	size_t len, n;
	if (!st)
		return VG_ENOMEM;
	r->fmt_state = st;
	n = next_line(r, &s, &len);
	if (n == (size_t)-1)
		return VG_EIO;
	if (n == 0 || parse_header(s, len, st) != 4) {
		snprintf(r->errmsg, sizeof r->errmsg, "%s: not a flow CSV: the first line must "
			 "name the columns, with stime, proto, saddr and daddr among them", r->name);
		return VG_EFORMAT;
	}
	r->pos += n;
	st->line = 1;
	return VG_OK;
}

static void close_csv(vg_reader *r)
{
	free(r->fmt_state);
	r->fmt_state = NULL;
}

/* Parses one data line into f; 0, or -1 with the problem in why. */
static int parse_line(const struct csv_state *st, const char *s, size_t len, vg_flow *f,
		      char *why, size_t whylen)
{
	size_t i = 0, c = 0;
	int have_l = 0;
	memset(f, 0, sizeof *f);
	f->kind = VG_REC_FLOW;
	f->n_records = 1;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != ',')
			j++;
		if (c == st->n_cols) {
			snprintf(why, whylen, "more than the %zu columns of the header", st->n_cols);
			return -1;
		}
		if (st->col[c] >= 0 && j > i && vg_field_parse(st->col[c], s + i, j - i, f) != VG_OK) {
			snprintf(why, whylen, "column %zu (%s): bad value '%.*s'", c + 1,
				 vg_field_name(st->col[c]), (int)(j - i > 40 ? 40 : j - i), s + i);
			return -1;
		}
		have_l |= st->col[c] == VG_F_LTIME && j > i;
		if (f->kind == VG_REC_MAN)
			return 0; /* a management row: its other columns are ra's MAR fields */
		c++;
		i = j + 1;
	}
	if (c != st->n_cols) {
		snprintf(why, whylen, "%zu columns, the header has %zu", c, st->n_cols);
		return -1;
	}
	if (f->kind == VG_REC_FLOW && f->family == VG_FAM_NONE) {
		snprintf(why, whylen, "no source or destination address");
		return -1;
	}
	if (!have_l)
		f->ltime_us = f->stime_us;
	if (f->ltime_us < f->stime_us) {
		snprintf(why, whylen, "ltime before stime");
		return -1;
	}
	return 0;
}

static int read_csv(vg_reader *r, vg_flow *out, size_t cap, size_t *nout)
{
	struct csv_state *st = r->fmt_state;
	size_t k = 0;
	int rc = VG_OK;

	while (k < cap) {
		const char *s;
		size_t len, n;
		uint64_t off = vgi_offset(r);
		char why[160];

		n = next_line(r, &s, &len);
		if (n == (size_t)-1) {
			rc = VG_EIO;
			break;
		}
		if (n == 0) {
			rc = VG_DONE;
			break;
		}
		st->line++;
		r->pos += n;
		if (len == 0)
			continue;
		r->rec_no++;
		r->st.n_records++;
		if (len > MAX_LINE - 2 || parse_line(st, s, len, &out[k], why, sizeof why)) {
			if (len > MAX_LINE - 2)
				snprintf(why, sizeof why, "line longer than %d bytes", MAX_LINE);
			r->st.skipped[VG_SKIP_MALFORMED]++;
			snprintf(r->errmsg, sizeof r->errmsg, "%s: line %llu @0x%llx: %s; skipped",
				 r->name, (unsigned long long)st->line, (unsigned long long)off, why);
			rc = VG_ERECORD;
			break;
		}
		if (out[k].kind == VG_REC_MAN) {
			r->st.n_man++;
			if (r->o.keep_man)
				k++;
			continue;
		}
		r->st.n_flows++;
		vgi_note_times(r, &out[k]);
		k++;
	}
	*nout = k;
	return rc;
}

const struct vgi_format vgi_fmt_csv = {
	"csv", "flow records as CSV with a header (vigil dump, ra -c ,)",
	sniff, open_csv, read_csv, close_csv, NULL, NULL,
};
