/*
 * cmd_watch.c - `vigil watch`: the store kept up to date from a live feed,
 * and the alerts said as they are raised (docs/watch.md).
 *
 * The feed is Argus servers (-S, connected again when they go away), a
 * capture interface (-i), or a directory followed as files appear (-R).
 * Everything goes through the same pipeline as `vigil ingest`, into the
 * same store: a stream is committed each time its data passes the end of
 * an hour (and at the end), a file of the directory once it is read, with
 * its input record, so that a restart goes on at the first file not yet
 * in the store and a killed watch loses at most the hour in progress,
 * which the feed sends again only if it is a file.
 *
 * After each commit the alerts are computed from the store, as `vigil
 * alerts --store` computes them, over the last days: an alert the store
 * had not named before is new (written, and --exec run for it); one it
 * knew whose condition goes on is written again with the same id and its
 * new last period, so a reader of the lines keeps the latest per id.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define BATCH 4096
#define STATUS_EVERY_S 10    /* --status file */
#define STATUS_TTY_S 60      /* the status line on a terminal */
#define POLL_DIR_MS 1000

static void usage(FILE *fp)
{
	fputs("usage: vigil watch --store DB [site] [options] -S HOST:PORT... | -l ADDR:PORT...\n"
	      "                   | -i IFACE | -R DIR [filter]\n"
	      "\n"
	      "Keeps the store DB up to date from a live feed and says the alerts as they\n"
	      "are raised: Argus servers (connected again when they go away), NetFlow or\n"
	      "IPFIX exporters (UDP, as vigil collect receives them), a capture\n"
	      "interface, or a directory whose files are read as they appear (once their\n"
	      "size has not changed for a second; nfcapd.current.*, dot files and *.tmp\n"
	      "are skipped; a restart goes on at the first file not in the store). A\n"
	      "stream is committed whenever its data passes the end of an hour.\n"
	      "\n", fp);
	print_options(fp, V_WATCH, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\n"
	      "Alerts are NDJSON lines, as vigil alerts -o json writes them; an alert whose\n"
	      "condition goes on is written again with its id and new last period. A feed\n"
	      "silent for longer than --max-age (site key, default 2d) gives one line\n"
	      "{\"feed\":...}. SIGTERM or SIGINT: what was counted is committed, exit 0.\n"
	      "SIGHUP: the --html file is written now. Exit: 0 stopped, 5 store error.\n", fp);
}

static volatile sig_atomic_t stop_flag, hup_flag;
static vg_reader *live;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
	vg_reader_interrupt(live);
}

static void on_hup(int sig)
{
	(void)sig;
	hup_flag = 1;
}

/* What was last written for each alert, by id (ids are dense: 1, 2 ...):
 * a hash of its JSON line; 0: not seen. */
struct seen {
	uint64_t hash;
};

struct watch {
	struct opts *o;
	vg_site *site;
	vg_store *store;
	vg_pipeline *p;
	const char *path;
	FILE *afp;              /* the alerts */
	struct seen *seen;      /* by alert id */
	size_t cap_seen;
	int started;            /* the first alert pass is done */
	int64_t hour;           /* the data hour being counted (µs), INT64_MIN: none */
	int32_t html_day;       /* the last day the HTML was written for */
	int64_t newest_us;      /* latest end of a flow */
	double last_flow_wall;  /* when the last flow came (s) */
	int silent;             /* a feed alert is out */
	uint64_t flows, commits, alerts_out;
	int pending;             /* commits since the last alert pass, */
	int64_t pending_from;    /* the earliest data they hold */
	double last_pass;        /* when the last pass ran (s) */
	int64_t events_seen;     /* the store's scan events up to here were in a pass */
	uint64_t chunk_records;  /* a stream: flows since the last commit, */
	int64_t chunk_first, chunk_last; /* their times */
	const char *feed_name;
	double t0, t_status, t_tty, t_commit;
	/* -l: datagrams lost before decoding (a full buffer or queue) and what
	 * the exporters' sequence numbers say was lost; said at most once a
	 * minute while they grow */
	int netflow;
	uint64_t lost, seq_lost, lost_said;
	double t_lost;
	uint64_t flows_at_status;
	char dir_prev[4096];    /* -R: the last file name read */
};

static int64_t hour_of(int64_t us)
{
	return us / 3600000000LL * 3600000000LL - (us < 0 && us % 3600000000LL ? 3600000000LL : 0);
}

static long rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---------------------------------------------------------------- alerts */

/* id's entry, the table grown to hold it; NULL: out of memory. */
static struct seen *seen_slot(struct watch *w, uint32_t id)
{
	if (id >= w->cap_seen) {
		size_t c2 = w->cap_seen ? w->cap_seen : 1024;
		struct seen *ns;
		while (c2 <= id)
			c2 *= 2;
		if (!(ns = realloc(w->seen, c2 * sizeof *ns)))
			return NULL;
		memset(ns + w->cap_seen, 0, (c2 - w->cap_seen) * sizeof *ns);
		w->seen = ns;
		w->cap_seen = c2;
	}
	return &w->seen[id];
}

static void run_exec(struct watch *w, const vg_alert *a)
{
	FILE *fp;
	int st;
	if (!w->o->exec_cmd)
		return;
	fflush(NULL);
	if (!(fp = popen(w->o->exec_cmd, "w"))) {
		warnx_("watch: --exec: cannot run '%s': %s", w->o->exec_cmd, strerror(errno));
		return;
	}
	vg_alert_write_json(a, fp);
	fputc('\n', fp);
	st = pclose(fp);
	if (st != 0)
		warnx_("watch: --exec '%s' for alert %u: exit status %d", w->o->exec_cmd, a->id,
		       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* The alerts from the store that hold on the days from from_us (the
 * first data of the commit) or the day before the newest, to the newest:
 * the new and the changed ones are written. An alert is the same, with
 * the same id and line, over any range that holds it (its baseline comes
 * from the days before the range), so the passes together say what vigil
 * alerts --store says of the whole store. */
static int alert_pass(struct watch *w, int final, int64_t from_us)
{
	vg_store_info info;
	vg_alerts *al = NULL;
	vg_pipeline *p = NULL;
	vg_pipeline_opts po;
	char err[512];
	uint32_t known = 0;
	int64_t ev_last, ev_first;
	int32_t day0;
	size_t i, n;
	int rc = EXIT_STORE;

	if (vg_store_summary(w->store, &info) != VG_OK || vg_store_last_alert_id(w->store, &known) ||
	    vg_store_events_after(w->store, w->events_seen, &ev_last, &ev_first) != VG_OK) {
		warnx_("%s", vg_store_errmsg(w->store));
		return EXIT_STORE;
	}
	if (!info.n_days)
		return EXIT_OK;
	day0 = info.last_day - 1;
	if (from_us != INT64_MAX && from_us != INT64_MIN && vg_site_day(w->site, from_us) < day0)
		day0 = vg_site_day(w->site, from_us);
	/* a scan event decided late (stored with a later day's commit) is
	 * looked at from its first day */
	if (ev_first != INT64_MAX && vg_site_day(w->site, ev_first) < day0)
		day0 = vg_site_day(w->site, ev_first);
	if (day0 < info.first_day)
		day0 = info.first_day;
	if (vg_alerts_create(&al, w->site, err, sizeof err) != VG_OK) {
		warnx_("%s", err);
		return EXIT_INTERNAL;
	}
	memset(&po, 0, sizeof po);
	po.alerts = al;
	/* while running, only what has ended (a scan episode still open may
	 * grow into another event); at the stop, as vigil alerts --store */
	po.finished_only = !final;
	/* an event that ended in this commit counts if it began before */
	po.overlap_events = 1;
	if (vg_pipeline_create(&p, w->site, &po) != VG_OK ||
	    vg_pipeline_load(p, w->store, day0, info.last_day,
			     day0 - vg_site_alert_days(w->site)) != VG_OK ||
	    vg_pipeline_finish(p) != VG_OK) {
		warnx_("watch: %s", vg_pipeline_errmsg(p));
		goto out;
	}
	if (vg_alerts_finish(al) != VG_OK) {
		warnx_("watch: %s", vg_alerts_errmsg(al));
		goto out;
	}
	if (vg_alerts_use_store(al, w->store, 1) != VG_OK) {
		warnx_("%s", vg_store_errmsg(w->store));
		goto out;
	}
	n = vg_alerts_count(al);
	for (i = 0; i < n; i++) {
		const vg_alert *a = vg_alerts_get(al, i);
		struct seen *s = seen_slot(w, a->id);
		int fresh = a->id > known;
		char *line = NULL;
		size_t len = 0, k;
		uint64_t h = 1469598103934665603ULL;
		FILE *mf = open_memstream(&line, &len);
		if (!s || !mf) {
			if (mf)
				fclose(mf);
			warnx_("out of memory");
			rc = EXIT_INTERNAL;
			goto out;
		}
		vg_alert_write_json(a, mf);
		fclose(mf);
		for (k = 0; k < len; k++)
			h = (h ^ (unsigned char)line[k]) * 1099511628211ULL;
		h |= 1; /* 0 is "not seen" */
		if (s->hash == h) {
			free(line);
			continue; /* nothing new about it */
		}
		s->hash = h;
		/* the alerts the store knew when watch started were said
		 * by an earlier run: not again */
		if (!fresh && !w->started) {
			free(line);
			continue;
		}
		fwrite(line, 1, len, w->afp);
		fputc('\n', w->afp);
		free(line);
		fflush(w->afp);
		w->alerts_out++;
		if (fresh)
			run_exec(w, a);
	}
	w->started = 1;
	w->events_seen = ev_last;
	rc = EXIT_OK;
out:
	vg_pipeline_free(p);
	vg_alerts_free(al);
	return rc;
}

/* --------------------------------------------------------- HTML, status */

/* The report of the whole store, as vigil report --store --html writes
 * it (this process holds the store: no second reader can open it), into
 * FILE.tmp, then renamed over FILE. */
static void write_html(struct watch *w)
{
	vg_html_opts ho = {NULL, 0, w->o->html_max_cells};
	const char *names[1] = {w->path};
	vg_store_info info;
	vg_study *st = NULL;
	vg_alerts *al = NULL;
	vg_pipeline *p = NULL;
	vg_pipeline_opts po;
	char err[512], tmp[4200];
	FILE *fp;
	int given, ok = 0;
	if (!w->o->html_file || vg_store_summary(w->store, &info) != VG_OK || !info.n_days)
		return;
	ho.inputs = names;
	ho.n_inputs = 1;
	snprintf(tmp, sizeof tmp, "%s.tmp", w->o->html_file);
	if (vg_study_create(&st, w->site, err, sizeof err) != VG_OK ||
	    vg_alerts_create(&al, w->site, err, sizeof err) != VG_OK) {
		warnx_("watch: --html: %s", err);
		goto out;
	}
	vg_alerts_keep_scans(al, 0); /* the report lists the scan events itself */
	memset(&po, 0, sizeof po);
	po.study = st;
	po.alerts = al;
	if (vg_pipeline_create(&p, w->site, &po) != VG_OK ||
	    vg_pipeline_load(p, w->store, info.first_day, info.last_day, info.first_day) != VG_OK ||
	    vg_pipeline_finish(p) != VG_OK || vg_pipeline_finish_sinks(p) != VG_OK) {
		warnx_("watch: --html: %s", vg_pipeline_errmsg(p));
		goto out;
	}
	if (vg_alerts_use_store(al, w->store, 0) != VG_OK) {
		warnx_("watch: --html: %s", vg_store_errmsg(w->store));
		goto out;
	}
	vg_study_set_alerts(st, al);
	vg_study_set_freshness(st, info.last_us, (int64_t)time(NULL) * 1000000,
			       vg_site_max_age(w->site, &given));
	if (!(fp = fopen(tmp, "w"))) {
		warnx_("watch: --html: %s: %s", tmp, strerror(errno));
		goto out;
	}
	ok = vg_study_write_html(st, fp, &ho) == VG_OK;
	ok = fclose(fp) == 0 && ok;
	if (!ok || rename(tmp, w->o->html_file) != 0) {
		warnx_("watch: --html %s: cannot write; the page is unchanged", w->o->html_file);
		unlink(tmp);
	}
out:
	vg_pipeline_free(p);
	vg_alerts_free(al);
	vg_study_free(st);
}

static void status(struct watch *w, int force)
{
	double now = now_seconds(), dt = now - w->t_status;
	double rate = dt > 0 ? (double)(w->flows - w->flows_at_status) / dt : 0;
	char when[32] = "";
	double lag = -1;
	if (w->newest_us != INT64_MIN) {
		time_t sec = (time_t)(w->newest_us / 1000000);
		struct tm tm;
		gmtime_r(&sec, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		lag = (double)time(NULL) - (double)w->newest_us / 1e6;
	}
	if (w->o->status_file && (force || dt >= STATUS_EVERY_S)) {
		char tmp[4200], loss[96] = "";
		if (w->netflow)
			snprintf(loss, sizeof loss, "\"lost_datagrams\":%llu,\"exporter_lost\":%llu,",
				 (unsigned long long)w->lost, (unsigned long long)w->seq_lost);
		FILE *f;
		snprintf(tmp, sizeof tmp, "%s.tmp", w->o->status_file);
		if ((f = fopen(tmp, "w"))) {
			fprintf(f, "{\"time\":%lld,\"uptime_s\":%.0f,\"flows\":%llu,\"flows_per_s\":%.1f,"
				"\"commits\":%llu,\"alerts\":%llu,\"rss_kib\":%ld,\"last_data\":%s%s%s,"
				"%s\"feed_lag_s\":",
				(long long)time(NULL), now - w->t0, (unsigned long long)w->flows, rate,
				(unsigned long long)w->commits, (unsigned long long)w->alerts_out,
				rss_kib(), when[0] ? "\"" : "", when[0] ? when : "null",
				when[0] ? "\"" : "", loss);
			if (lag >= 0)
				fprintf(f, "%.0f}\n", lag);
			else
				fputs("null}\n", f);
			if (fclose(f) != 0 || rename(tmp, w->o->status_file) != 0)
				warnx_("watch: --status %s: cannot write", w->o->status_file);
		}
	}
	if (!w->o->quiet && isatty(2) && (force || now - w->t_tty >= STATUS_TTY_S)) {
		char a[32];
		fprintf(stderr, "vigil: watch: %s flows, %.0f flows/s, %llu commits, %llu alerts, "
			"%ld MiB, last data %s\n", vg_group_digits(w->flows, a, sizeof a), rate,
			(unsigned long long)w->commits, (unsigned long long)w->alerts_out,
			rss_kib() / 1024, when[0] ? when : "none yet");
		w->t_tty = now;
	}
	if (dt >= STATUS_EVERY_S || force) {
		w->t_status = now;
		w->flows_at_status = w->flows;
	}
}

/* A feed silent for longer than --max-age: one line, and one when it
 * comes back. */
/* -l: the losses of reader r, said on stderr when they grew (once a minute
 * at most: a collector that drops must not flood its log). */
static void loss_check(struct watch *w, vg_reader *r)
{
	const vg_nf *nf = vg_reader_netflow(r);
	vg_reader_stats st;
	size_t i, n;
	double now;
	char a[32], b[32];
	if (!nf)
		return;
	w->netflow = 1;
	vg_reader_get_stats(r, &st);
	w->lost = st.n_lost;
	w->seq_lost = 0;
	for (i = 0, n = vg_nf_stream_count(nf); i < n; i++) {
		vg_nf_stats ns;
		vg_nf_stream_stats(nf, i, &ns);
		w->seq_lost += ns.lost;
	}
	now = now_seconds();
	if (w->lost + w->seq_lost > w->lost_said && now - w->t_lost >= STATUS_TTY_S) {
		warnx_("watch: %s: %s datagrams lost before decoding (buffer or queue full: "
		       "vigil does not keep up), %s lost by the exporters' sequence numbers",
		       w->o->inputs[0], vg_group_digits(w->lost, a, sizeof a),
		       vg_group_digits(w->seq_lost, b, sizeof b));
		w->lost_said = w->lost + w->seq_lost;
		w->t_lost = now;
	}
}

static void feed_check(struct watch *w)
{
	int given;
	double max = vg_site_max_age(w->site, &given), quiet = now_seconds() - w->last_flow_wall;
	char line[256];
	if (!w->silent && quiet > max) {
		snprintf(line, sizeof line, "{\"feed\":{\"silent\":true,\"silent_s\":%.0f,"
			 "\"max_age_s\":%.0f}}", quiet, max);
		w->silent = 1;
	} else if (w->silent && quiet <= max) {
		snprintf(line, sizeof line, "{\"feed\":{\"silent\":false}}");
		w->silent = 0;
	} else {
		return;
	}
	fprintf(w->afp, "%s\n", line);
	fflush(w->afp);
	if (w->o->exec_cmd) {
		FILE *fp;
		fflush(NULL);
		if ((fp = popen(w->o->exec_cmd, "w"))) {
			fprintf(fp, "%s\n", line);
			pclose(fp);
		}
	}
}

/* ---------------------------------------------------------------- commits */

/* The alert pass over what the commits since the last one hold. */
static int flush_alerts(struct watch *w, int final)
{
	int rc;
	if (!w->pending && !final)
		return EXIT_OK;
	rc = alert_pass(w, final, w->pending_from);
	w->pending = 0;
	w->pending_from = INT64_MAX;
	w->last_pass = now_seconds();
	return rc;
}

/* At most one alert pass a second: a backlog (a directory of files, a
 * stream catching up) is committed file by file, hour by hour, and its
 * alerts said in passes over several commits at once. */
static int maybe_alerts(struct watch *w)
{
	if (w->pending && now_seconds() - w->last_pass >= 1.0)
		return flush_alerts(w, 0);
	return EXIT_OK;
}

static int commit(struct watch *w, const vg_store_input *in, int final)
{
	int64_t from = in ? in->first_us : INT64_MAX;
	int rc;
	if (vg_pipeline_add(w->p, NULL, 0) != VG_OK ||
	    (rc = vg_pipeline_commit(w->p, in)) != VG_OK) {
		warnx_("%s: %s", w->path, vg_pipeline_errmsg(w->p));
		return EXIT_STORE;
	}
	w->commits++;
	w->pending = 1;
	if (from < w->pending_from || w->pending_from == INT64_MAX)
		w->pending_from = from == INT64_MIN ? w->pending_from : from;
	if ((rc = final ? flush_alerts(w, 1) : maybe_alerts(w)) != EXIT_OK)
		return rc;
	if (w->o->html_file && w->newest_us != INT64_MIN) {
		int32_t day = vg_site_day(w->site, w->newest_us);
		if (day != w->html_day) {
			write_html(w);
			w->html_day = day;
		}
	}
	return EXIT_OK;
}

static int consume(struct watch *w, vg_flow *flows, size_t n)
{
	size_t j, m;
	int64_t newest = w->newest_us;
	if (w->o->filter) {
		for (j = m = 0; j < n; j++)
			if (vg_filter_match(w->o->filter, &flows[j]))
				flows[m++] = flows[j];
		n = m;
	}
	for (j = 0; j < n; j++)
		if (flows[j].kind == VG_REC_FLOW && flows[j].ltime_us > newest)
			newest = flows[j].ltime_us;
	if (!n)
		return EXIT_OK;
	w->flows += n;
	w->chunk_records += n;
	for (j = 0; j < n; j++)
		if (flows[j].kind == VG_REC_FLOW) {
			if (flows[j].stime_us < w->chunk_first)
				w->chunk_first = flows[j].stime_us;
			if (flows[j].ltime_us > w->chunk_last)
				w->chunk_last = flows[j].ltime_us;
		}
	w->last_flow_wall = now_seconds();
	if (vg_pipeline_add(w->p, flows, n) != VG_OK) {
		warnx_("%s: %s", w->path, vg_pipeline_errmsg(w->p));
		return EXIT_INTERNAL;
	}
	w->newest_us = newest;
	return EXIT_OK;
}

/* A stream's commit: what came since the last one is an input of the
 * store (named after the feed), so that the store counts its records. */
static int stream_commit(struct watch *w, int final)
{
	vg_store_input in;
	char hash[96];
	int rc;
	if (!w->chunk_records)
		return final ? flush_alerts(w, 1) : EXIT_OK;
	memset(&in, 0, sizeof in);
	in.name = w->feed_name;
	snprintf(hash, sizeof hash, "live-%lld-%lld-%llu", (long long)time(NULL),
		 (long long)w->chunk_first, (unsigned long long)w->commits);
	in.hash = hash;
	in.records = w->chunk_records;
	in.first_us = w->chunk_first;
	in.last_us = w->chunk_last;
	rc = commit(w, &in, final);
	w->chunk_records = 0;
	w->chunk_first = INT64_MAX;
	w->chunk_last = INT64_MIN;
	return rc;
}

/* -S, -i: one reader, committed as the data passes each hour. */
static int watch_stream(struct watch *w, vg_flow *batch)
{
	vg_reader_opts ro;
	vg_reader *r = NULL;
	int rc, ec = EXIT_OK;
	const char *name = w->o->n_inputs ? w->o->inputs[0] : w->o->iface;
	reader_opts(w->o, &ro);
	ro.reconnect = 1;
	ro.idle_ms = 1000;
	ro.prefetch = 0;
	rc = w->o->n_inputs ? vg_reader_open(&r, name, &ro) : vg_reader_open_live(&r, name, &ro);
	if (rc != VG_OK) {
		warnx_("%s", vg_reader_errmsg(r));
		vg_reader_close(r);
		return EXIT_INPUT;
	}
	live = r;
	if (stop_flag)
		vg_reader_interrupt(r);
	while (ec == EXIT_OK) {
		size_t n = 0;
		rc = vg_reader_read(r, batch, BATCH, &n);
		if (rc == VG_DONE)
			break;
		if (rc < 0) {
			warnx_("%s", vg_reader_errmsg(r));
			if (rc != VG_ERECORD)
				break;
		}
		if (n && (ec = consume(w, batch, n)) != EXIT_OK)
			break;
		if (w->newest_us != INT64_MIN) {
			int64_t h = hour_of(w->newest_us);
			if (w->hour == INT64_MIN)
				w->hour = h;
			/* each hour of data as it closes; a backlog read faster
			 * than real time commits its hours once in --commit-gap */
			if (h > w->hour && now_seconds() - w->t_commit >= w->o->commit_gap) {
				if ((ec = stream_commit(w, 0)) != EXIT_OK)
					break;
				w->hour = h;
				w->t_commit = now_seconds();
			}
		}
		if ((ec = maybe_alerts(w)) != EXIT_OK)
			break;
		if (hup_flag) {
			hup_flag = 0;
			write_html(w);
		}
		loss_check(w, r);
		feed_check(w);
		status(w, 0);
	}
	loss_check(w, r);
	live = NULL;
	vg_reader_close(r);
	if (ec == EXIT_OK)
		ec = stream_commit(w, 1);
	return ec;
}

static int skip_name(const char *n)
{
	size_t len = strlen(n);
	return n[0] == '.' || strncmp(n, "nfcapd.current", 14) == 0 ||
	       (len > 4 && strcmp(n + len - 4, ".tmp") == 0) ||
	       (len > 5 && strcmp(n + len - 5, ".part") == 0) || n[len - 1] == '~';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file_flows(void *user, const vg_flow *flows, size_t n)
{
	struct watch *w = user;
	return vg_pipeline_add(w->p, flows, n) != VG_OK;
}

/* One file of the directory, as vigil ingest folds it: skipped when the
 * store has it. */
static int ingest_file(struct watch *w, const char *path)
{
	struct opts one = *w->o;
	struct totals t;
	vg_store_input in;
	char hash[64] = "";
	const char *inputs[1] = {path};
	int rc;
	memset(&in, 0, sizeof in);
	in.name = path;
	if (vg_file_hash(path, &in.size, hash) != VG_OK) {
		warnx_("%s: cannot read: %s", path, strerror(errno));
		return EXIT_OK;
	}
	selection_hash(w->o, hash, sizeof hash);
	in.hash = hash;
	if ((rc = vg_store_input_seen(w->store, &in)) != 0) {
		if (rc < 0) {
			warnx_("%s", vg_store_errmsg(w->store));
			return EXIT_STORE;
		}
		return EXIT_OK;
	}
	one.inputs = inputs;
	one.n_inputs = 1;
	one.quiet = 1;
	if (run_inputs(&one, add_file_flows, w, &t) != 0) {
		warnx_("%s: %s", w->path, vg_pipeline_errmsg(w->p));
		return EXIT_INTERNAL;
	}
	in.records = t.n_matched;
	in.first_us = t.m_first_us;
	in.last_us = t.m_last_us;
	if (t.m_last_us != INT64_MIN && t.m_last_us > w->newest_us)
		w->newest_us = t.m_last_us;
	if (t.n_matched)
		w->last_flow_wall = now_seconds();
	w->flows += t.n_matched;
	if (!w->o->quiet)
		warnx_("watch: %s: %llu records", path, (unsigned long long)t.n_matched);
	return commit(w, &in, 0);
}

struct file_state {
	char *name;
	off_t size;
	struct timespec mtime;
};

/* -R DIR: its files in name order, each once its size and time have
 * stood still for a poll. */
static int watch_dir(struct watch *w)
{
	struct file_state *prev = NULL;
	size_t n_prev = 0, i;
	int ec = EXIT_OK;
	while (!stop_flag && ec == EXIT_OK) {
		DIR *d = opendir(w->o->follow_dir);
		struct dirent *de;
		char **names = NULL;
		size_t n = 0, cap = 0;
		struct file_state *cur;
		int took = 0;
		struct timespec ts = {POLL_DIR_MS / 1000, (POLL_DIR_MS % 1000) * 1000000L};
		if (!d) {
			warnx_("%s: cannot open the directory: %s", w->o->follow_dir, strerror(errno));
			return EXIT_INPUT;
		}
		while ((de = readdir(d))) {
			if (skip_name(de->d_name))
				continue;
			if (n == cap) {
				char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *nn);
				if (!nn)
					break;
				names = nn;
			}
			if (asprintf(&names[n], "%s/%s", w->o->follow_dir, de->d_name) >= 0)
				n++;
		}
		closedir(d);
		qsort(names, n, sizeof *names, cmp_str);
		cur = calloc(n ? n : 1, sizeof *cur);
		for (i = 0; cur && i < n && ec == EXIT_OK && !stop_flag; i++) {
			struct stat sb;
			size_t k;
			int stable = 0;
			cur[i].name = names[i];
			if (stat(names[i], &sb) != 0 || !S_ISREG(sb.st_mode))
				continue;
			cur[i].size = sb.st_size;
			cur[i].mtime = sb.st_mtim;
			for (k = 0; k < n_prev; k++)
				if (strcmp(prev[k].name, names[i]) == 0) {
					stable = prev[k].size == sb.st_size &&
						 prev[k].mtime.tv_sec == sb.st_mtim.tv_sec &&
						 prev[k].mtime.tv_nsec == sb.st_mtim.tv_nsec;
					break;
				}
			if (!stable || strcmp(names[i], w->dir_prev) <= 0)
				continue;
			/* in name order: a later file waits for an earlier one */
			ec = ingest_file(w, names[i]);
			took++;
			snprintf(w->dir_prev, sizeof w->dir_prev, "%s", names[i]);
		}
		for (i = 0; i < n_prev; i++)
			free(prev[i].name);
		free(prev);
		prev = cur;
		n_prev = cur ? n : 0;
		if (!cur)
			for (i = 0; i < n; i++)
				free(names[i]);
		free(names);
		/* the files of this look are in: their alerts now */
		if (ec == EXIT_OK && !stop_flag)
			ec = flush_alerts(w, 0);
		if (hup_flag) {
			hup_flag = 0;
			write_html(w);
		}
		feed_check(w);
		status(w, 0);
		/* a look that found files looks again at once (a backlog) */
		if (!stop_flag && ec == EXIT_OK && !took)
			nanosleep(&ts, NULL);
	}
	for (i = 0; i < n_prev; i++)
		free(prev[i].name);
	free(prev);
	if (ec == EXIT_OK)
		ec = flush_alerts(w, 1); /* at the stop, the open tail too */
	return ec;
}

int cmd_watch(int argc, char **argv)
{
	struct opts o;
	struct watch w;
	struct sigaction sa;
	vg_pipeline_opts po;
	vg_store_opts so;
	vg_flow *batch = NULL;
	int ec = EXIT_USAGE, rc, fd;

	memset(&w, 0, sizeof w);
	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	ec = EXIT_USAGE;
	w.o = &o;
	if ((o.n_inputs != 0) + (o.iface != NULL) + (o.follow_dir != NULL) != 1 || o.n_inputs > 1 ||
	    (o.n_inputs && strncmp(o.inputs[0], "argus://", 8) != 0 &&
	     strncmp(o.inputs[0], "netflow://", 10) != 0)) {
		warnx_("watch: give one feed: -S HOST:PORT (repeatable), -l ADDR:PORT (repeatable), "
		       "-i IFACE or -R DIR (files: vigil ingest)");
		goto out;
	}
	if (o.time_spec) {
		warnx_("watch: -t does not apply to a live feed");
		goto out;
	}
	if (!(w.site = load_site(&o)))
		goto out;
	if (!(w.path = vg_site_store(w.site))) {
		warnx_("watch: no store; give one with --store DB (or store = DB in the site file)");
		goto out;
	}
	if (o.alerts_file) {
		if ((fd = open(o.alerts_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0 ||
		    !(w.afp = fdopen(fd, "a"))) {
			warnx_("%s: cannot open: %s", o.alerts_file, strerror(errno));
			goto out;
		}
	} else {
		w.afp = stdout;
	}
	if ((rc = vg_store_open_ex(&w.store, w.path, VG_STORE_WRITE, w.site,
				   store_opts(w.o, &so))) != VG_OK) {
		warnx_("%s", vg_store_errmsg(w.store));
		ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
		goto out;
	}
	w.path = vg_store_name(w.store); /* without a password */
	memset(&po, 0, sizeof po);
	po.store = w.store;
	if ((rc = vg_pipeline_create(&w.p, w.site, &po)) != VG_OK) {
		warnx_("%s: %s", w.path, vg_pipeline_errmsg(w.p));
		ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
		goto out;
	}
	if (!(batch = malloc(BATCH * sizeof *batch))) {
		warnx_("out of memory");
		ec = EXIT_INTERNAL;
		goto out;
	}
	w.hour = INT64_MIN;
	w.newest_us = INT64_MIN;
	w.chunk_first = INT64_MAX;
	w.chunk_last = INT64_MIN;
	w.pending_from = INT64_MAX;
	w.feed_name = o.follow_dir ? o.follow_dir : o.n_inputs ? o.inputs[0] : o.iface;
	w.html_day = INT32_MIN;
	w.t0 = w.t_status = w.t_tty = w.last_flow_wall = now_seconds();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the alerts the store has are the earlier runs': known, not said
	 * (the events it has were looked at by them) */
	{
		int64_t first;
		if (vg_store_events_after(w.store, 0, &w.events_seen, &first) != VG_OK) {
			warnx_("%s", vg_store_errmsg(w.store));
			ec = EXIT_STORE;
			goto out;
		}
	}
	if ((ec = alert_pass(&w, 0, INT64_MAX)) != EXIT_OK)
		goto out;
	ec = o.follow_dir ? watch_dir(&w) : watch_stream(&w, batch);
	status(&w, 1);
	if (!o.quiet)
		warnx_("watch: stopped: %llu flows, %llu commits, %llu alerts written",
		       (unsigned long long)w.flows, (unsigned long long)w.commits,
		       (unsigned long long)w.alerts_out);
	if (w.netflow && (!o.quiet || w.lost || w.seq_lost))
		warnx_("watch: netflow: %llu datagrams lost before decoding, %llu lost by the "
		       "exporters' sequence numbers", (unsigned long long)w.lost,
		       (unsigned long long)w.seq_lost);
out:
	if (w.afp && w.afp != stdout)
		fclose(w.afp);
	free(w.seen);
	free(batch);
	vg_pipeline_free(w.p);
	vg_store_close(w.store);
	vg_site_free(w.site);
	free_opts(&o);
	return ec;
}
