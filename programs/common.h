/*
 * common.h - what the verbs of the vigil command share: the option set
 * every verb accepts the same way, the input loop (open, read, filter,
 * report errors, show progress), and human number formatting.
 * The CLI uses only the public API in vigil.h.
 */
#ifndef VIGIL_PROGRAMS_COMMON_H
#define VIGIL_PROGRAMS_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include "vigil.h"

/* Exit codes (documented in vigil(1)). */
enum {
	EXIT_OK = 0,
	EXIT_ALERT = 1,   /* reserved: alerts at or above --fail-on */
	EXIT_USAGE = 2,   /* bad command line */
	EXIT_INPUT = 3,   /* an input could not be read or had bad records */
	EXIT_INTERNAL = 4, /* out of memory, write error, internal error */
	EXIT_STORE = 5,    /* the store cannot be used: damaged, another schema
			    * version or site, read-only, locked by another writer */
	EXIT_STALE = 6     /* --fail-on: the newest data is older than --max-age */
};


struct opts {
	const char *verb;
	const char **inputs;     /* -r FILE..., and the files of -R DIR */
	size_t n_inputs, cap_inputs;
	char **owned;            /* names made for -R (freed by free_opts) */
	char *servers;           /* -S: argus://HOST:PORT,... (one input) */
	char *listens;           /* watch -l: netflow://ADDR:PORT,... (one input) */
	int reconnect;           /* --reconnect (watch: always) */
	const char *alerts_file; /* watch --alerts */
	const char *exec_cmd;    /* watch --exec */
	const char *status_file; /* watch --status */
	double commit_gap;       /* watch, ingest --commit-gap (seconds; default 1) */
	const char *follow_dir;  /* watch -R DIR: followed, not listed */
	size_t n_owned, cap_owned;
	const char *format;      /* -F, --format: input format or NULL */
	const char *iface;       /* -i, --interface: live capture */
	const char *bpf;         /* --bpf: packet filter for captures */
	int meter_active_s;      /* --meter-active */
	int meter_idle_s;        /* --meter-idle */
	int meter_v6_label;      /* --meter-v6-label */
	int strict;              /* --strict */
	int quiet;               /* -q: no progress, no warnings summary */
	int outfmt;              /* -o: VG_OUT_* */
	int fields[VG_F__COUNT * 4];
	size_t n_fields;         /* 0 = defaults */
	int merge;               /* --merge */
	double idle_s;           /* --idle */
	int no_header;           /* --no-header */
	int stats;               /* dump --stats */
	const char *outfile;     /* -w FILE */
	char *filter_expr;       /* joined operands after the options */
	vg_filter *filter;
	int idle_set;            /* --idle was given */
	const char *config;      /* -c, --config: site file */
	const char *csv_dir;     /* --csv-dir */
	const char *html_file;   /* --html */
	const char *figures_dir; /* report --figures (figures.c) */
	size_t html_max_cells;   /* --html-max-cells, 0 = default */
	int fail_on;             /* --fail-on: VG_SEV_*, 0 = none */
	int wide;                /* --wide: text lines as wide as they are */
	int time_fmt;            /* --time-format: VG_TIME_*, 0 = the output's default */
	int min_sev;             /* --min-severity: VG_SEV_*, 0 = not given */
	int no_alerts;           /* report --no-alerts */
	int without;             /* report --without: VG_WITHOUT_*, 0 = the default */
	const char *since;       /* --since */
	const char *sensor;      /* --sensor */
	const char *store_auth;  /* --store-auth */
	int partial;             /* --partial */
	int raw;                 /* --raw */
	const char *cluster;     /* store init --cluster */
	const char *shards[64];  /* store init --shard, in order */
	size_t n_shards;
	const char *before;      /* store prune --before */
	const char *iodef_file;  /* --iodef */
	const char *stix_file;   /* --stix */
	const char *misp_file;   /* --misp */
	const char *anonymize;   /* --anonymize KEY|/N */
	int anon_keep;           /* --anon-monitored: VG_ANON_* (0 replace) */
	int anon_set;            /* --anon-monitored was given */
	vg_anon *anon;           /* made by parse_opts from --anonymize */
	int anon_output;         /* export: addresses anonymised as written, not the site */
	const char *share_file;  /* export --share */
	const char **shared;     /* report --shared FILE... */
	const char *top_keys;    /* top -s */
	const char *top_order;   /* top -O */
	size_t top_n;            /* top -n (0: every group) */
	int top_n_set;
	size_t n_shared;
	const char *team;        /* export --team */
	const char *description; /* export --description */
	const char *time_spec;   /* -t RANGE as given, or NULL */
	int64_t t_lo, t_hi;      /* -t: records starting in [t_lo, t_hi), µs UTC */
	int64_t t_rel;           /* -t -24h: the last t_rel µs of the data */
	int t_resolved;          /* t_lo/t_hi set from t_rel */
	/* site keys given on the command line, in order */
	const char *site_key[256];
	const char *site_val[256];
	size_t n_site;
};

/* Totals over all inputs of one run. */
struct totals {
	vg_reader_stats rs;      /* summed */
	uint64_t n_matched;      /* flow records that passed the filter */
	int64_t m_first_us;      /* earliest start of those, INT64_MAX if none */
	int64_t m_last_us;       /* latest end of those, INT64_MIN if none */
	uint64_t n_inputs_read;    /* opened and read, with errors or not */
	uint64_t n_inputs_failed;  /* not opened, or with errors */
	int input_error;         /* any error: exit EXIT_INPUT */
	double seconds;
};

typedef int (*consume_fn)(void *user, const vg_flow *flows, size_t n);

/* Parses argv for a verb. Returns -1 when done with an exit code in *exit_code
 * (after --help, or a usage error already reported), else 0. */
/* The option table (options.c). */
enum { V_DUMP = 1, V_STATS = 2, V_REPORT = 4, V_SCANS = 8, V_ALERTS = 16, V_INGEST = 32,
       V_COLLECT = 64, V_WATCH = 128, V_STORE = 256, V_EXPORT = 512, V_TOP = 1024 };
enum { G_SITE, G_INPUT, G_OUTPUT };
#define GROUP(g) (1u << (g))
struct optdef {
	char letter;       /* 0: long only */
	const char *name;  /* NULL: a help line naming several (arg holds it) */
	const char *arg;   /* the value's name; NULL: takes none */
	unsigned verbs;    /* V_* that take it (with this help) */
	unsigned group;    /* G_*: where --help lists it */
	const char *help;  /* lines joined by '\n' */
};
unsigned verb_bit(const char *verb);
/* The row of the option called name (or, with name NULL, the one-letter
 * option letter) for verb; NULL when the verb has no such option. */
const struct optdef *opt_find(unsigned verb, const char *name, char letter);
/* The same for any verb (to tell "unknown" from "not for this verb"). */
const struct optdef *opt_find_any(const char *name, char letter);
/* Prints verb's options of the groups (GROUP(G_*) | ...), in table order. */
void print_options(FILE *fp, unsigned verb, unsigned groups);

int parse_opts(struct opts *o, int argc, char **argv, int *exit_code,
	       void (*usage)(FILE *));
void free_opts(struct opts *o);

/* Reads every input through the filter, calling consume per batch. */
int run_inputs(struct opts *o, consume_fn consume, void *user,
	       struct totals *t);

/* -t: a time range; 0, or -1 if spec is not one. */
int parse_time_range(const char *spec, int64_t *lo, int64_t *hi, int64_t *rel);

/* The days a verb reads from the site's store: all of them, or those of
 * -t (whole days of the site's zone). */
struct store_range {
	int32_t day0, day1;
	vg_store_info info;
};
/* Opens the site's store for reading (checked against the site) and sets
 * the range. Returns EXIT_OK or the exit code after a message. */
/* The store options of o (--sensor, --store-auth, --partial, --cluster,
 * --shard) into so; returns so. */
const vg_store_opts *store_opts(const struct opts *o, vg_store_opts *so);
int open_store_range(struct opts *o, const vg_site *site, vg_store **s, struct store_range *r);

/* A dead feed: when the data comes from a store or --max-age was given,
 * says on stderr that the newest data (newest_us) is older than max-age
 * and returns 1; st (may be NULL) gets the freshness for its JSON. */
int check_fresh(const struct opts *o, const vg_site *site, int from_store, int64_t newest_us,
		vg_study *st, vg_alerts *al);

/* The reader options the input options ask for. */
void reader_opts(const struct opts *o, vg_reader_opts *ro);
/* Appends "+HASH" of the filter and -t to an input's content hash: the
 * selection belongs to its identity in a store. */
void selection_hash(const struct opts *o, char *hash, size_t cap);

/* Output descriptor for -w (or stdout). Returns -1 on error (reported). */
int open_output(const struct opts *o);

/* The site from -c and the site options (and --idle); NULL after a
 * message. */
vg_site *load_site(const struct opts *o);

void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double now_seconds(void);

/* "1.23 M", "456 k", "12,345": numbers for people. */
const char *human_count(char *buf, size_t len, double v);
const char *human_bytes(char *buf, size_t len, double v); /* KiB, MiB */
const char *human_duration(char *buf, size_t len, double seconds);

int cmd_dump(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_scans(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_store(int argc, char **argv);
/* report, alerts --shared: the shares read (a message and an exit code
 * for the first that is refused; *sh NULL then). */
int open_shares(const struct opts *o, vg_shared **sh);
/* A store's day number (days of the site's zone) as YYYY-MM-DD. */
void day_text(int32_t day, char out[16]);
int cmd_key(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_top(int argc, char **argv);

#endif
