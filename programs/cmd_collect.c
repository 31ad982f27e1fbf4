/*
 * cmd_collect.c - `vigil collect`: a NetFlow v5 / v9 / IPFIX collector. It
 * listens on UDP sockets, decodes each datagram (lib/read/netflow.c) and
 * writes the flows as vigil's flow CSV into files that rotate every N
 * seconds, so that every other verb reads them with -R DIR. Not a relay
 * and not a store: one process, one directory. Like every verb it uses
 * vigil.h only (the decoder is vg_nf_*).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MAX_LISTEN 16
#define WARN_BURST 10             /* malformed-datagram warnings per minute */
#define MAX_DGRAM 65535

static void usage(FILE *fp)
{
	fputs("usage: vigil collect -l ADDR:PORT [-l ...] -w DIR [options]\n"
	      "\n"
	      "Receives NetFlow v5, v9 and IPFIX over UDP and writes the flows as vigil's\n"
	      "flow CSV, one file per interval: DIR/vigil.YYYYMMDDhhmm.csv (UTC, named by\n"
	      "the interval's start; written under a hidden temporary name and renamed\n"
	      "when complete). Read them with any verb: vigil report -R DIR ...\n"
	      "\n", fp);
	print_options(fp, V_COLLECT, GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\n"
	      "SIGINT or SIGTERM: the current file is completed, the exporter table\n"
	      "(packets, flows, lost, malformed, templates per exporter) is printed on\n"
	      "standard error, and the collector exits 0. See docs/collect.md.\n", fp);
}

/* The columns of the files: the default set, the TCP flags, and whether a
 * record is one direction only (so that the analyses pair them again). */
static const int out_fields[] = {
	VG_F_STIME, VG_F_LTIME, VG_F_PROTO, VG_F_SADDR, VG_F_SPORT, VG_F_DADDR,
	VG_F_DPORT, VG_F_SPKTS, VG_F_DPKTS, VG_F_SBYTES, VG_F_DBYTES, VG_F_STATE,
	VG_F_SFLAGS, VG_F_DFLAGS, VG_F_ONEWAY,
};

struct listener {
	int fd;
	char name[64];
};

struct collect {
	const char *dir;          /* NULL: standard output */
	long rotate_s;
	int quiet;
	vg_writer *w;             /* the open output, NULL between files */
	int fd;
	int64_t interval;         /* start of the open file's interval, s */
	char tmp[4096], final[4096];
	uint64_t n_files, n_flows;
	int failed;               /* a write failed: stop */
	/* malformed-datagram warnings, at most WARN_BURST a minute */
	int64_t warn_window;
	unsigned warn_n;
	uint64_t warn_suppressed;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A UDP socket for spec (vg_udp_listen): 0, -2 a bad spec, -1 failed. */
static int open_listener(const char *spec, struct listener *l)
{
	char err[512];
	int rc = vg_udp_listen(spec, &l->fd, l->name, err, sizeof err);
	if (rc == VG_OK)
		return 0;
	warnx_("collect: --listen %s", err);
	return rc == VG_EINVAL ? -2 : -1;
}

/* ------------------------------------------------------------- output */

static int start_file(struct collect *c, int64_t now_us)
{
	int64_t iv = now_us / 1000000 / c->rotate_s * c->rotate_s;
	time_t t = (time_t)iv;
	struct tm tm;
	char stamp[32];

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, c->rotate_s % 60 ? "%Y%m%d%H%M%S" : "%Y%m%d%H%M", &tm);
	snprintf(c->final, sizeof c->final, "%s/vigil.%s.csv", c->dir, stamp);
	snprintf(c->tmp, sizeof c->tmp, "%s/.vigil.%s.%ld.tmp", c->dir, stamp, (long)getpid());
	c->fd = open(c->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->fd < 0) {
		warnx_("collect: %s: %s", c->tmp, strerror(errno));
		return -1;
	}
	if (vg_writer_open(&c->w, c->fd, VG_OUT_CSV, out_fields,
			   sizeof out_fields / sizeof out_fields[0]) != VG_OK) {
		warnx_("collect: out of memory");
		close(c->fd);
		unlink(c->tmp);
		return -1;
	}
	vg_writer_header(c->w);
	c->interval = iv;
	return 0;
}

/* Completes the open file: flushed, synced, then published under its final
 * name (never over an existing file: a -N suffix then). */
static int end_file(struct collect *c)
{
	int rc = 0, k;
	if (!c->w)
		return 0;
	if (vg_writer_flush(c->w) != VG_OK) {
		warnx_("collect: %s: %s", c->tmp, vg_writer_errmsg(c->w));
		rc = -1;
	}
	vg_writer_free(c->w);
	c->w = NULL;
	if (rc == 0 && fsync(c->fd) != 0 && errno != EINVAL) {
		warnx_("collect: %s: %s", c->tmp, strerror(errno));
		rc = -1;
	}
	close(c->fd);
	c->fd = -1;
	if (rc) {
		unlink(c->tmp);
		return rc;
	}
	for (k = 1; k < 1000; k++) {
		char name[4096 + 16];
		if (k == 1)
			snprintf(name, sizeof name, "%s", c->final);
		else
			snprintf(name, sizeof name, "%.*s-%d.csv", (int)(strlen(c->final) - 4),
				 c->final, k);
		if (link(c->tmp, name) == 0) {
			unlink(c->tmp);
			c->n_files++;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	warnx_("collect: cannot publish %s as %s: %s", c->tmp, c->final, strerror(errno));
	return -1;
}

static int on_flow(void *user, const vg_flow *f)
{
	struct collect *c = user;
	if (!c->w && (!c->dir || start_file(c, wall_us()) != 0)) {
		c->failed = 1;
		return 1;
	}
	if (vg_writer_put(c->w, f) != VG_OK) {
		warnx_("collect: %s: %s", c->dir ? c->tmp : "(stdout)", vg_writer_errmsg(c->w));
		c->failed = 1;
		return 1;
	}
	c->n_flows++;
	return 0;
}

static void warn_malformed(struct collect *c, const char *msg, int64_t now_us)
{
	int64_t minute = now_us / 60000000;
	if (c->quiet)
		return;
	if (minute != c->warn_window) {
		if (c->warn_suppressed)
			warnx_("collect: %llu more malformed datagrams not shown",
			       (unsigned long long)c->warn_suppressed);
		c->warn_window = minute;
		c->warn_n = 0;
		c->warn_suppressed = 0;
	}
	if (c->warn_n++ < WARN_BURST)
		warnx_("collect: %s; datagram dropped", msg);
	else
		c->warn_suppressed++;
}

/* ------------------------------------------------------------- the table */

static void fmt_seen(char *out, int64_t us)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.stime_us = us / 1000000 * 1000000;
	vg_field_format(VG_F_STIME, &f, VG_STYLE_TEXT, out);
	out[19] = '\0'; /* whole seconds */
}

/* The flows decoded from the datagram just pushed, to the output. */
static void write_flows(struct collect *c, vg_reader *rd)
{
	vg_flow batch[256];
	size_t n, i;
	while (!c->failed && vg_reader_read(rd, batch, 256, &n) == VG_OK)
		for (i = 0; i < n && !c->failed; i++)
			on_flow(c, &batch[i]);
}

static void print_table(const struct vg_nf *d, const struct collect *c, double secs)
{
	size_t i, n = vg_nf_stream_count(d);
	char a[32], b[32], e[32], t1[64], t2[64], peer[64], ver[8];
	fprintf(stderr, "%-24s %-5s %10s %10s %12s %8s %9s %9s %7s  %-19s  %-19s\n",
		"exporter", "ver", "domain", "packets", "flows", "lost", "malformed",
		"no-tmpl", "tmpls", "first seen (UTC)", "last seen (UTC)");
	for (i = 0; i < n; i++) {
		vg_nf_stats st;
		vg_nf_stream_stats(d, i, &st);
		vg_nf_peer_format(&st.peer, peer);
		if (st.version == 10)
			snprintf(ver, sizeof ver, "ipfix");
		else if (st.version)
			snprintf(ver, sizeof ver, "v%u", st.version & 0xffu);
		else
			snprintf(ver, sizeof ver, "?");
		fmt_seen(t1, st.first_us);
		fmt_seen(t2, st.last_us);
		fprintf(stderr, "%-24s %-5s %10lu %10s %12s %8llu %9llu %9llu %7zu  %s  %s\n",
			peer, ver, (unsigned long)st.domain, vg_group_digits(st.packets, a, sizeof a),
			vg_group_digits(st.flows, b, sizeof b), (unsigned long long)st.lost,
			(unsigned long long)st.malformed, (unsigned long long)st.unknown_sets,
			st.n_templates, t1, t2);
		if (st.late || st.duplicates || st.resyncs || st.templates_refused || st.est_times ||
		    st.noflow_recs)
			fprintf(stderr, "  %llu late, %llu duplicate, %llu sequence restarts, "
				"%llu templates refused, %llu sets timed without IE 160, "
				"%llu records without addresses (not flows)\n",
				(unsigned long long)st.late, (unsigned long long)st.duplicates,
				(unsigned long long)st.resyncs,
				(unsigned long long)st.templates_refused,
				(unsigned long long)st.est_times,
				(unsigned long long)st.noflow_recs);
	}
	if (vg_nf_dropped(d))
		fprintf(stderr, "%llu datagrams dropped: the exporter table was full\n",
			(unsigned long long)vg_nf_dropped(d));
	fprintf(stderr, "vigil: collect: %s flows in %llu files, %s\n",
		vg_group_digits(c->n_flows, e, sizeof e), (unsigned long long)c->n_files,
		human_duration(a, sizeof a, secs));
}

/* ------------------------------------------------------------- main */

static int num_arg(const char *opt, const char *v, long min, long max, long *out)
{
	char *end;
	long x;
	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || *end || v[0] == '\0' || x < min || x > max) {
		warnx_("collect: %s needs a number from %ld to %ld, not '%s'", opt, min, max, v);
		return -1;
	}
	*out = x;
	return 0;
}

int cmd_collect(int argc, char **argv)
{
	struct listener ls[MAX_LISTEN];
	struct pollfd pfd[MAX_LISTEN];
	const char *specs[MAX_LISTEN], *out = NULL;
	size_t n_specs = 0, n_ls = 0, i;
	long duration = 0, count = 0;
	struct collect c;
	vg_reader *rd = NULL;
	struct sigaction sa;
	uint8_t *buf = NULL;
	uint64_t n_dgrams = 0;
	int64_t t_start, t_end = 0;
	double mono0 = now_seconds();
	int k, ec = EXIT_OK;

	memset(&c, 0, sizeof c);
	c.rotate_s = 300;
	c.fd = -1;
	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *val = NULL;
		const struct optdef *d;
		char name[32];
		if (a[0] != '-' || a[1] == '\0') {
			warnx_("collect: unexpected argument '%s' (see vigil collect --help)", a);
			return EXIT_USAGE;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), a + 2);
			if (eq)
				val = eq + 1;
		} else {
			const char *map = a[1] == 'h' ? "help" : a[1] == 'V' ? "version" : NULL;
			if (!map && (d = opt_find(V_COLLECT, NULL, a[1])) != NULL)
				map = d->name;
			if (!map) {
				warnx_("collect: unknown option '%s' (see vigil collect --help)", a);
				return EXIT_USAGE;
			}
			snprintf(name, sizeof name, "%s", map);
			if (a[2])
				val = a + 2;
		}
		if (strcmp(name, "help") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(name, "version") == 0) {
			printf("vigil %s\n", vg_version());
			return EXIT_OK;
		}
		if (!(d = opt_find(V_COLLECT, name, 0))) {
			warnx_("collect: unknown option '%s' (see vigil collect --help)", a);
			return EXIT_USAGE;
		}
		if (!d->arg) {
			if (val) {
				warnx_("collect: option '%s' takes no value", a);
				return EXIT_USAGE;
			}
			c.quiet = 1; /* --quiet, the one without a value */
			continue;
		}
		if (!val) {
			if (k + 1 >= argc) {
				warnx_("collect: option '%s' needs a value", a);
				return EXIT_USAGE;
			}
			val = argv[++k];
		}
		if (strcmp(name, "listen") == 0) {
			if (n_specs == MAX_LISTEN) {
				warnx_("collect: at most %d --listen addresses", MAX_LISTEN);
				return EXIT_USAGE;
			}
			specs[n_specs++] = val;
		} else if (strcmp(name, "write") == 0) {
			out = val;
		} else if (strcmp(name, "rotate") == 0) {
			if (num_arg("--rotate", val, 1, 86400 * 7, &c.rotate_s))
				return EXIT_USAGE;
		} else if (strcmp(name, "duration") == 0) {
			if (num_arg("--duration", val, 1, 86400L * 3650, &duration))
				return EXIT_USAGE;
		} else if (num_arg("--count", val, 1, 0x7fffffffL, &count)) {
			return EXIT_USAGE;
		}
	}
	if (!n_specs || !out) {
		warnx_("collect: %s; e.g. vigil collect -l 0.0.0.0:2055 -w /var/lib/vigil/flows",
		       !n_specs ? "no --listen address" : "no output: give -w DIR (or -w -)");
		return EXIT_USAGE;
	}
	if (strcmp(out, "-") != 0) {
		struct stat sb;
		c.dir = out;
		if (mkdir(out, 0755) != 0 && errno != EEXIST) {
			warnx_("collect: %s: %s", out, strerror(errno));
			return EXIT_INTERNAL;
		}
		if (stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			warnx_("collect: %s is not a directory", out);
			return EXIT_USAGE;
		}
	}

	for (i = 0; i < n_specs; i++) {
		int r = open_listener(specs[i], &ls[n_ls]);
		if (r == -2) {
			ec = EXIT_USAGE;
			goto out;
		}
		if (r < 0) {
			ec = EXIT_INPUT;
			goto out;
		}
		pfd[n_ls].fd = ls[n_ls].fd;
		pfd[n_ls].events = POLLIN;
		n_ls++;
	}
	if (vg_reader_open_push(&rd, "netflow", "collect", NULL) != VG_OK ||
	    !(buf = malloc(MAX_DGRAM))) {
		warnx_("collect: out of memory");
		ec = EXIT_INTERNAL;
		goto out;
	}
	if (!c.dir) {
		c.fd = 1;
		if (vg_writer_open(&c.w, 1, VG_OUT_CSV, out_fields,
				   sizeof out_fields / sizeof out_fields[0]) != VG_OK) {
			warnx_("collect: out of memory");
			ec = EXIT_INTERNAL;
			goto out;
		}
		vg_writer_header(c.w);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!c.quiet) {
		for (i = 0; i < n_ls; i++)
			warnx_("collect: listening on udp %s", ls[i].name);
	}

	t_start = wall_us();
	if (duration)
		t_end = t_start + (int64_t)duration * 1000000;
	while (!stop_signal && !c.failed) {
		int64_t now = wall_us(), wait_ms = 1000;
		int r;
		if (t_end && now >= t_end)
			break;
		if (c.dir && c.w && now / 1000000 / c.rotate_s * c.rotate_s != c.interval) {
			if (end_file(&c)) {
				c.failed = 1;
				break;
			}
		}
		if (c.dir && c.w)
			wait_ms = ((c.interval + c.rotate_s) * 1000000 - now) / 1000 + 1;
		if (t_end && (t_end - now) / 1000 + 1 < wait_ms)
			wait_ms = (t_end - now) / 1000 + 1;
		if (wait_ms > 1000)
			wait_ms = 1000;
		r = poll(pfd, n_ls, (int)wait_ms);
		if (r < 0 && errno != EINTR) {
			warnx_("collect: poll: %s", strerror(errno));
			ec = EXIT_INTERNAL;
			break;
		}
		for (i = 0; r > 0 && i < n_ls && !c.failed; i++) {
			int burst;
			if (!(pfd[i].revents & POLLIN))
				continue;
			/* a bounded burst per socket, so that none starves the rest */
			for (burst = 0; burst < 1024 && !c.failed; burst++) {
				struct sockaddr_storage ss;
				socklen_t sl = sizeof ss;
				vg_nf_peer peer;
				ssize_t n = recvfrom(pfd[i].fd, buf, MAX_DGRAM, 0,
						     (struct sockaddr *)&ss, &sl);
				int64_t t;
				int rc;
				if (n < 0)
					break;
				t = wall_us();
				if (c.dir && c.w && t / 1000000 / c.rotate_s * c.rotate_s != c.interval &&
				    end_file(&c)) {
					c.failed = 1;
					break;
				}
				vg_nf_peer_from(&ss, &peer);
				rc = vg_reader_push(rd, buf, (size_t)n, &peer, t);
				if (rc == VG_ERECORD || rc == VG_ELIMIT)
					warn_malformed(&c, vg_nf_errmsg(vg_reader_netflow(rd)), t);
				write_flows(&c, rd);
				n_dgrams++;
				if (count && n_dgrams >= (uint64_t)count)
					break;
			}
			if (count && n_dgrams >= (uint64_t)count)
				break;
		}
		if (!c.dir && c.w && !c.failed && vg_writer_flush(c.w) != VG_OK) {
			warnx_("collect: (stdout): %s", vg_writer_errmsg(c.w));
			c.failed = 1;
		}
		if (count && n_dgrams >= (uint64_t)count)
			break;
	}
	if (c.dir) {
		if (end_file(&c))
			c.failed = 1;
	} else if (c.w && vg_writer_flush(c.w) != VG_OK) {
		c.failed = 1;
	}
	if (c.failed)
		ec = EXIT_INTERNAL;
	if (c.warn_suppressed)
		warnx_("collect: %llu more malformed datagrams not shown",
		       (unsigned long long)c.warn_suppressed);
	print_table(vg_reader_netflow(rd), &c, now_seconds() - mono0);
out:
	if (!c.dir && c.w)
		vg_writer_free(c.w);
	for (i = 0; i < n_ls; i++)
		close(ls[i].fd);
	vg_reader_close(rd);
	free(buf);
	return ec;
}
