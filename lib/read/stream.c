/*
 * stream.c - Argus servers read over TCP, as ra -S reads them:
 * argus://HOST:PORT[,HOST:PORT...] (vigil.h, vg_reader_open).
 *
 * The Argus 3 client protocol, as argus 3.0.8 and radium speak it: the
 * client connects and sends "START: " (7 bytes, no terminator; a client
 * that sends nothing is dropped by the server after 5 s); the server sends
 * its initial management record (128 bytes, the cookie 0xE5712DCB at +8,
 * its start time at +24), then records as it makes them, in the file
 * format (fmt_argus.c). Nothing else is asked of it (no filter, no SASL).
 *
 * Each connection has a reader of its own over the socket. The stream's
 * read waits in poll(2) on every connection and a wake-up pipe (the
 * interrupt), and takes from a connection only the records whose bytes
 * have all come, so that one quiet server never holds up another. A
 * connection that ends or fails is reported once (VG_ERECORD) and, with
 * opts.reconnect, made again after a backoff of 1, 2, 4 ... 60 s. When it
 * comes back to the same server instance (the same start time), the
 * records it sends with a sequence number not above the last one read are
 * dropped as repeats (a live argus sends only new records, so this is a
 * guard, not the common case).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "read/read.h"

#define MAX_CONNS 64
#define HANDSHAKE_S 10     /* connect and the first record */
#define BACKOFF_MAX_S 60
#define ARGUS_COOKIE 0xE5712DCBu

struct conn {
	char spec[264];        /* HOST:PORT as given */
	char host[256], port[16];
	int fd;                /* -1: not connected */
	vg_reader *in;         /* the records of this connection */
	struct vgi_argus_seq seq;
	uint32_t mar_start;    /* the server's start time (seconds) */
	int have_mar;
	int gone;              /* ended for good (no reconnect) */
	int64_t retry_at_ms;   /* when to connect again */
	unsigned backoff_s;
	vg_reader_stats past;  /* of the connections before this one */
};

struct stream {
	size_t n, next;        /* connections; the one to look at first */
	struct conn *c;
	int wake[2];           /* the interrupt writes to wake[1] */
	volatile int stop;
	int64_t idle_since_ms;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vgi_argus_seq_repeat(void *state, uint32_t sensor, uint32_t seq)
{
	struct vgi_argus_seq *q = state;
	if (q->floor_on && sensor == q->floor_sensor) {
		if (seq <= q->floor) {
			q->repeats++;
			return 1;
		}
		q->floor_on = 0; /* past what was read before */
	}
	q->sensor = sensor;
	q->last = seq;
	q->have_last = 1;
	return 0;
}

/* HOST:PORT, HOST a name, an IPv4 address or [IPv6]. */
static int parse_spec(struct conn *c, const char *spec, size_t len, char *err)
{
	const char *colon, *end = spec + len;
	snprintf(c->spec, sizeof c->spec, "%.*s", (int)VGI_MIN(len, 255), spec);
	if (len && spec[0] == '[') {
		const char *rb = memchr(spec, ']', len);
		colon = rb && rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
		if (colon)
			snprintf(c->host, sizeof c->host, "%.*s", (int)(rb - spec - 1), spec + 1);
	} else {
		colon = NULL;
		for (const char *q = spec; q < end; q++)
			if (*q == ':')
				colon = q;
		if (colon)
			snprintf(c->host, sizeof c->host, "%.*s", (int)(colon - spec), spec);
	}
	if (!colon || colon + 1 >= end || (size_t)(end - colon - 1) >= sizeof c->port ||
	    !c->host[0] || len >= sizeof c->spec) {
		vgi_errf(err, "argus://%s: not HOST:PORT (e.g. 127.0.0.1:561, [::1]:561)", c->spec);
		return VG_EINVAL;
	}
	snprintf(c->port, sizeof c->port, "%.*s", (int)(end - colon - 1), colon + 1);
	for (const char *q = c->port; *q; q++)
		if (*q < '0' || *q > '9') {
			vgi_errf(err, "argus://%s: the port must be a number", c->spec);
			return VG_EINVAL;
		}
	return VG_OK;
}

/* The stream's statistics: every connection's, past and present. */
static void sum_stats(vg_reader *r, const struct stream *s)
{
	vg_reader_stats st;
	size_t i;
	memset(&r->st, 0, sizeof r->st);
	r->st.first_us = INT64_MAX;
	r->st.last_us = INT64_MIN;
	for (i = 0; i < s->n; i++) {
		vg_reader_stats_add(&r->st, &s->c[i].past);
		if (s->c[i].in) {
			vgi_stats_now(s->c[i].in, &st);
			vg_reader_stats_add(&r->st, &st);
		}
	}
}

static void conn_drop(struct stream *s, struct conn *c, const vg_reader_opts *o)
{
	(void)s;
	if (c->in) {
		vg_reader_stats st;
		vgi_stats_now(c->in, &st);
		vg_reader_stats_add(&c->past, &st);
		c->in->fmt_state = NULL; /* ours, not the format's */
		vg_reader_close(c->in);
		c->in = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (!o->reconnect) {
		c->gone = 1;
		return;
	}
	c->backoff_s = VGI_MAX(c->backoff_s, 1u);
	c->retry_at_ms = mono_ms() + (int64_t)c->backoff_s * 1000;
	c->backoff_s = VGI_MIN(c->backoff_s * 2, BACKOFF_MAX_S);
}

/* Reports c's end as the read's error: "argus://SPEC: why; what next". */
static int conn_fail(vg_reader *r, struct stream *s, struct conn *c, const char *why)
{
	char msg[VGI_ERRMSG_LEN], pre[300];
	/* the connection's reader names it already */
	snprintf(pre, sizeof pre, "argus://%s: ", c->spec);
	if (strncmp(why, pre, strlen(pre)) == 0)
		why += strlen(pre);
	snprintf(msg, sizeof msg, "%.300s", why);
	conn_drop(s, c, &r->o);
	if (c->gone)
		vgi_errf(r->errmsg, "argus://%s: %s", c->spec, msg);
	else
		vgi_errf(r->errmsg, "argus://%s: %s; connecting again in %u s", c->spec, msg,
			 (unsigned)((c->retry_at_ms - mono_ms() + 999) / 1000));
	return VG_ERECORD;
}

static void set_timeout(int fd, int seconds)
{
	struct timeval tv = {seconds, 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Connects, sends START, reads the server's first record. */
static int conn_open(vg_reader *r, struct stream *s, struct conn *c)
{
	struct addrinfo hints, *res = NULL, *ai;
	char why[VGI_ERRMSG_LEN], name[300];
	vg_reader_opts o;
	const uint8_t *p;
	size_t have;
	int e, fd = -1, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((e = getaddrinfo(c->host, c->port, &hints, &res)) != 0) {
		snprintf(why, sizeof why, "%s", gai_strerror(e));
		return conn_fail(r, s, c, why);
	}
	e = 0;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0) {
			e = errno;
			continue;
		}
		set_timeout(fd, HANDSHAKE_S);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(why, sizeof why, "cannot connect: %s",
			 e == EINPROGRESS || e == EAGAIN ? "no answer in 10 s" : strerror(e));
		return conn_fail(r, s, c, why);
	}
	c->fd = fd;
	if (send(fd, "START: ", 7, MSG_NOSIGNAL) != 7) {
		snprintf(why, sizeof why, "cannot send START: %s", strerror(errno));
		return conn_fail(r, s, c, why);
	}
	snprintf(name, sizeof name, "argus://%s", c->spec);
	/* management records come out too, so that a batch asked for is one
	 * of whole records that have come (whole_records) */
	o = r->o;
	o.keep_man = 1;
	o.prefetch = 0;
	/* the byte source reads the first bytes (compression) */
	if ((e = vgi_reader_open_fd_as(&c->in, fd, name, &o, &vgi_fmt_argus)) != VG_OK ||
	    (have = vgi_need(c->in, 128)) == (size_t)-1) {
		/* SO_RCVTIMEO ran out: EAGAIN */
		snprintf(why, sizeof why, "%s",
			 strstr(vg_reader_errmsg(c->in), strerror(EAGAIN))
				 ? "no management record in 10 s: not an Argus server?"
				 : vg_reader_errmsg(c->in));
		return conn_fail(r, s, c, why);
	}
	p = c->in->buf + c->in->pos;
	if (have < 128 || (p[0] & 0xF0) != 0x80 || vgi_be32(p + 8) != ARGUS_COOKIE) {
		if (have == 0)
			snprintf(why, sizeof why, "the server closed the connection before "
				 "sending anything");
		else
			snprintf(why, sizeof why, "not an Argus server: it sent %zu byte%s (%02x %02x "
				 "%02x %02x ...), not a management record", have, have == 1 ? "" : "s",
				 p[0], have > 1 ? p[1] : 0, have > 2 ? p[2] : 0, have > 3 ? p[3] : 0);
		return conn_fail(r, s, c, why);
	}
	/* back at the same server instance: what it sends again is dropped */
	if (c->have_mar && c->mar_start == vgi_be32(p + 24) && c->seq.have_last) {
		c->seq.floor_on = 1;
		c->seq.floor_sensor = c->seq.sensor;
		c->seq.floor = c->seq.last;
	} else {
		c->seq.floor_on = 0;
		c->seq.have_last = 0;
	}
	c->mar_start = vgi_be32(p + 24);
	c->have_mar = 1;
	c->in->fmt_state = &c->seq;
	set_timeout(fd, 0); /* a quiet network is not an error */
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	c->backoff_s = 1;
	return VG_OK;
}

/* How many whole records c's reader has in its window (at most cap). */
static size_t whole_records(const struct conn *c, size_t cap)
{
	const vg_reader *in = c->in;
	size_t pos = in->pos, k = 0;
	while (k < cap && in->len - pos >= 4) {
		size_t len = (size_t)vgi_be16(in->buf + pos + 2) * 4;
		if (len == 0)
			return k ? k : 1; /* damage: the format says what */
		if (in->len - pos < len)
			break;
		pos += len;
		k++;
	}
	return k;
}

/* Reads from c: the whole records it has, or (none yet) one record. */
static int conn_read(vg_reader *r, struct stream *s, struct conn *c, vg_flow *out,
		     size_t cap, size_t *n)
{
	size_t k = whole_records(c, cap), i, m;
	int rc = vg_reader_read(c->in, out, k ? k : 1, n);
	char why[VGI_ERRMSG_LEN];
	if (!r->o.keep_man) {
		for (i = m = 0; i < *n; i++)
			if (out[i].kind != VG_REC_MAN)
				out[m++] = out[i];
		*n = m;
	}
	if (rc == VG_OK || rc == VG_ERECORD) {
		if (rc == VG_ERECORD)
			memcpy(r->errmsg, vg_reader_errmsg(c->in), sizeof r->errmsg);
		return rc;
	}
	/* the connection ended: the server closed it, or damage or an error */
	if (rc == VG_DONE)
		snprintf(why, sizeof why, "the server closed the connection");
	else
		snprintf(why, sizeof why, "%s; connection dropped", vg_reader_errmsg(c->in));
	rc = conn_fail(r, s, c, why);
	if (c->gone && !r->o.strict && strcmp(why, "the server closed the connection") == 0)
		return VG_OK; /* as a file ends: not an error */
	return rc;
}

static int stream_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct stream *s = r->fmt_state;
	struct pollfd pf[MAX_CONNS + 1];
	size_t map[MAX_CONNS + 1];
	*n = 0;
	for (;;) {
		int64_t now = mono_ms(), wait = -1;
		size_t i, np = 0, live = 0;
		int rc;
		if (s->stop)
			return VG_DONE;
		for (i = 0; i < s->n; i++) {
			struct conn *c = &s->c[i];
			if (!c->in && !c->gone && now >= c->retry_at_ms &&
			    (rc = conn_open(r, s, c)) != VG_OK)
				return rc;
		}
		/* records already here first, one connection after another */
		for (i = 0; i < s->n; i++) {
			struct conn *c = &s->c[(s->next + i) % s->n];
			if (c->in && c->in->len > c->in->pos) {
				s->next = (s->next + i + 1) % s->n;
				rc = conn_read(r, s, c, out, cap, n);
				sum_stats(r, s);
				if (rc != VG_OK || *n)
					return rc;
			}
		}
		pf[np].fd = s->wake[0];
		pf[np].events = POLLIN;
		map[np++] = (size_t)-1;
		for (i = 0; i < s->n; i++) {
			struct conn *c = &s->c[i];
			if (c->gone)
				continue;
			live++;
			if (c->in) {
				pf[np].fd = c->fd;
				pf[np].events = POLLIN;
				map[np++] = i;
			} else if (wait < 0 || c->retry_at_ms - now < wait) {
				wait = VGI_MAX(c->retry_at_ms - now, 0);
			}
		}
		if (!live)
			return VG_DONE;
		if (r->o.idle_ms > 0) {
			int64_t left = s->idle_since_ms + r->o.idle_ms - now;
			if (left <= 0) {
				s->idle_since_ms = now;
				return VG_IDLE;
			}
			if (wait < 0 || left < wait)
				wait = left;
		}
		if (poll(pf, np, wait < 0 ? -1 : (int)VGI_MIN(wait, 1 << 30)) < 0 && errno != EINTR) {
			vgi_errf(r->errmsg, "%s: poll: %s", r->name, strerror(errno));
			return VG_EIO;
		}
		if (pf[0].revents) {
			s->stop = 1;
			return VG_DONE;
		}
		for (i = 1; i < np; i++)
			if (pf[i].revents) {
				struct conn *c = &s->c[map[i]];
				rc = conn_read(r, s, c, out, cap, n);
				sum_stats(r, s);
				if (rc != VG_OK || *n) {
					s->idle_since_ms = mono_ms();
					return rc;
				}
			}
	}
}

static void stream_interrupt(vg_reader *r)
{
	struct stream *s = r->fmt_state;
	int saved = errno;
	if (s && write(s->wake[1], "x", 1) < 0) {
		/* the pipe is full: a wake-up is already waiting */
	}
	errno = saved;
}

static void stream_close(vg_reader *r)
{
	struct stream *s = r->fmt_state;
	vg_reader_opts o = r->o;
	size_t i;
	if (!s)
		return;
	o.reconnect = 0;
	for (i = 0; i < s->n; i++)
		conn_drop(s, &s->c[i], &o);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s->c);
	free(s);
	r->fmt_state = NULL;
}

static int stream_open(vg_reader *r)
{
	(void)r;
	return VG_OK;
}

static const struct vgi_format fmt_stream = {
	.name = "argus",
	.doc = "Argus servers over TCP (argus://HOST:PORT)",
	.open = stream_open,
	.read = stream_read,
	.close = stream_close,
	.interrupt = stream_interrupt,
};

int vgi_stream_open(vg_reader **rp, const char *url, const vg_reader_opts *opts)
{
	const char *list = url + 8, *q;
	struct stream *s;
	vg_reader *r;
	size_t n = 1, i;
	int rc;
	if ((rc = vgi_reader_new(rp, url, opts)) != VG_OK)
		return rc;
	r = *rp;
	r->eof = 1;
	for (q = list; *q; q++)
		n += *q == ',';
	if (n > MAX_CONNS) {
		vgi_errf(r->errmsg, "%s: more than %d servers", r->name, MAX_CONNS);
		return VG_ELIMIT;
	}
	if (!(s = calloc(1, sizeof *s)) || !(s->c = calloc(n, sizeof *s->c))) {
		free(s);
		vgi_errf(r->errmsg, "%s: out of memory", r->name);
		return VG_ENOMEM;
	}
	s->wake[0] = s->wake[1] = -1;
	r->fmt = &fmt_stream;
	r->fmt_state = s;
	s->n = n;
	for (i = 0; i < n; i++)
		s->c[i].fd = -1;
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		vgi_errf(r->errmsg, "%s: pipe: %s", r->name, strerror(errno));
		return VG_EIO;
	}
	for (i = 0, q = list; i < n; i++) {
		const char *end = strchr(q, ',');
		size_t len = end ? (size_t)(end - q) : strlen(q);
		if ((rc = parse_spec(&s->c[i], q, len, r->errmsg)) != VG_OK)
			return rc;
		s->c[i].past.first_us = INT64_MAX;
		s->c[i].past.last_us = INT64_MIN;
		q += len + 1;
	}
	s->idle_since_ms = mono_ms();
	sum_stats(r, s);
	return VG_OK;
}
