/*
 * emit.c - see emit.h: the encodings, and the walkers of the declared
 * tables (the declarations and their rows are in tables.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha1.h>

#include "report/emit.h"
#include "report/report.h"

void vgi_json_list(FILE *fp, const char *s)
{
	int first = 1;
	fputc('[', fp);
	while (*s) {
		size_t n = strcspn(s, ",");
		if (n) {
			if (!first)
				fputc(',', fp);
			vgi_json_str(fp, s, n, 0);
			first = 0;
		}
		s += n + (s[n] == ',');
	}
	fputc(']', fp);
}

void vgi_json_str(FILE *fp, const char *s, size_t len, int html_safe)
{
	size_t i, run = 0;
	/* runs of characters that need no escape go out in one fwrite: the
	 * report's JSON is mostly such strings (a month: 117 MB) */
	fputc('"', fp);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			fwrite(s + run, 1, i - run, fp);
			fprintf(fp, "\\%c", c);
			run = i + 1;
		} else if (c < 0x20 || (html_safe && (c == '<' || c == '>' || c == '&'))) {
			fwrite(s + run, 1, i - run, fp);
			fprintf(fp, "\\u%04x", c);
			run = i + 1;
		}
	}
	fwrite(s + run, 1, len - run, fp);
	fputc('"', fp);
}

void vg_json_list(FILE *fp, const char *s)
{
	vgi_json_list(fp, s);
}

void vg_json_string(FILE *fp, const char *s)
{
	vgi_json_str(fp, s, strlen(s), 0);
}

void vgi_json_cstr(FILE *fp, const char *s)
{
	vgi_json_str(fp, s, strlen(s), 0);
}

void vgi_json_num(FILE *fp, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", fp);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(fp, "%.0f", v);
	else
		fprintf(fp, "%.4f", v);
}

void vgi_json_html_safe(FILE *fp, const char *s, size_t len)
{
	size_t i, run = 0;
	for (i = 0; i < len; i++) {
		const char *e = s[i] == '<' ? "\\u003c" : s[i] == '>' ? "\\u003e"
			      : s[i] == '&' ? "\\u0026" : NULL;
		if (!e)
			continue;
		fwrite(s + run, 1, i - run, fp);
		fputs(e, fp);
		run = i + 1;
	}
	fwrite(s + run, 1, len - run, fp);
}

void vgi_csv_field(FILE *fp, const char *s, size_t len, int always)
{
	size_t i;
	if (!always && !memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
	    !memchr(s, '\r', len)) {
		fwrite(s, 1, len, fp);
		return;
	}
	fputc('"', fp);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', fp);
		fputc(s[i], fp);
	}
	fputc('"', fp);
}

void vgi_json_freshness(FILE *fp, int64_t newest_us, int64_t now_us, double max_age_s)
{
	char t[32], n[32];
	double age = (double)(now_us - newest_us) / 1e6;
	vgi_iso_time(newest_us, t);
	vgi_iso_time(now_us, n);
	fprintf(fp, "{\"newest\":\"%s\",\"now\":\"%s\",\"age_s\":%.0f,\"max_age_s\":%.0f,"
		"\"stale\":%s}", t, n, age, max_age_s, age > max_age_s ? "true" : "false");
}

void vgi_xml_text(FILE *fp, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			fputs("&amp;", fp);
		else if (c == '<')
			fputs("&lt;", fp);
		else if (c == '>')
			fputs("&gt;", fp);
		else if (c == '"')
			fputs("&quot;", fp);
		else if (c >= 0x20 || c == '\t' || c == '\n')
			fputc(c, fp);
	}
}

const char *vg_group_digits(uint64_t v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), i, k = 0;
	if (!len)
		return buf;
	for (i = 0; i < n && (size_t)k + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = tmp[i];
	}
	buf[k] = '\0';
	return buf;
}

/* ------------------------------------------------------------- tables */

const struct vgi_table *vgi_table_find(const char *name)
{
	size_t i;
	for (i = 0; i < vgi_n_report_tables; i++)
		if (strcmp(vgi_report_tables[i].name, name) == 0)
			return &vgi_report_tables[i];
	return NULL;
}

static void time_text(int64_t us, int style, char out[VG_FIELD_MAX])
{
	vg_flow tf;
	memset(&tf, 0, sizeof tf);
	tf.stime_us = us;
	vg_field_format(VG_F_STIME, &tf, style, out);
}

/* An unsigned number in decimal, without printf's format parsing (the
 * tables' numbers are most of a report's JSON and CSV). */
static void put_u64(FILE *fp, uint64_t v)
{
	char b[24];
	size_t i = sizeof b;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite(b + i, 1, sizeof b - i, fp);
}

/* "name": after a comma unless it is the first */
static void put_name(FILE *fp, const char *name, int first)
{
	if (!first)
		fputc(',', fp);
	fputc('"', fp);
	fputs(name, fp);
	fputs("\":", fp);
}

/* One value as CSV (json 0: an empty field for none, yes/no, times in
 * the study's --time-format, ISO 8601 by default) or as JSON (null,
 * true/false, the ISO times of JSON output). */
static void put_value(FILE *fp, const struct vgi_col *c, const vg_value *v, int json,
		      int tfmt)
{
	char t[VG_FIELD_MAX];
	if (v->null) {
		if (json)
			fputs("null", fp);
		return;
	}
	switch (c->type) {
	case VG_COL_UINT:
		put_u64(fp, v->u);
		break;
	case VG_COL_REAL:
		fprintf(fp, "%.*f", c->decimals, v->d);
		break;
	case VG_COL_BOOL:
		fputs(json ? (v->u ? "true" : "false") : (v->u ? "yes" : "no"), fp);
		break;
	case VG_COL_TIME:
		if (json)
			time_text(v->t, VG_STYLE_JSON, t);
		else
			vg_time_format(v->t, tfmt ? tfmt : VG_TIME_ISO, t);
		fputs(t, fp);
		break;
	default:
		if (json && (c->flags & VGI_COL_LIST)) {
			vgi_json_list(fp, v->s);
		} else if (json)
			vgi_json_str(fp, v->s, strlen(v->s), 0);
		else
			vgi_csv_field(fp, v->s, strlen(v->s), c->flags & VGI_COL_QUOTE);
	}
}

static int col_index(const struct vgi_table *t, const char *name)
{
	size_t c;
	for (c = 0; c < t->n_cols; c++)
		if (strcmp(t->cols[c].name, name) == 0)
			return (int)c;
	return -1;
}

static void text_cell(FILE *fp, const struct vgi_textcol *tc, int width, size_t k, const char *s)
{
	if (k)
		fputs(tc->sep ? tc->sep : " ", fp);
	if (width)
		fprintf(fp, "%*s", width, s);
	else
		fputs(s, fp);
}

/* One cell of a row as text. */
static const char *cell_text(const struct vgi_textview *tv, const struct vgi_col *c,
			     const vg_value *x, char num[VG_FIELD_MAX])
{
	if (!x || x->null)
		return tv->null ? tv->null : "";
	if (c->type == VG_COL_UINT)
		snprintf(num, VG_FIELD_MAX, "%llu", (unsigned long long)x->u);
	else if (c->type == VG_COL_REAL)
		snprintf(num, VG_FIELD_MAX, "%.*f", c->decimals, x->d);
	else if (c->type == VG_COL_BOOL)
		return x->u ? "yes" : "no";
	else if (c->type == VG_COL_TIME)
		time_text(x->t, VG_STYLE_TEXT, num);
	else
		return x->s;
	return num;
}

void vgi_table_text(const struct vgi_textview *tv, vg_study *st, FILE *fp, size_t max_rows,
		    struct vgi_rowbuf *b)
{
	const struct vgi_table *t = vgi_table_find(tv->table);
	vg_value v[VGI_MAX_COLS];
	int idx[VGI_MAX_COLS], w[VGI_MAX_COLS];
	char num[VG_FIELD_MAX];
	uint64_t cur = 0;
	size_t k, rows = 0;
	if (!t || tv->n_cols > VGI_MAX_COLS)
		return;
	for (k = 0; k < tv->n_cols; k++) {
		idx[k] = col_index(t, tv->cols[k].name);
		w[k] = tv->cols[k].width;
		/* within the width limit, a wide left-aligned column (an
		 * address: room for IPv6) is as wide as its widest cell */
		if (st->text_width && w[k] <= -30 && idx[k] >= 0)
			w[k] = -(int)strlen(tv->cols[k].label);
	}
	for (; st->text_width && rows++ < max_rows && t->row(st, &cur, v, b) == 1;)
		for (k = 0; k < tv->n_cols; k++)
			if (tv->cols[k].width <= -30 && idx[k] >= 0) {
				size_t l = strlen(cell_text(tv, &t->cols[idx[k]], &v[idx[k]], num));
				if ((int)l > -w[k])
					w[k] = -(int)l;
			}
	cur = 0;
	rows = 0;
	for (k = 0; k < tv->n_cols; k++)
		text_cell(fp, &tv->cols[k], w[k], k, tv->cols[k].label);
	fputc('\n', fp);
	while (rows++ < max_rows && t->row(st, &cur, v, b) == 1) {
		for (k = 0; k < tv->n_cols; k++) {
			const struct vgi_col *c = idx[k] >= 0 ? &t->cols[idx[k]] : NULL;
			const vg_value *x = idx[k] >= 0 ? &v[idx[k]] : NULL;
			const char *s = cell_text(tv, c, x, num);
			if (tv->cols[k].human && x && !x->null && c->type == VG_COL_UINT)
				s = vg_human_bytes((double)x->u, num, sizeof num);
			text_cell(fp, &tv->cols[k], w[k], k, s);
		}
		fputc('\n', fp);
	}
}

void vgi_row_json(FILE *fp, const struct vgi_table *t, const vg_value *v,
		  const char *const *names, size_t n)
{
	size_t k;
	for (k = 0; k < n; k++) {
		int c = col_index(t, names[k]);
		if (c < 0)
			continue;
		put_name(fp, names[k], k == 0);
		put_value(fp, &t->cols[c], &v[c], 1, 0);
	}
}

void vgi_table_csv(const struct vgi_table *t, vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	vg_value v[VGI_MAX_COLS];
	uint64_t cur = 0;
	size_t c;
	for (c = 0; c < t->n_cols; c++)
		fprintf(fp, "%s%s", c ? "," : "", t->cols[c].name);
	fputc('\n', fp);
	while (t->row(st, &cur, v, b) == 1) {
		for (c = 0; c < t->n_cols; c++) {
			if (c)
				fputc(',', fp);
			put_value(fp, &t->cols[c], &v[c], 0, st->time_fmt);
		}
		fputc('\n', fp);
	}
}

void vgi_table_json(const struct vgi_table *t, vg_study *st, FILE *fp, const uint8_t *keep,
		    struct vgi_rowbuf *b)
{
	vg_value v[VGI_MAX_COLS];
	uint64_t cur = 0;
	size_t c, i, k = 0;
	fputc('[', fp);
	for (i = 0; t->row(st, &cur, v, b) == 1; i++) {
		if (keep && !keep[i])
			continue;
		fputs(k++ ? ",{" : "{", fp);
		for (c = 0; c < t->n_cols; c++) {
			put_name(fp, t->cols[c].name, c == 0);
			put_value(fp, &t->cols[c], &v[c], 1, 0);
		}
		fputc('}', fp);
	}
	fputc(']', fp);
}

/* ------------------------------------------------------------- the C API */

size_t vg_study_table_count(void)
{
	return vgi_n_report_tables;
}

const char *vg_study_table_name(size_t t)
{
	return t < vgi_n_report_tables ? vgi_report_tables[t].name : NULL;
}

size_t vg_study_col_count(size_t t)
{
	return t < vgi_n_report_tables ? vgi_report_tables[t].n_cols : 0;
}

const char *vg_study_col_name(size_t t, size_t c)
{
	return t < vgi_n_report_tables && c < vgi_report_tables[t].n_cols ? vgi_report_tables[t].cols[c].name : NULL;
}

int vg_study_col_type(size_t t, size_t c)
{
	return t < vgi_n_report_tables && c < vgi_report_tables[t].n_cols ? vgi_report_tables[t].cols[c].type : -1;
}

const char *vg_study_col_unit(size_t t, size_t c)
{
	return t < vgi_n_report_tables && c < vgi_report_tables[t].n_cols ? vgi_report_tables[t].cols[c].unit : NULL;
}

int vg_study_row(vg_study *st, size_t t, uint64_t *cursor, vg_value *vals)
{
	const struct vgi_table *tb;
	int rc;
	if (!st || !cursor || !vals || t >= vgi_n_report_tables)
		return VG_EINVAL;
	if ((rc = vg_study_finish(st)) != VG_OK)
		return rc;
	tb = &vgi_report_tables[t];
	if (tb->present && !tb->present(st))
		return 0;
	if (!st->rowbuf && !(st->rowbuf = malloc(sizeof *st->rowbuf)))
		return vgi_study_fail(st, VG_ENOMEM, "out of memory reading table %s", tb->name);
	return tb->row(st, cursor, vals, st->rowbuf);
}

/* ------------------------------------------------------------- UUIDs */

/* vigil's UUID namespace (a random UUID, fixed): its STIX objects and MISP
 * events and attributes are named in it, so that reruns give equal ids */
const uint8_t vgi_uuid_ns_vigil[16] = {0x6f, 0x3e, 0x1c, 0x52, 0x9b, 0x04, 0x4d, 0x8a,
				       0xa1, 0x7e, 0x25, 0xc9, 0x40, 0xd3, 0x8b, 0x16};

void vgi_uuid5(const uint8_t ns[16], const char *name, char out[37])
{
	struct sha1_ctx h;
	uint8_t d[SHA1_DIGEST_SIZE];
	sha1_init(&h);
	sha1_update(&h, 16, ns);
	sha1_update(&h, strlen(name), (const uint8_t *)name);
	sha1_digest(&h, sizeof d, d);
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x50); /* version 5 */
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0],
		 d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14],
		 d[15]);
}

const char *vg_human_bytes(double v, char *buf, size_t len)
{
	if (v >= 1024.0 * 1024 * 1024 * 1024)
		snprintf(buf, len, "%.2f TiB", v / (1024.0 * 1024 * 1024 * 1024));
	else if (v >= 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.2f GiB", v / (1024.0 * 1024 * 1024));
	else if (v >= 1024.0 * 1024)
		snprintf(buf, len, "%.1f MiB", v / (1024.0 * 1024));
	else if (v >= 1024.0)
		snprintf(buf, len, "%.1f KiB", v / 1024.0);
	else
		snprintf(buf, len, "%.0f B", v);
	return buf;
}

/* ------------------------------------------------------------- text width */

/* Where a continuation of line s[0..n) starts, and *lastp, where its last
 * field starts (0 for prose). A table row (fields apart by runs of two or
 * more spaces) goes on under its last field, the text after its last such
 * run, when that leaves 30 columns; else the whole last field goes on the
 * next line, under the row's second field. Prose goes on two columns in
 * from its indent. */
static size_t hang_of(const char *s, size_t n, size_t width, size_t *lastp)
{
	size_t i, indent = 0, last = 0, second;
	while (indent < n && s[indent] == ' ')
		indent++;
	for (i = indent; i + 1 < n; i++)
		if (s[i] == ' ' && s[i + 1] == ' ') {
			while (i < n && s[i] == ' ')
				i++;
			last = i;
		}
	*lastp = last;
	if (last && last + 30 <= width)
		return last;
	if (last) {
		for (i = indent; i < n && s[i] != ' '; i++)
			;
		while (i < n && s[i] == ' ')
			i++;
		second = i;
		if (second + 30 <= width)
			return second;
	}
	return indent + 2 + 30 <= width ? indent + 2 : 0;
}

/* Where to break a piece of a line that begins at p and may take room
 * columns: after its last space (or, for one long word, its last comma). */
static size_t break_at(const char *p, size_t n, size_t room)
{
	size_t i;
	if (n <= room)
		return n;
	for (i = room; i > 0; i--)
		if (p[i] == ' ')
			return i;
	for (i = room; i > 0; i--)
		if (p[i - 1] == ',')
			return i;
	return room; /* no space nor comma: cut the word */
}

int vg_text_fit(FILE *fp, const char *text, size_t len, unsigned width)
{
	const char *s = text, *end = text + len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s), hang, col, k, last;
		if (!width || n <= width) {
			fwrite(s, 1, n, fp);
		} else {
			k = break_at(s, n, width);
			hang = hang_of(s, n, width, &last);
			/* a last field that goes under another: all of it */
			if (last && hang < last && last <= width + 2)
				k = last;
			for (col = k; col > 0 && s[col - 1] == ' ';)
				col--;
			fwrite(s, 1, col, fp);
			col = k;
			while (col < n) {
				const char *p = s + col;
				size_t rest = n - col, take;
				while (rest && *p == ' ')
					p++, rest--, col++;
				if (!rest)
					break;
				take = break_at(p, rest, width - hang);
				fprintf(fp, "\n%*s", (int)hang, "");
				for (k = take; k > 0 && p[k - 1] == ' ';)
					k--;
				fwrite(p, 1, k, fp);
				col += take;
			}
		}
		if (nl)
			fputc('\n', fp);
		s += n + (nl != NULL);
	}
	return ferror(fp) ? VG_EIO : VG_OK;
}
