/*
 * emit.h - the one place for the encodings of every output: JSON strings
 * and numbers (and the HTML page's <script>-safe JSON), CSV fields (RFC
 * 4180), XML text, digit grouping; and the report's declared tables
 * (tables.c), which the CSV writer, the JSON writer and the C results API
 * (vg_study_row) walk.
 */
#ifndef VGI_EMIT_H
#define VGI_EMIT_H

#include <stdio.h>

#include "analyze/analyze.h"

/* s[0..len) as a JSON string, quoted. html_safe: '<', '>' and '&' as
 * \u escapes too, so that no text ends the <script> element it is in. */
void vgi_json_str(FILE *fp, const char *s, size_t len, int html_safe);
/* "a,b,c" as ["a","b","c"] ("" as []) */
void vgi_json_list(FILE *fp, const char *s);
/* A NUL-terminated string, likewise (not HTML-safe). */
void vgi_json_cstr(FILE *fp, const char *s);
/* Integers as such, others with 4 decimals; NaN and infinities as null. */
void vgi_json_num(FILE *fp, double v);
/* Copies JSON text with '<', '>' and '&' escaped (valid because in JSON
 * they can occur only inside strings). */
void vgi_json_html_safe(FILE *fp, const char *s, size_t len);
/* One CSV field: quoted when always is set or when it holds a comma, a
 * quote or a line break, with quotes doubled. */
void vgi_csv_field(FILE *fp, const char *s, size_t len, int always);
/* {"newest":...,"now":...,"age_s":...,"max_age_s":...,"stale":...}: how
 * old the newest data is against now, as the report and the alerts say it. */
void vgi_json_freshness(FILE *fp, int64_t newest_us, int64_t now_us, double max_age_s);
/* XML text and attribute values: escaped, control characters dropped. */
void vgi_xml_text(FILE *fp, const char *s);

/* ------------------------------------------------------------- tables */

/* The name of an ICMP (4) or ICMPv6 (6) type, or "". */
const char *vgi_icmp_name(unsigned fam, unsigned type);
/* A victim's packets per second between its first and last packet (at
 * least one second). */
double vgi_victim_rate(const struct vgi_victim *v);

#define VGI_COL_QUOTE 1u   /* CSV: always quoted (a list or free text) */
#define VGI_COL_LIST 2u    /* a comma-joined list: a JSON array of strings */

struct vgi_col {
	const char *name;  /* CSV header, JSON key */
	uint8_t type;      /* enum vg_col_type */
	uint8_t flags;     /* VGI_COL_* */
	uint8_t decimals;  /* VG_COL_REAL */
	const char *unit;  /* "connections", "%", "packets/s", ... or "" */
};

#define VGI_ROW_TEXT 64
#define VGI_MAX_COLS 24

/* Room for a row's texts: vg_value.s points in here. */
struct vgi_rowbuf {
	char s[VGI_MAX_COLS][VGI_ROW_TEXT];
	char big[2][8192];
};

struct vgi_table {
	const char *name;            /* the CSV file is NAME.csv */
	const struct vgi_col *cols;
	size_t n_cols;
	int (*present)(const vg_study *st);  /* NULL: always */
	/* Fills row *cur's values and advances *cur (0 at the start): 1, or 0
	 * at the end. */
	int (*row)(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b);
};

extern const struct vgi_table vgi_report_tables[];
extern const size_t vgi_n_report_tables;

/* A table as the terminal summary shows it: some of its columns, each with
 * a label and a width (negative: left-aligned; 0: as wide as it is), and
 * the text before it (NULL: one space; none before the first). */
struct vgi_textcol {
	const char *name;  /* the column's name in the table */
	const char *label;
	int width;
	const char *sep;
	int human;         /* a byte count: "1.3 MiB" (vg_human_bytes) */
};

struct vgi_textview {
	const char *table;
	const struct vgi_textcol *cols;
	size_t n_cols;
	const char *null;  /* what a missing value shows */
};

/* The table named name, or NULL. */
const struct vgi_table *vgi_table_find(const char *name);
/* Writes the header line and every row as CSV. */
void vgi_table_csv(const struct vgi_table *t, vg_study *st, FILE *fp, struct vgi_rowbuf *b);
/* Writes the header line and the first max_rows rows as text. */
void vgi_table_text(const struct vgi_textview *tv, vg_study *st, FILE *fp, size_t max_rows,
		    struct vgi_rowbuf *b);
/* Writes the named columns of one row (v, as t's row function filled it)
 * as JSON members, "name":value joined by commas, for an object whose
 * other members the caller writes. */
void vgi_row_json(FILE *fp, const struct vgi_table *t, const vg_value *v,
		  const char *const *names, size_t n);
/* Writes the rows as a JSON array of objects; keep (may be NULL) says
 * which rows, by their number. */
void vgi_table_json(const struct vgi_table *t, vg_study *st, FILE *fp, const uint8_t *keep,
		    struct vgi_rowbuf *b);

/* The RFC 4122 version 5 UUID of name in the namespace ns (SHA-1). */
extern const uint8_t vgi_uuid_ns_vigil[16];
void vgi_uuid5(const uint8_t ns[16], const char *name, char out[37]);

#endif
