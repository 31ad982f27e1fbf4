/*
 * flowout.c - writes flow records as CSV, NDJSON or a text table. All
 * escaping and column layout of flow output is here. Writes go through a
 * 256 KiB buffer straight to a file descriptor (no stdio), because dumping
 * millions of records is the job's hot path.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/core.h"

#define OUT_CAP (256u * 1024u)

const int vg_default_fields[12] = {
	VG_F_STIME, VG_F_LTIME, VG_F_PROTO, VG_F_SADDR, VG_F_SPORT, VG_F_DADDR,
	VG_F_DPORT, VG_F_SPKTS, VG_F_DPKTS, VG_F_SBYTES, VG_F_DBYTES, VG_F_STATE,
};

struct vg_writer {
	int fd;
	int fmt;
	int fields[VG_F__COUNT * 4];
	size_t n_fields;
	char *buf;
	size_t len;
	int failed;
	int tfmt;  /* vg_writer_set_time_format; VG_TIME_DEFAULT: as the format has it */
	char errmsg[VGI_ERRMSG_LEN];
};

void vg_writer_set_time_format(vg_writer *w, int fmt)
{
	w->tfmt = fmt;
}

/* A field of a CSV or text row, its times in the writer's format. */
static size_t cell(const vg_writer *w, int field, const vg_flow *f, int style, char *out)
{
	if (w->tfmt && (field == VG_F_STIME || field == VG_F_LTIME))
		return vg_time_format(field == VG_F_STIME ? f->stime_us : f->ltime_us, w->tfmt, out);
	return vg_field_format(field, f, style, out);
}

/* Text table layout: width and alignment (+1 right, -1 left) per field. */
static int text_width(int field, int *right)
{
	*right = 1;
	switch (field) {
	case VG_F_STIME: case VG_F_LTIME: *right = -1; return 26;
	case VG_F_DUR: return 14;
	case VG_F_PROTO: *right = -1; return 5;
	case VG_F_SADDR: case VG_F_DADDR: return 15;
	case VG_F_SPORT: case VG_F_DPORT: *right = -1; return 5;
	case VG_F_STATE: *right = -1; return 5;
	case VG_F_SFLAGS: case VG_F_DFLAGS: *right = -1; return 6;
	default: return 8;
	}
}

int vg_writer_open(vg_writer **wp, int fd, int outfmt, const int *fields,
		   size_t n_fields)
{
	vg_writer *w;
	size_t i;
	*wp = NULL;
	if (!fields) {
		fields = vg_default_fields;
		n_fields = VGI_ARRAY_LEN(vg_default_fields);
	}
	if (n_fields == 0 || n_fields > VGI_ARRAY_LEN(w->fields) ||
	    outfmt < VG_OUT_CSV || outfmt > VG_OUT_TEXT)
		return VG_EINVAL;
	for (i = 0; i < n_fields; i++)
		if (fields[i] < 0 || fields[i] >= VG_F__COUNT)
			return VG_EINVAL;
	if (!(w = calloc(1, sizeof *w)) || !(w->buf = malloc(OUT_CAP))) {
		free(w);
		return VG_ENOMEM;
	}
	w->fd = fd;
	w->fmt = outfmt;
	memcpy(w->fields, fields, n_fields * sizeof *fields);
	w->n_fields = n_fields;
	*wp = w;
	return VG_OK;
}

const char *vg_writer_errmsg(const vg_writer *w)
{
	return w->errmsg;
}

void vg_writer_free(vg_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

int vg_writer_flush(vg_writer *w)
{
	size_t off = 0;
	if (w->failed)
		return VG_EIO;
	while (off < w->len) {
		ssize_t k = write(w->fd, w->buf + off, w->len - off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			vgi_errf(w->errmsg, "write error: %s", strerror(errno));
			w->failed = 1;
			return VG_EIO;
		}
		off += (size_t)k;
	}
	w->len = 0;
	return VG_OK;
}

static inline int room(vg_writer *w, size_t n)
{
	if (VGI_LIKELY(w->len + n <= OUT_CAP))
		return VG_OK;
	return vg_writer_flush(w);
}

static void put(vg_writer *w, const char *s, size_t n)
{
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void pad(vg_writer *w, size_t n)
{
	memset(w->buf + w->len, ' ', n);
	w->len += n;
}

int vg_writer_header(vg_writer *w)
{
	size_t i;
	int rc;
	if (w->fmt == VG_OUT_JSON)
		return VG_OK;
	if ((rc = room(w, 64 * w->n_fields + 2)) != VG_OK)
		return rc;
	for (i = 0; i < w->n_fields; i++) {
		const char *name = vg_field_name(w->fields[i]);
		size_t len = strlen(name);
		if (w->fmt == VG_OUT_CSV) {
			if (i)
				put(w, ",", 1);
			put(w, name, len);
		} else {
			int right, width = text_width(w->fields[i], &right);
			if (i)
				put(w, " ", 1);
			if (right > 0 && (size_t)width > len)
				pad(w, (size_t)width - len);
			put(w, name, len);
			if (right < 0 && (size_t)width > len && i + 1 < w->n_fields)
				pad(w, (size_t)width - len);
		}
	}
	put(w, "\n", 1);
	return VG_OK;
}

int vg_writer_put(vg_writer *w, const vg_flow *f)
{
	char v[VG_FIELD_MAX];
	size_t i, n;
	int rc;

	/* every value is < VG_FIELD_MAX; names are short */
	if ((rc = room(w, (VG_FIELD_MAX + 24) * w->n_fields + 4)) != VG_OK)
		return rc;
	switch (w->fmt) {
	case VG_OUT_CSV:
		for (i = 0; i < w->n_fields; i++) {
			if (i)
				w->buf[w->len++] = ',';
			w->len += cell(w, w->fields[i], f, VG_STYLE_RA, w->buf + w->len);
		}
		break;
	case VG_OUT_JSON:
		w->buf[w->len++] = '{';
		for (i = 0; i < w->n_fields; i++) {
			const char *name = vg_field_name(w->fields[i]);
			if (i)
				w->buf[w->len++] = ',';
			w->buf[w->len++] = '"';
			put(w, name, strlen(name));
			w->buf[w->len++] = '"';
			w->buf[w->len++] = ':';
			w->len += vg_field_format(w->fields[i], f, VG_STYLE_JSON,
						  w->buf + w->len);
		}
		w->buf[w->len++] = '}';
		break;
	default:
		for (i = 0; i < w->n_fields; i++) {
			int right, width = text_width(w->fields[i], &right);
			n = cell(w, w->fields[i], f, VG_STYLE_TEXT, v);
			if (i)
				w->buf[w->len++] = ' ';
			if (right > 0 && (size_t)width > n)
				pad(w, (size_t)width - n);
			put(w, v, n);
			if (right < 0 && (size_t)width > n && i + 1 < w->n_fields)
				pad(w, (size_t)width - n);
		}
		break;
	}
	w->buf[w->len++] = '\n';
	return VG_OK;
}
