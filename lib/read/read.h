/*
 * read.h - what the reader core (reader.c) shares with the byte source
 * (src.c) and the format modules (fmt_*.c). A new input format is one
 * fmt_<name>.c that fills a struct vgi_format, plus one row in the table in
 * reader.c.
 */
#ifndef VGI_READ_H
#define VGI_READ_H

#include <sys/types.h>

#include "core/core.h"

/* ------------------------------------------------------- byte source */

/* A stream of decoded bytes: a file descriptor or a memory buffer, through
 * a decompressor chosen from the first bytes (gzip, bzip2, xz, zstd). */
struct vgi_src;

int vgi_src_open_fd(struct vgi_src **s, int fd, int own_fd, char *err);
int vgi_src_open_mem(struct vgi_src **s, const void *buf, size_t len,
		     char *err);
/* Reads up to len decoded bytes. Returns the count, 0 at the end, or -1
 * with the reason in err. */
ssize_t vgi_src_read(struct vgi_src *s, void *buf, size_t len, char *err);
/* For an uncompressed memory source: the whole buffer (zero copy). */
int vgi_src_direct(struct vgi_src *s, const uint8_t **p, size_t *len);
const char *vgi_src_compression(const struct vgi_src *s);
uint64_t vgi_src_bytes_in(const struct vgi_src *s);
void vgi_src_close(struct vgi_src *s);

/* ------------------------------------------------------- formats */

/* What a format's chunk parser returns (see vgi_format.chunk). */
struct vgi_chunk {
	vg_flow *flows;
	size_t n, cap;
	size_t end;           /* offset after the last record parsed */
	uint64_t n_records, n_flows, n_man;
	uint64_t skipped[VG_SKIP__COUNT];
	int64_t first_us, last_us;
};

struct vgi_format {
	const char *name;
	const char *doc;
	/* How sure (0..100) that these first bytes are this format. */
	int (*sniff)(const uint8_t *p, size_t n);
	/* Reads the file header, sets up r->fmt_state. */
	int (*open)(vg_reader *r);
	/* Fills out[0..cap); see vg_reader_read. An error return stops the
	 * batch right after the bad record; *n counts the good ones before. */
	int (*read)(vg_reader *r, vg_flow *out, size_t cap, size_t *n);
	void (*close)(vg_reader *r);
	/* Optional, for parsing a mapped file in parallel: parses the records
	 * of p[0..avail) that start in [pos, limit) (p + avail is the end of
	 * the file when at_eof). Returns 0, or -1 at the first thing that
	 * needs the careful sequential path (any error, a strict skip). */
	int (*chunk)(const vg_reader_opts *o, const uint8_t *p, size_t avail,
		     int at_eof, size_t pos, size_t limit, struct vgi_chunk *c);
	/* The first position in [from, limit) where a whole valid record
	 * starts, or (size_t)-1. */
	size_t (*chunk_start)(const uint8_t *p, size_t avail, int at_eof,
			      size_t from, size_t limit);
	/* Optional, for a live source (vg_reader_open_live): opens the
	 * interface instead of a file, sets up r->fmt_state ... */
	int (*open_live)(vg_reader *r, const char *iface);
	/* ... and makes a blocked read return (vg_reader_interrupt; from a
	 * signal handler). */
	void (*interrupt)(vg_reader *r);
	/* Optional, for pushed input (vg_reader_open_push): what the caller
	 * received (one datagram, from its sender, at now_us) is decoded into
	 * flows that the next reads return; read gives VG_OK with none when
	 * they are all handed out. Such a format has no sniff. */
	int (*push)(vg_reader *r, const void *p, size_t len, const vg_nf_peer *from,
		    int64_t now_us);
};

extern const struct vgi_format vgi_fmt_argus;
extern const struct vgi_format vgi_fmt_argus2;
extern const struct vgi_format vgi_fmt_csv;
extern const struct vgi_format vgi_fmt_ndjson;
extern const struct vgi_format vgi_fmt_nfdump;
extern const struct vgi_format vgi_fmt_pcap;
extern const struct vgi_format vgi_fmt_netflow;
extern const struct vgi_format vgi_fmt_listen; /* netflow://, listen.c */
const struct vg_nf *vgi_listen_decoder(const vg_reader *r);

/* One-way TCP flows (nfdump, NetFlow): the Argus-style state bits from the
 * TCP flags that direction saw, so that vg_flow_derive_state names them. */
static inline void vgi_oneway_tcp_status(vg_flow *f)
{
	unsigned fl = f->sflags;
	if (f->proto != 6)
		return;
	if ((fl & VG_TH_SYN) && !(fl & VG_TH_ACK))
		f->tcp_status |= VG_TCP_SAW_SYN;
	if ((fl & VG_TH_SYN) && (fl & VG_TH_ACK))
		f->tcp_status |= VG_TCP_SAW_SYNACK;
	/* ACK alone or with data or FIN: established; RST+ACK alone is the
	 * refusal of a closed port, not a connection */
	if ((fl & VG_TH_ACK) && !(fl & VG_TH_SYN) &&
	    (!(fl & VG_TH_RST) || (fl & (VG_TH_PSH | VG_TH_FIN))))
		f->tcp_status |= VG_TCP_ESTABLISHED;
	if (fl & VG_TH_FIN)
		f->tcp_status |= VG_TCP_FIN;
	if (fl & VG_TH_RST)
		f->tcp_status |= VG_TCP_SRC_RESET;
}

/* ------------------------------------------------------- reader */

#define VGI_WIN_MIN (1u << 20)   /* window bytes */
#define VGI_WIN_MAX (64u << 20)  /* the most any format may ask for at once */
#define VGI_MAP_WIN (16u << 20)  /* bytes mapped at a time */
#define VGI_MAP_MIN (4u << 20)   /* smaller files are read, not mapped */
#define VGI_PAR_CHUNK (2u << 20) /* parallel chunks (chunks.c) */

/* vg_reader_open with smaller thresholds, so that tests and the fuzz
 * target can take the mapped and the parallel-chunk paths on small files:
 * files of map_min bytes or more are mapped, and read in chunks of
 * par_chunk bytes (from four chunks up). 0 keeps a default. */
int vgi_reader_open_tuned(vg_reader **rp, const char *path, const vg_reader_opts *opts,
			  uint64_t map_min, uint64_t par_chunk);

struct vg_reader {
	char name[256];
	char errmsg[VGI_ERRMSG_LEN];
	vg_reader_opts o;
	struct vgi_src *src;

	/* The window of decoded bytes: buf[pos..len) is unread; buf[0] is
	 * at stream offset base. */
	const uint8_t *buf;
	size_t len, pos;
	uint8_t *own;      /* buf when we own it */
	size_t own_cap;
	uint64_t base;
	int eof;           /* the source has no more bytes */
	int direct;        /* buf is the caller's memory */

	/* Uncompressed regular files are mapped, a window at a time, instead
	 * of read through src (no copy; resident memory stays one window). */
	int map_fd;        /* -1 when not mapping */
	uint64_t map_size; /* file size */
	int small;         /* a regular file under map_min: read, no thread */
	uint64_t map_min;  /* MAP_MIN, or vgi_reader_open_tuned's */
	uint64_t par_chunk;/* PAR_CHUNK, or vgi_reader_open_tuned's */
	uint8_t *map_ptr;  /* current mapping */
	size_t map_len;

	const struct vgi_format *fmt;
	void *fmt_state;
	int done;          /* no more reads: end or fatal error */
	int pending;       /* an error to return on the next read */
	char pending_msg[VGI_ERRMSG_LEN];
	uint64_t rec_no;   /* records started so far (1-based in messages) */
	vg_reader_stats st;

	/* With opts.prefetch, a thread runs the format's read ahead of the
	 * caller; the caller then sees only the published copies below. */
	struct vgi_pump *pump;
	struct vgi_par *par;   /* mapped files: chunks parsed by worker threads */
	uint64_t stop_at;      /* formats stop before a record starting here */
	vg_reader_stats pub_st;
	char pub_errmsg[VGI_ERRMSG_LEN];
};

/* Makes at least n unread bytes available if the input has them; returns
 * how many are available (< n only at the end of the input, or on a read
 * error, which sets r->errmsg and returns (size_t)-1). */
size_t vgi_need(vg_reader *r, size_t n);

static inline uint64_t vgi_offset(const vg_reader *r)
{
	return r->base + r->pos;
}

/* Formats "NAME: record N @0xOFF: " + the message into dst. */
void vgi_rec_err(vg_reader *r, char *dst, uint64_t rec, uint64_t off,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Counts one skipped record; in strict mode it is an error instead (with
 * the message), and the caller returns VG_ERECORD and stops. Returns 1 if
 * the caller must fail. */
int vgi_skip(vg_reader *r, int reason, uint64_t rec, uint64_t off,
	     const char *what);

static inline void vgi_note_times(vg_reader *r, const vg_flow *f)
{
	if (f->stime_us < r->st.first_us)
		r->st.first_us = f->stime_us;
	if (f->ltime_us > r->st.last_us)
		r->st.last_us = f->ltime_us;
}

/* A reader of fd in format fmt, no sniffing, no mapping, no thread (the
 * stream's connections). */
int vgi_reader_open_fd_as(vg_reader **rp, int fd, const char *name,
			  const vg_reader_opts *opts, const struct vgi_format *fmt);
/* An empty reader, for an opener that fills it (stream.c). */
int vgi_reader_new(vg_reader **rp, const char *name, const vg_reader_opts *opts);

/* ------------------------------------------------------- Argus streams */

/* netflow://ADDR:PORT[,...] (listen.c; vg_reader_open). */
int vgi_listen_open(vg_reader **rp, const char *url, const vg_reader_opts *opts);
/* argus://HOST:PORT[,...] (stream.c; vg_reader_open). */
int vgi_stream_open(vg_reader **rp, const char *url, const vg_reader_opts *opts);

/* A stream connection's Argus reader has one of these as its fmt_state:
 * the sensor and sequence number of the last flow record, and after a
 * reconnect to the same server instance a floor under which the records
 * are ones it sent before. */
struct vgi_argus_seq {
	uint32_t sensor, last;
	int have_last;
	uint32_t floor_sensor, floor;
	int floor_on;
	uint64_t repeats;  /* records dropped under the floor */
};
/* 1: the record (sensor, seq) was sent before; drop it. Else notes it. */
int vgi_argus_seq_repeat(void *state, uint32_t sensor, uint32_t seq);

/* ------------------------------------------------------- Argus, shared */

void vgi_flow_swap_sides(vg_flow *f, int addresses);
void vgi_argus_correct_direction(vg_flow *f, unsigned tcp_object);

/* The reader's parts, for one another: */
/* reader.c: a batch read in the caller's thread; the statistics now */
int vgi_read_sync(vg_reader *r, vg_flow *out, size_t cap, size_t *n);
void vgi_stats_now(const vg_reader *r, vg_reader_stats *st);
/* window.c: maps the window at the current offset, at least n bytes */
size_t vgi_remap(vg_reader *r, size_t n);
/* prefetch.c: the read-ahead thread (on failure, reading stays inline) */
void vgi_prefetch_start(vg_reader *r);
int vgi_prefetch_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n);
void vgi_prefetch_stop(vg_reader *r);
/* chunks.c: parallel chunks of a mapped file (VG_OK if they are used) */
int vgi_chunks_start(vg_reader *r);
int vgi_chunks_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n);
void vgi_chunks_stop(vg_reader *r);

#endif
