/*
 * cmd_ingest.c - `vigil ingest`: folds input files into the site's store
 * (docs/store.md). Each commit is one transaction: the rows, scan events
 * and records of the inputs read since the last one (at most --commit-gap
 * seconds of them) and the open tail, so that a killed ingest run again
 * gives the store an uninterrupted run would have given. An input already
 * ingested (same name, size, content and selection) is skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil ingest --store DB [site] [options] -r FILE... | -R DIR [filter]\n"
	      "\n"
	      "Folds the inputs into the store DB (an SQLite file, made if missing): the\n"
	      "day rollups of every analysis, the scan events, and the connections and\n"
	      "scan episodes still open at the end (continued by the next ingest). Then\n"
	      "vigil report, scans and alerts --store DB read it (docs/store.md).\n"
	      "\n", fp);
	print_options(fp, V_INGEST, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\n"
	      "An input is skipped when the store has one of the same name, size, content\n"
	      "hash, filter and -t. A second ingest into the same store waits for the\n"
	      "first (30 s), then fails. Exit: 0 ok, 3 input errors, 5 store error.\n", fp);
}

struct ingest_ctx {
	vg_pipeline *p;
};

/* The inputs read since the last commit, as "name\nsize\nhash": an input
 * given twice in one run is skipped although the store does not have it
 * yet (a server store sees it only after the commit). */
struct pending {
	char **key;
	size_t n, cap;
};

static char *pending_key(const vg_store_input *in)
{
	size_t len = strlen(in->name) + strlen(in->hash) + 24;
	char *k = malloc(len);
	if (k)
		snprintf(k, len, "%s\n%llu\n%s", in->name, (unsigned long long)in->size, in->hash);
	return k;
}

/* 1: in the list; 0: not; -2: out of memory */
static int pending_has(const struct pending *p, const vg_store_input *in)
{
	char *k = pending_key(in);
	size_t i;
	int found = 0;
	if (!k)
		return -2;
	for (i = 0; i < p->n && !found; i++)
		found = strcmp(p->key[i], k) == 0;
	free(k);
	return found;
}

static int pending_add(struct pending *p, const vg_store_input *in)
{
	char *k;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		char **nk = realloc(p->key, cap * sizeof *nk);
		if (!nk)
			return -1;
		p->key = nk;
		p->cap = cap;
	}
	if (!(k = pending_key(in)))
		return -1;
	p->key[p->n++] = k;
	return 0;
}

static void pending_clear(struct pending *p)
{
	while (p->n)
		free(p->key[--p->n]);
}

static void pending_free(struct pending *p)
{
	pending_clear(p);
	free(p->key);
}

/* The inputs read since the last commit, their rows and the open tail, in
 * one transaction. */
static int commit(struct ingest_ctx *c, const char *path, struct pending *pend, size_t *added,
		  size_t *n_pend)
{
	int rc = vg_pipeline_commit(c->p, NULL);
	if (rc != VG_OK) {
		warnx_("%s: %s", path, vg_pipeline_errmsg(c->p));
		return rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
	}
	*added += *n_pend;
	*n_pend = 0;
	pending_clear(pend);
	return EXIT_OK;
}

static int consume(void *user, const vg_flow *flows, size_t n)
{
	struct ingest_ctx *c = user;
	return vg_pipeline_add(c->p, flows, n) != VG_OK;
}

int cmd_ingest(int argc, char **argv)
{
	struct opts o;
	struct totals t, sum;
	struct ingest_ctx c = {0};
	vg_site *site = NULL;
	vg_store *store = NULL;
	vg_pipeline_opts po;
	vg_store_info info;
	vg_store_opts so;
	const char *path;
	const char **all;
	struct pending pend = {0};
	size_t n_all, i, added = 0, skipped = 0, n_pend = 0;
	double t_commit;
	int ec = EXIT_USAGE, rc, input_error = 0;

	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	ec = EXIT_USAGE;
	if (!(site = load_site(&o)))
		goto out;
	if (!(path = vg_site_store(site))) {
		warnx_("ingest: no store; give one with --store DB (or store = DB in the site file)");
		goto out;
	}
	if ((rc = vg_store_open_ex(&store, path, VG_STORE_WRITE, site, store_opts(&o, &so))) !=
	    VG_OK) {
		warnx_("%s", vg_store_errmsg(store));
		ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
		goto out;
	}
	path = vg_store_name(store); /* without a password */
	memset(&po, 0, sizeof po);
	po.store = store;
	if ((rc = vg_pipeline_create(&c.p, site, &po)) != VG_OK) {
		warnx_("%s: %s", path, vg_pipeline_errmsg(c.p));
		ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
		goto out;
	}
	memset(&sum, 0, sizeof sum);
	all = o.inputs;
	n_all = o.n_inputs;
	ec = EXIT_OK;
	t_commit = now_seconds();
	for (i = 0; i < n_all; i++) {
		vg_store_input in;
		char hash[64] = "";
		int std_in = strcmp(all[i], "-") == 0;
		memset(&in, 0, sizeof in);
		in.name = std_in ? "(stdin)" : all[i];
		if (std_in) {
			snprintf(hash, sizeof hash, "stdin");
		} else if (vg_file_hash(all[i], &in.size, hash) != VG_OK) {
			warnx_("%s: cannot read: %s", all[i], strerror(errno));
			input_error = 1;
			continue;
		}
		selection_hash(&o, hash, sizeof hash);
		in.hash = hash;
		if (!std_in && ((rc = vg_store_input_seen(store, &in)) != 0 ||
				(rc = pending_has(&pend, &in)) != 0)) {
			if (rc < 0) {
				warnx_("%s", rc == -2 ? "out of memory" : vg_store_errmsg(store));
				ec = rc == -2 ? EXIT_INTERNAL : EXIT_STORE;
				break;
			}
			if (!o.quiet)
				warnx_("%s: already in the store, skipped", all[i]);
			skipped++;
			continue;
		}
		o.inputs = &all[i];
		o.n_inputs = 1;
		rc = run_inputs(&o, consume, &c, &t);
		o.inputs = all;
		o.n_inputs = n_all;
		if (t.input_error)
			input_error = 1;
		if (rc != 0 || vg_pipeline_add(c.p, NULL, 0) != VG_OK) {
			warnx_("%s: %s", path, vg_pipeline_errmsg(c.p));
			ec = EXIT_INTERNAL;
			break;
		}
		in.records = t.n_matched;
		in.first_us = t.m_first_us;
		in.last_us = t.m_last_us;
		if ((rc = vg_pipeline_add_input(c.p, &in)) != VG_OK ||
		    (!std_in && pending_add(&pend, &in) != 0 && (rc = VG_ENOMEM))) {
			warnx_("%s: %s", path, rc == VG_ENOMEM ? "out of memory" : vg_pipeline_errmsg(c.p));
			ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
			break;
		}
		n_pend++;
		sum.n_matched += t.n_matched;
		/* small inputs share a commit: at most one in --commit-gap s */
		if (now_seconds() - t_commit < o.commit_gap && i + 1 < n_all)
			continue;
		if ((ec = commit(&c, path, &pend, &added, &n_pend)) != EXIT_OK)
			break;
		t_commit = now_seconds();
	}
	if (ec == EXIT_OK && n_pend)
		ec = commit(&c, path, &pend, &added, &n_pend);
	if (ec != EXIT_OK && n_pend)
		warnx_("ingest: %zu input%s read since the last commit %s not in the store; the same "
		       "command again reads %s", n_pend, n_pend == 1 ? "" : "s",
		       n_pend == 1 ? "is" : "are", n_pend == 1 ? "it" : "them");
	pending_free(&pend);
	if (ec == EXIT_OK && input_error)
		ec = EXIT_INPUT;
	if (!o.quiet && vg_store_summary(store, &info) == VG_OK) {
		char a[32], b[32];
		fprintf(stderr, "vigil: ingest: %zu input%s added (%s records), %zu skipped; the store "
			"holds %s records of %llu input%s",
			added, added == 1 ? "" : "s", vg_group_digits(sum.n_matched, a, sizeof a), skipped,
			vg_group_digits(info.records, b, sizeof b), (unsigned long long)info.n_inputs,
			info.n_inputs == 1 ? "" : "s");
		if (info.n_days) {
			char d0[16], d1[16];
			day_text(info.first_day, d0);
			day_text(info.last_day, d1);
			fprintf(stderr, ", %u day%s %s .. %s", info.n_days, info.n_days == 1 ? "" : "s",
				d0, d1);
		}
		fprintf(stderr, "\n");
	}
out:
	vg_pipeline_free(c.p);
	vg_store_close(store);
	vg_site_free(site);
	free_opts(&o);
	return ec;
}
