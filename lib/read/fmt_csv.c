/*
 * fmt_csv.c - flow records as text. CSV: what `vigil dump` writes, what
 * `ra -c ,` prints (with ra's header names, e.g. StartTime, SrcAddr) and
 * what `nfdump -o csv` prints (ts,te,td,sa,da,sp,dp,pr,flg,...: one-way
 * flows, times in UTC as `TZ=UTC nfdump` writes them, the "Summary" block
 * at the end ignored), plain or compressed. The first line names the columns; each later line is one
 * record, its values as vg_field_parse reads them (ra's formatting). A
 * line that does not parse is reported with its line number and offset
 * and skipped; `man` rows are management records. NDJSON: what
 * `vigil dump -o json` writes (below).
 */
#include <stdlib.h>

#include "read/read.h"

#define MAX_LINE 65536
#define MAX_COLS 64

/* nfdump's columns we read (nfdump -o csv) */
enum { NF_NONE = -1, NF_TS = 1000, NF_TE, NF_SA, NF_DA, NF_SP, NF_DP, NF_PR, NF_FLG,
       NF_IPKT, NF_IBYT, NF_OPKT, NF_OBYT };

struct csv_state {
	int col[MAX_COLS];   /* VG_F_*, NF_*, or -1 for a column we do not read */
	size_t n_cols;
	int nfdump;          /* the header is nfdump's */
	int done;            /* nfdump's "Summary" line was reached */
	uint64_t line;       /* lines read, header included */
};

static const struct {
	const char *name;
	int col;
} nf_names[] = {
	{"ts", NF_TS}, {"te", NF_TE}, {"sa", NF_SA}, {"da", NF_DA}, {"sp", NF_SP},
	{"dp", NF_DP}, {"pr", NF_PR}, {"flg", NF_FLG}, {"ipkt", NF_IPKT}, {"ibyt", NF_IBYT},
	{"opkt", NF_OPKT}, {"obyt", NF_OBYT},
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
	st->nfdump = len >= 23 && memcmp(p, "ts,te,td,sa,da,sp,dp,pr", 23) == 0;
	while (i <= len) {
		size_t j = i;
		int f;
		while (j < len && p[j] != ',')
			j++;
		if (st->n_cols == MAX_COLS || j == i)
			return -1;
		f = -1;
		if (st->nfdump) {
			size_t k;
			for (k = 0; k < sizeof nf_names / sizeof nf_names[0]; k++)
				if (strlen(nf_names[k].name) == j - i &&
				    memcmp(nf_names[k].name, p + i, j - i) == 0)
					f = nf_names[k].col;
			have += f == NF_TS || f == NF_PR || f == NF_SA || f == NF_DA;
			st->col[st->n_cols++] = f;
			i = j + 1;
			continue;
		}
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

/* "2024-03-04 03:16:34[.123]" (UTC) -> microseconds */
static int nf_time(const char *s, size_t len, int64_t *us)
{
	int y, mo, d, h, mi, se, n = 0;
	long frac = 0, scale = 1000000;
	char buf[40];
	int64_t days;
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1970 ||
	    h < 0 || mi < 0 || se < 0)
		return -1;
	if (buf[n] == '.') {
		n++;
		while (buf[n] >= '0' && buf[n] <= '9' && scale > 1) {
			scale /= 10;
			frac += (buf[n++] - '0') * scale;
		}
	}
	if (buf[n])
		return -1;
	/* days since 1970-01-01 (civil calendar) */
	{
		int yy = y - (mo <= 2), era = yy / 400;
		unsigned yoe = (unsigned)(yy - era * 400);
		unsigned doy = (unsigned)((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1);
		unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
		days = (int64_t)era * 146097 + doe - 719468;
	}
	*us = ((days * 86400 + h * 3600 + mi * 60 + se) * 1000000) + frac;
	return 0;
}

static int nf_uint(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	size_t i;
	uint64_t x = 0;
	while (len && *s == ' ')
		s++, len--;
	if (!len)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* One nfdump column into f. */
static int nf_column(int col, const char *s, size_t len, vg_flow *f)
{
	uint64_t v;
	switch (col) {
	case NF_TS:
		return nf_time(s, len, &f->stime_us);
	case NF_TE:
		return nf_time(s, len, &f->ltime_us);
	case NF_SA:
	case NF_DA: {
		vg_addr a;
		int fam = vg_addr_parse(&a, s, len);
		if (!fam)
			return -1;
		if (col == NF_SA)
			f->saddr = a;
		else
			f->daddr = a;
		f->family = (uint8_t)(fam == 4 ? VG_FAM_IP4 : VG_FAM_IP6);
		return 0;
	}
	case NF_SP:
	case NF_DP:
		if (nf_uint(s, len, 65535, &v))
			return -1;
		if (col == NF_SP)
			f->sport = (uint16_t)v;
		else
			f->dport = (uint16_t)v;
		return 0;
	case NF_PR: {
		char low[16];
		size_t i;
		int p;
		if (len >= sizeof low)
			return -1;
		for (i = 0; i < len; i++)
			low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
		if (len == 5 && memcmp(low, "icmp6", 5) == 0)
			p = 58;
		else if ((p = vg_proto_parse(low, len)) < 0)
			return -1;
		f->proto = (uint8_t)p;
		return 0;
	}
	case NF_FLG: {
		/* "CEUAPRSF", a dot for a flag not set */
		static const uint8_t bit[8] = {VG_TH_CWR, VG_TH_ECE, VG_TH_URG, VG_TH_ACK,
					       VG_TH_PSH, VG_TH_RST, VG_TH_SYN, VG_TH_FIN};
		size_t i;
		if (len != 8)
			return len == 0 ? 0 : -1;
		for (i = 0; i < 8; i++)
			if (s[i] != '.')
				f->sflags |= bit[i];
		return 0;
	}
	case NF_IPKT:
	case NF_IBYT:
	case NF_OPKT:
	case NF_OBYT:
		if (nf_uint(s, len, UINT64_MAX, &v))
			return -1;
		if (col == NF_IPKT)
			f->spkts = v;
		else if (col == NF_IBYT)
			f->sbytes = v;
		else if (col == NF_OPKT)
			f->dpkts = v;
		else
			f->dbytes = v;
		return 0;
	}
	return 0;
}

/* A two-way TCP row of ra's or vigil's CSV carries the state ra printed,
 * not Argus's state bits: the bits that state and the counters imply, so
 * that the scan detector reads the same answer as from the Argus record.
 * A reset with one packet each way is the refusal of a closed port (SYN,
 * RST back); one packet back but more sent is a half-open probe of an open
 * port (SYN, SYN-ACK back, RST from the prober); more back, a connection
 * that was reset. */
static void twoway_tcp_status(vg_flow *f)
{
	uint32_t st = 0;
	int back = f->dpkts > 0;
	switch (f->state) {
	case VG_ST_REQ: st = VG_TCP_SAW_SYN; break;
	case VG_ST_ACC: st = VG_TCP_SAW_SYN | VG_TCP_SAW_SYNACK; break;
	case VG_ST_CON:
	case VG_ST_TIM: st = back ? VG_TCP_ESTABLISHED : 0; break;
	case VG_ST_FIN: st = back ? VG_TCP_ESTABLISHED | VG_TCP_FIN : VG_TCP_FIN; break;
	case VG_ST_CLO: st = back ? VG_TCP_ESTABLISHED | VG_TCP_NORMAL_CLOSE : 0; break;
	case VG_ST_RST:
		if (!back)
			st = VG_TCP_SRC_RESET;
		else if (f->dpkts == 1 && f->spkts <= 1)
			st = VG_TCP_SAW_SYN | VG_TCP_DST_RESET;
		else if (f->dpkts == 1)
			st = VG_TCP_SAW_SYN | VG_TCP_SAW_SYNACK | VG_TCP_SRC_RESET;
		else
			st = VG_TCP_ESTABLISHED | VG_TCP_DST_RESET;
		break;
	default: break;
	}
	f->tcp_status = st;
}

/* A two-way TCP row with its flags each way (vigil's sflags and dflags
 * columns, or ra -Z b's "SA_R" state): the state bits as vigil's meter
 * would set them. A flag on a flow's only packet that carried a SYN or a
 * reset is that packet's, so it proves no later ACK. */
static void flags_tcp_status(vg_flow *f)
{
	unsigned s = f->sflags, d = f->dflags;
	uint32_t st = 0;
	int s_synack = (s & VG_TH_SYN) && (s & VG_TH_ACK) && !(d & VG_TH_SYN);
	int s_ack = (s & VG_TH_ACK) && !(f->spkts <= 1 && (s & (VG_TH_SYN | VG_TH_RST)));
	int d_ack = (d & VG_TH_ACK) && !(f->dpkts <= 1 && (d & (VG_TH_SYN | VG_TH_RST)));
	if ((s & VG_TH_SYN) && !s_synack)
		st |= VG_TCP_SAW_SYN;
	if (((d & VG_TH_SYN) && (d & VG_TH_ACK)) || s_synack)
		st |= VG_TCP_SAW_SYNACK;
	if ((s_ack && (st & VG_TCP_SAW_SYNACK)) ||
	    (!(st & (VG_TCP_SAW_SYN | VG_TCP_SAW_SYNACK)) && (s_ack || d_ack)))
		st |= VG_TCP_ESTABLISHED;
	if ((s | d) & VG_TH_FIN)
		st |= (s & d & VG_TH_FIN) ? VG_TCP_FIN_ACK : VG_TCP_FIN;
	if (s & VG_TH_RST)
		st |= VG_TCP_SRC_RESET;
	if (d & VG_TH_RST)
		st |= VG_TCP_DST_RESET;
	f->tcp_status = st;
}

/* Parses one data line into f; 0, or -1 with the problem in why. */
static int finish_row(vg_flow *f, int have_l, int nfdump, char *why, size_t whylen);

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
		if (st->nfdump) {
			if (st->col[c] >= 0 && nf_column(st->col[c], s + i, j - i, f) != 0) {
				snprintf(why, whylen, "column %zu: bad value '%.*s'", c + 1,
					 (int)(j - i > 40 ? 40 : j - i), s + i);
				return -1;
			}
			have_l |= st->col[c] == NF_TE;
		} else if (st->col[c] >= 0 && j > i &&
			   vg_field_parse(st->col[c], s + i, j - i, f) != VG_OK) {
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
	return finish_row(f, have_l, st->nfdump, why, whylen);
}

/* A row's fields are in f: the checks and the TCP state a record of that
 * source needs (have_l: an ltime was given). */
static int finish_row(vg_flow *f, int have_l, int nfdump, char *why, size_t whylen)
{
	if (f->kind == VG_REC_MAN)
		return 0;
	if (f->kind == VG_REC_FLOW && f->family == VG_FAM_NONE) {
		snprintf(why, whylen, "no source or destination address");
		return -1;
	}
	if (!have_l)
		f->ltime_us = f->stime_us;
	if (nfdump) {
		/* nfdump: ICMP type and code as dport = type << 8 | code */
		if (f->proto == 1 || f->proto == 58) {
			f->sport = (uint16_t)(f->dport >> 8);
			f->dport = (uint16_t)(f->dport & 0xff);
		}
		/* no counters of the other direction: a one-way flow */
		if (!f->dpkts && !f->dbytes)
			f->rflags |= VG_RF_ONEWAY;
		/* one-way TCP: the state from the flags of this direction */
		vgi_oneway_tcp_status(f);
		vg_flow_derive_state(f);
	} else if (f->rflags & VG_RF_ONEWAY) {
		/* vigil's CSV of one-way flows (vigil collect): the same, so
		 * that the pairing sees the TCP state of each direction */
		vgi_oneway_tcp_status(f);
		vg_flow_derive_state(f);
	} else if (f->proto == 6 && !f->tcp_status && (f->sflags | f->dflags)) {
		flags_tcp_status(f);
		if (f->state == VG_ST_UNK)
			vg_flow_derive_state(f);
	} else if (f->proto == 6 && !f->tcp_status) {
		twoway_tcp_status(f);
	}
	if (f->ltime_us < f->stime_us) {
		snprintf(why, whylen, "ltime before stime");
		return -1;
	}
	return 0;
}

/* What a text format does with one line: RECORD (f filled), SKIP (not a
 * record: a header, nfdump's summary), or BAD (why says what is wrong). */
enum { LINE_RECORD, LINE_SKIP, LINE_BAD };
typedef int (*line_fn)(vg_reader *r, const char *s, size_t len, vg_flow *f, char *why,
		       size_t whylen);

/* The records of a line-based format, one a line: the loop CSV and NDJSON
 * share. *line counts the lines read (for the messages). */
static int read_lines(vg_reader *r, vg_flow *out, size_t cap, size_t *nout, uint64_t *line,
		      line_fn parse)
{
	size_t k = 0;
	int rc = VG_OK;

	while (k < cap) {
		const char *s;
		size_t len, n;
		uint64_t off = vgi_offset(r);
		char why[160];
		int what;

		n = next_line(r, &s, &len);
		if (n == (size_t)-1) {
			rc = VG_EIO;
			break;
		}
		if (n == 0) {
			rc = VG_DONE;
			break;
		}
		++*line;
		r->pos += n;
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue;
		if (len > MAX_LINE - 2) {
			snprintf(why, sizeof why, "line longer than %d bytes", MAX_LINE);
			what = LINE_BAD;
		} else {
			what = parse(r, s, len, &out[k], why, sizeof why);
		}
		if (what == LINE_SKIP)
			continue;
		r->rec_no++;
		r->st.n_records++;
		if (what == LINE_BAD) {
			r->st.skipped[VG_SKIP_MALFORMED]++;
			snprintf(r->errmsg, sizeof r->errmsg, "%s: line %llu @0x%llx: %s; skipped",
				 r->name, (unsigned long long)*line, (unsigned long long)off, why);
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

static int csv_line(vg_reader *r, const char *s, size_t len, vg_flow *f, char *why,
		    size_t whylen)
{
	struct csv_state *st = r->fmt_state;
	if (st->done)
		return LINE_SKIP;
	if (st->nfdump && len == 7 && memcmp(s, "Summary", 7) == 0) {
		st->done = 1; /* nfdump's totals follow: not records */
		return LINE_SKIP;
	}
	return parse_line(st, s, len, f, why, whylen) ? LINE_BAD : LINE_RECORD;
}

static int read_csv(vg_reader *r, vg_flow *out, size_t cap, size_t *nout)
{
	struct csv_state *st = r->fmt_state;
	return read_lines(r, out, cap, nout, &st->line, csv_line);
}

const struct vgi_format vgi_fmt_csv = {
	.name = "csv",
	.doc = "flow records as CSV with a header (vigil dump, ra -c ,)",
	.sniff = sniff,
	.open = open_csv,
	.read = read_csv,
	.close = close_csv,
};

/* ------------------------------------------------------------- NDJSON */

/*
 * What `vigil dump -o json` writes: one flat JSON object per line (RFC 8259),
 * its members named as the fields (stime, proto, saddr, ...), times as ISO
 * 8601 strings (or numbers of seconds), counters as numbers, oneway as a
 * boolean. Members of other names are ignored, null is a missing value, a
 * nested object or array is an error. Each value goes through
 * vg_field_parse, as a CSV cell does.
 */

struct json_state {
	uint64_t line;
};

/* The JSON string at s[*i] (after its opening quote) into out; 0, or -1
 * when it is not one. \uXXXX is taken for ASCII only (field values are). */
static int json_string(const char *s, size_t len, size_t *i, char *out, size_t cap,
		       size_t *olen)
{
	size_t n = 0, k = *i;
	while (k < len && s[k] != '"') {
		char c = s[k++];
		if ((unsigned char)c < 0x20)
			return -1;
		if (c == '\\') {
			if (k >= len)
				return -1;
			c = s[k++];
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned v = 0, d;
				for (d = 0; d < 4; d++) {
					char h = k < len ? s[k++] : 0;
					v = v << 4 | (unsigned)(h >= '0' && h <= '9'   ? h - '0'
								: h >= 'a' && h <= 'f' ? h - 'a' + 10
								: h >= 'A' && h <= 'F' ? h - 'A' + 10
										       : 99);
					if (v > 0xffff)
						return -1;
				}
				if (v >= 0x80)
					return -1;
				c = (char)v;
				break;
			}
			default:
				return -1;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	if (k >= len)
		return -1;
	out[n] = '\0';
	*olen = n;
	*i = k + 1;
	return 0;
}

static void skip_ws(const char *s, size_t len, size_t *i)
{
	while (*i < len && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\r'))
		(*i)++;
}

/* One object into f; 0, or -1 with why. *have_l: an ltime was given. */
static int json_object(const char *s, size_t len, vg_flow *f, int *have_l, int *have,
		       char *why, size_t whylen)
{
	char key[32], val[VG_FIELD_MAX * 2];
	size_t i = 0, kl, vl;
	memset(f, 0, sizeof *f);
	f->kind = VG_REC_FLOW;
	f->n_records = 1;
	*have_l = *have = 0;
	skip_ws(s, len, &i);
	if (i >= len || s[i++] != '{') {
		snprintf(why, whylen, "not a JSON object");
		return -1;
	}
	skip_ws(s, len, &i);
	if (i < len && s[i] == '}') {
		snprintf(why, whylen, "an empty object");
		return -1;
	}
	for (;;) {
		int field, is_null = 0;
		skip_ws(s, len, &i);
		if (i >= len || s[i++] != '"' || json_string(s, len, &i, key, sizeof key, &kl)) {
			snprintf(why, whylen, "byte %zu: a member name expected", i);
			return -1;
		}
		skip_ws(s, len, &i);
		if (i >= len || s[i++] != ':') {
			snprintf(why, whylen, "byte %zu: ':' expected after \"%s\"", i, key);
			return -1;
		}
		skip_ws(s, len, &i);
		if (i < len && s[i] == '"') {
			i++;
			if (json_string(s, len, &i, val, sizeof val, &vl)) {
				snprintf(why, whylen, "\"%s\": a bad string", key);
				return -1;
			}
		} else if (i < len && (s[i] == '{' || s[i] == '[')) {
			snprintf(why, whylen, "\"%s\": a nested value", key);
			return -1;
		} else {
			/* a number, true, false or null: its characters as they are */
			size_t j = i;
			while (j < len && s[j] != ',' && s[j] != '}' && s[j] != ' ' && s[j] != '\t')
				j++;
			vl = j - i;
			if (vl == 0 || vl >= sizeof val) {
				snprintf(why, whylen, "\"%s\": a value expected", key);
				return -1;
			}
			memcpy(val, s + i, vl);
			val[vl] = '\0';
			is_null = strcmp(val, "null") == 0;
			if (!is_null && strcmp(val, "true") && strcmp(val, "false") &&
			    strspn(val, "-+0123456789.eE") != vl) {
				snprintf(why, whylen, "\"%s\": '%.40s' is not a JSON value", key, val);
				return -1;
			}
			i = j;
		}
		field = vg_field_lookup(key, kl);
		if (field >= 0 && !is_null && vl) {
			if (vg_field_parse(field, val, vl, f) != VG_OK) {
				snprintf(why, whylen, "\"%s\": bad value '%.40s'", key, val);
				return -1;
			}
			*have_l |= field == VG_F_LTIME;
			*have |= field == VG_F_STIME ? 1 : field == VG_F_PROTO ? 2 : 0;
		}
		skip_ws(s, len, &i);
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == '}') {
			i++;
			break;
		}
		snprintf(why, whylen, "byte %zu: ',' or '}' expected", i);
		return -1;
	}
	skip_ws(s, len, &i);
	if (i != len) {
		snprintf(why, whylen, "byte %zu: text after the object", i);
		return -1;
	}
	if (f->kind == VG_REC_FLOW && (*have & 3) != 3) {
		snprintf(why, whylen, "no stime or proto");
		return -1;
	}
	return 0;
}

static int json_sniff(const uint8_t *p, size_t n)
{
	vg_flow f;
	char why[160];
	size_t len = 0;
	int have_l, have;
	while (len < n && len < MAX_LINE && p[len] != '\n')
		len++;
	if (len == n && n >= MAX_LINE)
		return 0;
	if (len && p[len - 1] == '\r')
		len--;
	if (!len || p[0] != '{')
		return 0;
	return json_object((const char *)p, len, &f, &have_l, &have, why, sizeof why) == 0 ? 90 : 0;
}

static int open_json(vg_reader *r)
{
	if (!(r->fmt_state = calloc(1, sizeof(struct json_state))))
		return VG_ENOMEM;
	return VG_OK;
}

static int json_line(vg_reader *r, const char *s, size_t len, vg_flow *f, char *why,
		     size_t whylen)
{
	int have_l, have;
	(void)r;
	/* vigil alerts' and watch's last line: not a flow */
	if (len >= 14 && memcmp(s, "{\"freshness\":", 13) == 0)
		return LINE_SKIP;
	if (json_object(s, len, f, &have_l, &have, why, whylen) ||
	    finish_row(f, have_l, 0, why, whylen))
		return LINE_BAD;
	return LINE_RECORD;
}

static int read_json(vg_reader *r, vg_flow *out, size_t cap, size_t *nout)
{
	struct json_state *st = r->fmt_state;
	return read_lines(r, out, cap, nout, &st->line, json_line);
}

const struct vgi_format vgi_fmt_ndjson = {
	.name = "json",
	.doc = "flow records as NDJSON, one object per line (vigil dump -o json)",
	.sniff = json_sniff,
	.open = open_json,
	.read = read_json,
	.close = close_csv,
};
