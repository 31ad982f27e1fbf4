/*
 * listen.c - NetFlow v5/v9/IPFIX received on UDP, as a reader:
 * netflow://ADDR:PORT[,ADDR:PORT...] (vigil.h, vg_reader_open), and the
 * UDP sockets `vigil collect` listens on (vg_udp_listen).
 *
 * A receiver thread (a job on a worker that runs until the reader closes)
 * takes the datagrams off the sockets into a queue of QUEUE_BYTES, so that
 * the kernel's socket buffer does not overflow while the caller is busy
 * elsewhere (a commit, an alert pass): an exporter does not wait. The
 * reader takes them from the queue to the pushed NetFlow format
 * (fmt_netflow.c), which keeps each exporter's templates and clock; its
 * flows come out as they are decoded. What is lost before decoding is
 * counted, not hidden (vg_reader_stats.n_lost): datagrams the kernel
 * dropped (SO_RXQ_OVFL) and those that found the queue full. The reader
 * waits in poll(2) on the queue's pipe and a wake-up pipe
 * (vg_reader_interrupt), and returns VG_IDLE after opts.idle_ms without a
 * flow.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/worker.h"
#include "read/read.h"

#define MAX_LISTEN 16
#define RCVBUF (16 << 20)   /* exporters send in bursts */
#define MAX_DGRAM 65535
#define BURST 256           /* datagrams per socket per wake-up */
#define QUEUE_BYTES (64u << 20) /* received, not yet decoded: seconds of a busy exporter */

/* "ADDR:PORT" with ADDR IPv4 or [IPv6]; 0 or -1. */
static int parse_listen(const char *s, size_t len, struct sockaddr_storage *ss, socklen_t *sl)
{
	char spec[96], host[64], *end;
	const char *colon, *h;
	size_t hl;
	unsigned long port;

	if (len >= sizeof spec)
		return -1;
	memcpy(spec, s, len);
	spec[len] = '\0';
	s = h = spec;
	memset(ss, 0, sizeof *ss);
	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		if (!(colon = strrchr(s, ':')))
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof host)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || colon[1] == '-' || port > 65535)
		return -1;
	if (*s != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -1;
		*sl = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -1;
		*sl = sizeof *in6;
	}
	return 0;
}

void vg_nf_peer_from(const void *sockaddr, vg_nf_peer *p)
{
	const struct sockaddr_storage *ss = sockaddr;
	memset(p, 0, sizeof *p);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		vg_addr_from_ip4(&p->addr, ntohl(in->sin_addr.s_addr));
		p->port = ntohs(in->sin_port);
		p->family = VG_FAM_IP4;
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		memcpy(p->addr.a, &in6->sin6_addr, 16);
		p->port = ntohs(in6->sin6_port);
		/* an IPv4 exporter on a dual-stack socket is still IPv4 */
		p->family = vg_addr_is_ip4(&p->addr) ? VG_FAM_IP4 : VG_FAM_IP6;
	}
}

static int listen_one(const char *spec, size_t len, int *fdp, char name[64], char *err,
		      size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int one = 1, buf = RCVBUF, fd;
	vg_nf_peer p;

	*fdp = -1;
	if (parse_listen(spec, len, &ss, &sl)) {
		snprintf(err, errlen, "'%.*s': not ADDR:PORT (127.0.0.1:2055, [::1]:2055)",
			 (int)VGI_MIN(len, 100), spec);
		return VG_EINVAL;
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "%.*s: %s", (int)VGI_MIN(len, 100), spec, strerror(errno));
		return VG_EIO;
	}
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	/* root may go past net.core.rmem_max; others get what it allows */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	/* the kernel's count of datagrams dropped for a full buffer */
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(err, errlen, "cannot listen on %.*s: %s", (int)VGI_MIN(len, 100), spec,
			 strerror(errno));
		close(fd);
		return VG_EIO;
	}
	sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	vg_nf_peer_from(&ss, &p);
	if (ss.ss_family == AF_INET6)
		p.family = VG_FAM_IP6;
	vg_nf_peer_format(&p, name);
	*fdp = fd;
	return VG_OK;
}

int vg_udp_listen(const char *spec, int *fd, char name[64], char *err, size_t errlen)
{
	return listen_one(spec, strlen(spec), fd, name, err, errlen);
}

/* ------------------------------------------------------------ the reader */

/* A datagram in the queue: this header, then len bytes, padded to 8. */
struct qhdr {
	uint32_t len;           /* WRAP: the rest of the queue is unused */
	vg_nf_peer peer;
	int64_t t_us;
};
#define WRAP UINT32_MAX
#define QPAD(n) (((n) + 7u) & ~(size_t)7u)

struct lsn {
	int fd[MAX_LISTEN];
	uint32_t ovfl[MAX_LISTEN];  /* the kernel's drop count of each socket */
	size_t n;
	vg_reader *nf;         /* the pushed NetFlow format */
	int wake[2];           /* vg_reader_interrupt -> the reader */
	int ready[2];          /* the receiver -> the reader: the queue has data */
	int rx_stop[2];        /* lsn_close -> the receiver */
	volatile int stop;
	int64_t idle_since_ms;
	struct vgi_worker *rx;
	/* the queue, under mu: head (written next) and tail (read next) */
	pthread_mutex_t mu;
	uint8_t *q;
	size_t head, tail, used;
	int reader_waits;      /* the reader polls ready: say when data comes */
	uint64_t lost_kernel, lost_queue;
	uint8_t rxbuf[MAX_DGRAM];  /* the receiver's */
	uint8_t buf[MAX_DGRAM];    /* the reader's */
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void poke(int fd)
{
	if (write(fd, "x", 1) < 0) {
		/* full: a wake-up is already waiting */
	}
}

static void drain(int fd)
{
	char b[64];
	while (read(fd, b, sizeof b) > 0)
		;
}

/* Under mu: room for an entry of need bytes at head (wrapping), or NULL. */
static uint8_t *q_room(struct lsn *l, size_t need)
{
	if (l->used == 0)
		l->head = l->tail = 0;
	if (l->head >= l->tail && (l->used == 0 || l->head != l->tail)) {
		if (QUEUE_BYTES - l->head >= need)
			return l->q + l->head;
		if (l->tail <= need)
			return NULL;
		if (QUEUE_BYTES - l->head >= sizeof(struct qhdr))
			((struct qhdr *)(l->q + l->head))->len = WRAP;
		l->used += QUEUE_BYTES - l->head;
		l->head = 0;
		return l->q;
	}
	return l->tail - l->head > need ? l->q + l->head : NULL;
}

/* The receiver: the sockets into the queue until rx_stop. */
static int rx_main(void *user, void *job)
{
	struct lsn *l = user;
	struct pollfd pf[MAX_LISTEN + 1];
	size_t i;
	(void)job;
	for (;;) {
		pf[0].fd = l->rx_stop[0];
		pf[0].events = POLLIN;
		for (i = 0; i < l->n; i++) {
			pf[i + 1].fd = l->fd[i];
			pf[i + 1].events = POLLIN;
		}
		if (poll(pf, l->n + 1, -1) < 0 && errno != EINTR)
			return VG_EIO;
		if (pf[0].revents)
			return VG_OK;
		for (i = 0; i < l->n; i++) {
			int k;
			if (!(pf[i + 1].revents & POLLIN))
				continue;
			for (k = 0; k < BURST; k++) {
				struct sockaddr_storage ss;
				union {
					struct cmsghdr h;
					char b[CMSG_SPACE(sizeof(uint32_t))];
				} ctl;
				struct iovec iov = {l->rxbuf, sizeof l->rxbuf};
				struct msghdr mh;
				struct cmsghdr *cm;
				struct qhdr h;
				uint8_t *at;
				ssize_t got;
				memset(&mh, 0, sizeof mh);
				mh.msg_name = &ss;
				mh.msg_namelen = sizeof ss;
				mh.msg_iov = &iov;
				mh.msg_iovlen = 1;
				mh.msg_control = ctl.b;
				mh.msg_controllen = sizeof ctl.b;
				if ((got = recvmsg(l->fd[i], &mh, 0)) < 0)
					break;
				memset(&h, 0, sizeof h);
				h.len = (uint32_t)got;
				h.t_us = wall_us();
				vg_nf_peer_from(&ss, &h.peer);
				pthread_mutex_lock(&l->mu);
				for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
					if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
						uint32_t v;
						memcpy(&v, CMSG_DATA(cm), sizeof v);
						l->lost_kernel += (uint32_t)(v - l->ovfl[i]);
						l->ovfl[i] = v;
					}
				if ((at = q_room(l, sizeof h + QPAD((size_t)got)))) {
					memcpy(at, &h, sizeof h);
					memcpy(at + sizeof h, l->rxbuf, (size_t)got);
					l->head += sizeof h + QPAD((size_t)got);
					l->used += sizeof h + QPAD((size_t)got);
					if (l->reader_waits) {
						l->reader_waits = 0;
						poke(l->ready[1]);
					}
				} else {
					l->lost_queue++;
				}
				pthread_mutex_unlock(&l->mu);
			}
		}
	}
}

/* The next datagram of the queue into l->buf: its length, or -1 when the
 * queue is empty (then the receiver pokes ready when one comes). */
static ssize_t q_take(struct lsn *l, vg_nf_peer *peer, int64_t *t_us)
{
	struct qhdr h;
	ssize_t len = -1;
	pthread_mutex_lock(&l->mu);
	while (l->used) {
		if (QUEUE_BYTES - l->tail < sizeof h ||
		    ((struct qhdr *)(l->q + l->tail))->len == WRAP) {
			l->used -= QUEUE_BYTES - l->tail;
			l->tail = 0;
			continue;
		}
		memcpy(&h, l->q + l->tail, sizeof h);
		memcpy(l->buf, l->q + l->tail + sizeof h, h.len);
		l->tail += sizeof h + QPAD(h.len);
		l->used -= sizeof h + QPAD(h.len);
		*peer = h.peer;
		*t_us = h.t_us;
		len = (ssize_t)h.len;
		break;
	}
	if (len < 0)
		l->reader_waits = 1;
	pthread_mutex_unlock(&l->mu);
	return len;
}

static int lsn_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct lsn *l = r->fmt_state;
	struct pollfd pf[2];
	*n = 0;
	for (;;) {
		int64_t now = mono_ms(), wait = -1;
		int rc = vg_reader_read(l->nf, out, cap, n), bad = 0, k;
		vgi_stats_now(l->nf, &r->st);
		pthread_mutex_lock(&l->mu);
		r->st.n_lost = l->lost_kernel + l->lost_queue;
		pthread_mutex_unlock(&l->mu);
		if (rc == VG_OK && *n) {
			l->idle_since_ms = now;
			return VG_OK;
		}
		*n = 0;
		if (l->stop)
			return VG_DONE;
		for (k = 0; k < BURST; k++) {
			vg_nf_peer peer;
			int64_t t_us;
			ssize_t got = q_take(l, &peer, &t_us);
			if (got < 0)
				break;
			rc = vg_reader_push(l->nf, l->buf, (size_t)got, &peer, t_us);
			if ((rc == VG_ERECORD || rc == VG_ELIMIT) && !bad) {
				/* the flows decoded before it are read next */
				vgi_errf(r->errmsg, "%s: %s", r->name,
					 vg_nf_errmsg(vg_reader_netflow(l->nf)));
				bad = 1;
			}
		}
		if (bad)
			return VG_ERECORD;
		if (k)
			continue;
		if (r->o.idle_ms > 0) {
			wait = l->idle_since_ms + r->o.idle_ms - now;
			if (wait <= 0) {
				l->idle_since_ms = now;
				return VG_IDLE;
			}
		}
		pf[0].fd = l->wake[0];
		pf[0].events = POLLIN;
		pf[1].fd = l->ready[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, (int)wait) < 0 && errno != EINTR) {
			vgi_errf(r->errmsg, "%s: poll: %s", r->name, strerror(errno));
			return VG_EIO;
		}
		if (pf[0].revents) {
			l->stop = 1;
			return VG_DONE;
		}
		if (pf[1].revents)
			drain(l->ready[0]);
	}
}

static void lsn_interrupt(vg_reader *r)
{
	struct lsn *l = r->fmt_state;
	int saved = errno;
	if (l)
		poke(l->wake[1]);
	errno = saved;
}

static void close_pair(int p[2])
{
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
}

static void lsn_close(vg_reader *r)
{
	struct lsn *l = r->fmt_state;
	size_t i;
	if (!l)
		return;
	if (l->rx) {
		poke(l->rx_stop[1]);
		vgi_worker_stop(l->rx);
	}
	for (i = 0; i < l->n; i++)
		close(l->fd[i]);
	close_pair(l->wake);
	close_pair(l->ready);
	close_pair(l->rx_stop);
	pthread_mutex_destroy(&l->mu);
	vg_reader_close(l->nf);
	free(l->q);
	free(l);
	r->fmt_state = NULL;
}

const struct vg_nf *vgi_listen_decoder(const vg_reader *r)
{
	const struct lsn *l = r->fmt_state;
	return l ? vg_reader_netflow(l->nf) : NULL;
}

static int lsn_open(vg_reader *r)
{
	(void)r;
	return VG_OK;
}

const struct vgi_format vgi_fmt_listen = {
	.name = "netflow",
	.doc = "NetFlow v5/v9/IPFIX received on UDP (netflow://ADDR:PORT)",
	.open = lsn_open,
	.read = lsn_read,
	.close = lsn_close,
	.interrupt = lsn_interrupt,
};

int vgi_listen_open(vg_reader **rp, const char *url, const vg_reader_opts *opts)
{
	const char *q = url + 10;
	struct lsn *l;
	vg_reader *r;
	char name[64], err[VGI_ERRMSG_LEN];
	int rc;
	if ((rc = vgi_reader_new(rp, url, opts)) != VG_OK)
		return rc;
	r = *rp;
	r->eof = 1;
	if (!(l = calloc(1, sizeof *l))) {
		vgi_errf(r->errmsg, "%s: out of memory", r->name);
		return VG_ENOMEM;
	}
	l->wake[0] = l->wake[1] = l->ready[0] = l->ready[1] = -1;
	l->rx_stop[0] = l->rx_stop[1] = -1;
	pthread_mutex_init(&l->mu, NULL);
	r->fmt = &vgi_fmt_listen;
	r->fmt_state = l;
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    pipe2(l->ready, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    pipe2(l->rx_stop, O_CLOEXEC | O_NONBLOCK) != 0) {
		vgi_errf(r->errmsg, "%s: pipe: %s", r->name, strerror(errno));
		return VG_EIO;
	}
	if (!(l->q = malloc(QUEUE_BYTES))) {
		vgi_errf(r->errmsg, "%s: out of memory", r->name);
		return VG_ENOMEM;
	}
	if ((rc = vg_reader_open_push(&l->nf, "netflow", url, opts)) != VG_OK) {
		vgi_errf(r->errmsg, "%s", vg_reader_errmsg(l->nf));
		return rc;
	}
	while (*q) {
		const char *end = strchr(q, ',');
		size_t len = end ? (size_t)(end - q) : strlen(q);
		if (l->n == MAX_LISTEN) {
			vgi_errf(r->errmsg, "%s: more than %d addresses", r->name, MAX_LISTEN);
			return VG_ELIMIT;
		}
		if ((rc = listen_one(q, len, &l->fd[l->n], name, err, sizeof err)) != VG_OK) {
			vgi_errf(r->errmsg, "netflow: %s", err);
			return rc;
		}
		l->n++;
		q += len + (end != NULL);
	}
	if (!l->n) {
		vgi_errf(r->errmsg, "%s: no ADDR:PORT to listen on", r->name);
		return VG_EINVAL;
	}
	l->idle_since_ms = mono_ms();
	if ((rc = vgi_worker_start(&l->rx, rx_main, l, 1)) != VG_OK) {
		vgi_errf(r->errmsg, "%s: cannot start the receiver thread", r->name);
		return rc;
	}
	vgi_worker_post(l->rx, l);
	return VG_OK;
}
