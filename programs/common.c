/*
 * common.c - the option parser every verb shares, the input loop with
 * error reporting and progress, and number formatting for people.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MAX_ERRORS_SHOWN 20 /* per input; the rest are counted */

void warnx_(const char *fmt, ...)
{
	va_list ap;
	fputs("vigil: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *human_count(char *buf, size_t len, double v)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.2f G", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2f M", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1f k", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

const char *human_bytes(char *buf, size_t len, double v)
{
	return vg_human_bytes(v, buf, len);
}

const char *human_duration(char *buf, size_t len, double s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%.3f s", s);
	else if (s < 3600)
		snprintf(buf, len, "%d min %02d s", (int)(s / 60), (int)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%d h %02d min", (int)(s / 3600), (int)s / 60 % 60);
	else
		snprintf(buf, len, "%d d %02d h %02d min", (int)(s / 86400),
			 (int)s / 3600 % 24, (int)s / 60 % 60);
	return buf;
}

/* ------------------------------------------------------------- options */

static int parse_fields(struct opts *o, const char *list)
{
	const char *p = list;
	if (*p == '+') {
		/* "+a,b": the defaults, then a and b */
		size_t i;
		for (i = 0; i < sizeof vg_default_fields / sizeof vg_default_fields[0]; i++)
			o->fields[o->n_fields++] = vg_default_fields[i];
		p++;
	}
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int f = vg_field_lookup(p, len);
		if (f < 0) {
			int i;
			warnx_("unknown field '%.*s'; fields are:", (int)len, p);
			for (i = 0; i < VG_F__COUNT; i++)
				fprintf(stderr, "  %-7s %s\n", vg_field_name(i),
					vg_field_doc(i));
			return -1;
		}
		if (o->n_fields >= sizeof o->fields / sizeof o->fields[0]) {
			warnx_("too many fields");
			return -1;
		}
		o->fields[o->n_fields++] = f;
		p += len;
		if (*p == ',')
			p++;
	}
	if (o->n_fields == 0) {
		warnx_("--fields needs at least one field");
		return -1;
	}
	return 0;
}

static int add_input(struct opts *o, const char *name)
{
	if (o->n_inputs == o->cap_inputs) {
		size_t cap = o->cap_inputs ? o->cap_inputs * 2 : 64;
		const char **n = realloc(o->inputs, cap * sizeof *n);
		if (!n) {
			warnx_("out of memory");
			return -1;
		}
		o->inputs = n;
		o->cap_inputs = cap;
	}
	o->inputs[o->n_inputs++] = name;
	return 0;
}

/* A live input that SIGINT and SIGTERM end (the rest of the run goes on):
 * Argus servers (-S, argus://) and NetFlow sockets (-l, netflow://). */
static int is_stream(const char *name)
{
	return strncmp(name, "argus://", 8) == 0 || strncmp(name, "netflow://", 10) == 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What -R selects under its directory (see read_dir_expr). */
struct dir_sel {
	size_t base_len;      /* strlen of the top directory */
	const char *lo, *hi;  /* relative paths, inclusive; NULL = no bound */
	const char *prefix;   /* file names in the top directory; NULL = any */
	int hi_seen;          /* a file named hi (or hi.EXT) was found */
};

/* LAST is inclusive as a name and as a prefix: -R a:flows.20240310 takes
 * flows.20240310.csv too, as a reader of the bounds would expect. */
static int selected(struct dir_sel *sel, const char *path, int depth)
{
	const char *rel = path + sel->base_len + 1;
	if (sel->prefix && (depth > 0 || strncmp(rel, sel->prefix, strlen(sel->prefix)) != 0))
		return 0;
	if (sel->lo && strcmp(rel, sel->lo) < 0)
		return 0;
	if (sel->hi && strncmp(rel, sel->hi, strlen(sel->hi)) == 0)
		sel->hi_seen = 1;
	else if (sel->hi && strcmp(rel, sel->hi) > 0)
		return 0;
	return 1;
}

/* Every regular file under DIR that sel selects, in name order,
 * subdirectories (in name order too) included, as nfdump -R reads a flow
 * directory. */
static int add_dir(struct opts *o, const char *dir, int depth,
		   struct dir_sel *sel)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (depth > 16)
		return 0;
	if (!(d = opendir(dir))) {
		warnx_("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char *path;
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			rc = -1;
			break;
		}
		if (n == cap) {
			char **nn;
			cap = cap ? cap * 2 : 64;
			if (!(nn = realloc(names, cap * sizeof *nn))) {
				free(path);
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n++] = path;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_name);
	for (i = 0; i < n; i++) {
		struct stat sb;
		int keep = 0;
		if (rc == 0 && stat(names[i], &sb) == 0) {
			if (S_ISDIR(sb.st_mode) && !(sel->prefix && depth == 0))
				rc = add_dir(o, names[i], depth + 1, sel);
			else if (S_ISREG(sb.st_mode) && strstr(names[i], "nfcapd.current") == NULL &&
				 selected(sel, names[i], depth))
				keep = add_input(o, names[i]) == 0;
		}
		if (keep && o->n_owned == o->cap_owned) {
			size_t c2 = o->cap_owned ? o->cap_owned * 2 : 64;
			char **no = realloc(o->owned, c2 * sizeof *no);
			if (!no) {
				rc = -1;
				keep = 0;
			} else {
				o->owned = no;
				o->cap_owned = c2;
			}
		}
		if (keep)
			o->owned[o->n_owned++] = names[i];
		else
			free(names[i]);
	}
	free(names);
	if (rc)
		warnx_("%s: cannot list the directory", dir);
	return rc;
}

/*
 * -R EXPR, as nfdump -R: a directory (every file under it), DIR/NAME (the
 * files in DIR whose names begin with NAME), or DIR/FIRST:LAST (the files
 * from FIRST to LAST in name order; LAST may have subdirectories, e.g.
 * /data/2024/03/04/nfcapd.202403040000:2024/03/05/nfcapd.202403052355, and
 * as many trailing parts of FIRST name the path under the top directory).
 */
static int read_dir_expr(struct opts *o, const char *expr)
{
	struct dir_sel sel = {0};
	struct stat sb;
	char *copy, *colon, *top;
	size_t before = o->n_inputs;
	int rc, parts = 1;

	if (stat(expr, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		sel.base_len = strlen(expr);
		return add_dir(o, expr, 0, &sel) ? EXIT_INPUT : EXIT_OK;
	}
	if (!(copy = strdup(expr))) {
		warnx_("out of memory");
		return EXIT_INTERNAL;
	}
	if ((colon = strchr(copy, ':'))) {
		const char *p;
		*colon = '\0';
		sel.hi = colon + 1;
		for (p = sel.hi; *p; p++)
			parts += *p == '/';
	}
	/* the top directory: FIRST without its last `parts` path parts */
	top = copy + strlen(copy);
	while (parts-- > 0) {
		while (top > copy && top[-1] != '/')
			top--;
		if (top > copy && parts > 0)
			top--;
	}
	if (top == copy) {
		/* no directory part: the working directory */
		sel.lo = sel.hi ? copy : NULL;
		sel.prefix = sel.hi ? NULL : copy;
		sel.base_len = 1;
		rc = add_dir(o, ".", 0, &sel);
	} else {
		top[-1] = '\0';
		if (sel.hi)
			sel.lo = top;
		else
			sel.prefix = top;
		sel.base_len = copy[0] ? strlen(copy) : 1;
		rc = add_dir(o, copy[0] ? copy : "/", 0, &sel);
	}
	if (rc == 0 && o->n_inputs == before) {
		warnx_("%s: -R: no file matches", expr);
		rc = -1;
	} else if (rc == 0 && sel.hi && !sel.hi_seen) {
		warnx_("%s: -R: no file is named %s (or %s.*): the range ends at the last "
		       "name before it, %s", expr, sel.hi, sel.hi, o->inputs[o->n_inputs - 1]);
	}
	free(copy);
	return rc ? EXIT_INPUT : EXIT_OK;
}

static int is_path(const char *s)
{
	struct stat sb;
	return strcmp(s, "-") != 0 && stat(s, &sb) == 0;
}

/* An operand after -r that exists is an input, as ra takes it; when it
 * also reads as a filter (a file named `tcp` in the working directory),
 * say how to make it one: everything after ` - ` is the filter. */
static void warn_if_filter(const struct opts *o, const char *s)
{
	vg_filter *f = NULL;
	char err[8];
	if (strchr(s, '/') || vg_filter_compile(&f, s, err, sizeof err) != VG_OK)
		return;
	vg_filter_free(f);
	warnx_("%s: '%s' is read as an input file (it exists here); for the filter, "
	       "put it after ' - ' (vigil %s -r FILE - %s)", o->verb, s, o->verb, s);
}

/* Days from 1970-01-01 to a date of the proleptic Gregorian calendar. */
static int64_t days_of(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* One time as ra and nfdump take it: YYYY/MM/DD[.hh[:mm[:ss]]] (UTC).
 * *end is where the spec's own granularity ends (a day, an hour, ...). */
static int parse_one_time(const char *s, size_t len, int64_t *start, int64_t *end)
{
	int v[6] = {0, 1, 1, 0, 0, 0}, n = 0;
	size_t i = 0;
	static const int64_t unit[] = {0, 0, 86400, 3600, 60, 1};
	while (n < 6) {
		int x = 0, digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4)
			x = x * 10 + (s[i++] - '0'), digits++;
		if (!digits)
			return -1;
		v[n++] = x;
		if (i == len)
			break;
		if ((n < 3 && s[i] == '/') || (n == 3 && (s[i] == '.' || s[i] == 'T')) ||
		    (n > 3 && s[i] == ':'))
			i++;
		else
			return -1;
	}
	if (i != len || n < 3 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		return -1;
	*start = (int64_t)((((days_of(v[0], v[1], v[2]) * 24 + v[3]) *
			      60 + v[4]) * 60 + v[5]) * 1000000);
	*end = *start + unit[n - 1] * 1000000;
	return 0;
}

int parse_time_range(const char *spec, int64_t *lo, int64_t *hi, int64_t *rel)
{
	size_t len = strlen(spec);
	const char *dash;
	int64_t a0, a1, b0, b1;
	*rel = 0;
	if (spec[0] == '-') {
		char *end;
		double v = strtod(spec + 1, &end);
		int64_t u = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600
			  : *end == 'd' ? 86400 : 0;
		if (end == spec + 1 || !u || end[1] || !(v > 0) || v > 1e6)
			return -1;
		*rel = (int64_t)(v * (double)u * 1e6);
		*lo = INT64_MIN;
		*hi = INT64_MAX;
		return 0;
	}
	if ((dash = strchr(spec, '-')) != NULL) {
		if (parse_one_time(spec, (size_t)(dash - spec), &a0, &a1) ||
		    parse_one_time(dash + 1, len - (size_t)(dash - spec) - 1, &b0, &b1) || b0 <= a0)
			return -1;
		*lo = a0;
		*hi = b0;
		return 0;
	}
	if (parse_one_time(spec, len, &a0, &a1))
		return -1;
	*lo = a0;
	*hi = a1;
	return 0;
}

/* The output formats of each verb (-o). */
static const struct {
	const char *verb, *outfmts;
} verb_outfmts[] = {
	{"dump", "csv json text"}, {"stats", "text json"}, {"report", "text json"},
	{"scans", "text json csv"}, {"alerts", "text json csv"}, {"ingest", ""},
	{"top", "text csv json"},
};

/* Keys that go to the site description (vg_site_set), in order given;
 * "idle" is the merge option of every verb. */
static int is_site_key(const char *name)
{
	return strcmp(name, "idle") != 0 && vg_site_is_key(name);
}

int parse_opts(struct opts *o, int argc, char **argv, int *exit_code,
	       void (*usage)(FILE *))
{
	const char *outfmts = NULL;
	unsigned verb;
	size_t i, filter_len = 0;
	int k, filter_start = argc;

	memset(o, 0, sizeof *o);
	o->verb = argv[0];
	o->idle_s = 120;
	o->outfmt = -1;
	o->commit_gap = 1;
	verb = verb_bit(o->verb);
	for (i = 0; i < sizeof verb_outfmts / sizeof verb_outfmts[0]; i++)
		if (strcmp(verb_outfmts[i].verb, o->verb) == 0)
			outfmts = verb_outfmts[i].outfmts;
	*exit_code = EXIT_USAGE;

	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *val = NULL, *name;
		const struct optdef *d;
		char longname[32];
		int need_val = 0;

		if (strcmp(a, "-") == 0 || strcmp(a, "--") == 0) {
			filter_start = k + 1;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			filter_start = k;
			break;
		}
		/* normalise to a long name */
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			if (len >= sizeof longname)
				len = sizeof longname - 1;
			memcpy(longname, a + 2, len);
			longname[len] = '\0';
			if (eq)
				val = eq + 1;
		} else {
			const char *map = a[1] == 'h' ? "help" : a[1] == 'V' ? "version" : NULL;
			if (!map && (d = opt_find(verb, NULL, a[1])) == NULL)
				d = opt_find_any(NULL, a[1]);
			if (!map && !d) {
				warnx_("%s: unknown option '%s' (see vigil %s --help)",
				       o->verb, a, o->verb);
				return -1;
			}
			snprintf(longname, sizeof longname, "%s", map ? map : d->name);
			if (a[2])
				val = a + 2;
		}
		name = longname;
		if (strcmp(name, "help") == 0) {
			usage(stdout);
			*exit_code = EXIT_OK;
			return -1;
		}
		if (strcmp(name, "version") == 0) {
			printf("vigil %s\n", vg_version());
			*exit_code = EXIT_OK;
			return -1;
		}
		/* the verb's own row; else a site key, for the verbs with -c */
		d = opt_find(verb, name, 0);
		if (!d && !(opt_find(verb, "config", 0) && is_site_key(name))) {
			warnx_("%s: unknown option '%s' (see vigil %s --help)",
			       o->verb, a, o->verb);
			return -1;
		}
		need_val = d ? d->arg != NULL : 1;
		if (need_val && !val) {
			if (k + 1 >= argc) {
				warnx_("%s: option '%s' needs a value", o->verb, a);
				return -1;
			}
			val = argv[++k];
		} else if (!need_val && val) {
			warnx_("%s: option '%s' takes no value", o->verb, a);
			return -1;
		}

		if (strcmp(name, "read") == 0) {
			if (add_input(o, val))
				return -1;
			/* -r a b c: shell globs; later operands that are
			 * existing paths are inputs too */
			while (k + 1 < argc && argv[k + 1][0] != '-' && is_path(argv[k + 1])) {
				warn_if_filter(o, argv[k + 1]);
				if (add_input(o, argv[++k]))
					return -1;
			}
		} else if (strcmp(name, "server") == 0) {
			/* every -S is one connection of the one stream input */
			size_t had = o->servers ? strlen(o->servers) : 0;
			char *ns;
			if (strncmp(val, "argus://", 8) == 0)
				val += 8;
			if (!*val || strchr(val, ',')) {
				warnx_("%s: -S %s: give one HOST:PORT per -S", o->verb, val);
				return -1;
			}
			if (!(ns = realloc(o->servers, (had ? had : 8) + strlen(val) + 2))) {
				warnx_("out of memory");
				return -1;
			}
			if (!had)
				strcpy(ns, "argus://");
			else
				strcat(ns, ",");
			strcat(ns, val);
			o->servers = ns;
		} else if (strcmp(name, "listen") == 0) {
			/* every -l is one socket of the one NetFlow input */
			size_t had = o->listens ? strlen(o->listens) : 0;
			char *ns;
			if (!*val || strchr(val, ',') ||
			    !(ns = realloc(o->listens, (had ? had : 10) + strlen(val) + 2))) {
				warnx_("%s: -l %s: give one ADDR:PORT per -l", o->verb, val);
				return -1;
			}
			if (!had)
				strcpy(ns, "netflow://");
			else
				strcat(ns, ",");
			strcat(ns, val);
			o->listens = ns;
		} else if (strcmp(name, "reconnect") == 0) {
			o->reconnect = 1;
		} else if (strcmp(name, "alerts") == 0) {
			o->alerts_file = val;
		} else if (strcmp(name, "exec") == 0) {
			o->exec_cmd = val;
		} else if (strcmp(name, "status") == 0) {
			o->status_file = val;
		} else if (strcmp(name, "commit-gap") == 0) {
			char *end;
			errno = 0;
			o->commit_gap = strtod(val, &end);
			if (errno || end == val || *end || !(o->commit_gap >= 0 && o->commit_gap <= 86400)) {
				warnx_("%s: --commit-gap %s: not a number of seconds (0-86400)",
				       o->verb, val);
				return -1;
			}
		} else if (strcmp(name, "read-dir") == 0 && verb == V_WATCH) {
			if (o->follow_dir) {
				warnx_("%s: one -R DIR per run", o->verb);
				return -1;
			}
			o->follow_dir = val;
		} else if (strcmp(name, "read-dir") == 0) {
			int rc = read_dir_expr(o, val);
			if (rc != EXIT_OK) {
				*exit_code = rc;
				return -1;
			}
		} else if (strcmp(name, "format") == 0) {
			o->format = val;
		} else if (strcmp(name, "interface") == 0) {
			if (o->iface) {
				warnx_("%s: one -i INTERFACE per run", o->verb);
				return -1;
			}
			o->iface = val;
		} else if (strcmp(name, "bpf") == 0) {
			char err[512];
			if (vg_bpf_check(val, err, sizeof err) != VG_OK) {
				warnx_("%s: --bpf: %s", o->verb, err);
				return -1;
			}
			o->bpf = val;
		} else if (strcmp(name, "meter-active") == 0 ||
			   strcmp(name, "meter-idle") == 0) {
			char *end;
			long v;
			errno = 0;
			v = strtol(val, &end, 10);
			if (errno || *end || v < 1 || v > 86400) {
				warnx_("%s: --%s needs whole seconds from 1 to 86400, not '%s'",
				       o->verb, name, val);
				return -1;
			}
			if (name[6] == 'a')
				o->meter_active_s = (int)v;
			else
				o->meter_idle_s = (int)v;
		} else if (strcmp(name, "meter-v6-label") == 0) {
			o->meter_v6_label = 1;
		} else if (strcmp(name, "strict") == 0) {
			o->strict = 1;
		} else if (strcmp(name, "quiet") == 0) {
			o->quiet = 1;
		} else if (strcmp(name, "output") == 0) {
			char key[40];
			snprintf(key, sizeof key, " %s ", val);
			if (strcmp(val, "csv") == 0)
				o->outfmt = VG_OUT_CSV;
			else if (strcmp(val, "json") == 0)
				o->outfmt = VG_OUT_JSON;
			else if (strcmp(val, "text") == 0)
				o->outfmt = VG_OUT_TEXT;
			else
				o->outfmt = -2;
			if (o->outfmt == -2 || (outfmts && !strstr(outfmts, val)) ||
			    strchr(val, ' ')) {
				warnx_("%s: output format '%s' unknown; it has: %s",
				       o->verb, val, outfmts ? outfmts : "csv json text");
				return -1;
			}
		} else if (strcmp(name, "fields") == 0) {
			if (parse_fields(o, val))
				return -1;
		} else if (strcmp(name, "merge") == 0) {
			o->merge = 1;
		} else if (strcmp(name, "idle") == 0) {
			char *end;
			errno = 0;
			o->idle_s = strtod(val, &end);
			if (errno || *end || !(o->idle_s > 0) || o->idle_s > 1e7) {
				warnx_("%s: --idle needs seconds > 0, not '%s'", o->verb, val);
				return -1;
			}
			o->idle_set = 1;
		} else if (is_site_key(name)) {
			if (o->n_site >= sizeof o->site_key / sizeof o->site_key[0]) {
				warnx_("%s: too many site options", o->verb);
				return -1;
			}
			o->site_key[o->n_site] = strdup(name);
			o->site_val[o->n_site++] = val;
		} else if (strcmp(name, "config") == 0) {
			o->config = val;
		} else if (strcmp(name, "csv-dir") == 0) {
			o->csv_dir = val;
		} else if (strcmp(name, "html") == 0) {
			o->html_file = val;
		} else if (strcmp(name, "figures") == 0) {
			o->figures_dir = val;
		} else if (strcmp(name, "fail-on") == 0) {
			if ((o->fail_on = vg_severity_parse(val)) < 0) {
				warnx_("%s: --fail-on takes low, medium or high, not '%s'", o->verb, val);
				return -1;
			}
		} else if (strcmp(name, "min-severity") == 0) {
			if ((o->min_sev = vg_severity_parse(val)) < 0) {
				warnx_("%s: --min-severity takes low, medium or high, not '%s'",
				       o->verb, val);
				return -1;
			}
		} else if (strcmp(name, "no-alerts") == 0) {
			o->no_alerts = 1;
		} else if (strcmp(name, "without") == 0) {
			if ((o->without = vg_without_parse(val)) < 0) {
				warnx_("%s: --without takes port-scans, sweeps or all, not '%s'",
				       o->verb, val);
				return -1;
			}
		} else if (strcmp(name, "since") == 0) {
			o->since = val;
		} else if (strcmp(name, "sensor") == 0) {
			o->sensor = val;
		} else if (strcmp(name, "store-auth") == 0) {
			o->store_auth = val;
		} else if (strcmp(name, "partial") == 0) {
			o->partial = 1;
		} else if (strcmp(name, "raw") == 0) {
			o->raw = 1;
		} else if (strcmp(name, "cluster") == 0) {
			o->cluster = val;
		} else if (strcmp(name, "shard") == 0) {
			if (o->n_shards >= sizeof o->shards / sizeof o->shards[0]) {
				warnx_("%s: too many --shard", o->verb);
				return -1;
			}
			o->shards[o->n_shards++] = val;
		} else if (strcmp(name, "before") == 0) {
			o->before = val;
		} else if (strcmp(name, "iodef") == 0) {
			o->iodef_file = val;
		} else if (strcmp(name, "stix") == 0) {
			o->stix_file = val;
		} else if (strcmp(name, "misp") == 0) {
			o->misp_file = val;
		} else if (strcmp(name, "anonymize") == 0) {
			o->anonymize = val;
		} else if (strcmp(name, "stat") == 0) {
			o->top_keys = val;
		} else if (strcmp(name, "order") == 0) {
			o->top_order = val;
		} else if (strcmp(name, "count") == 0) {
			char *end;
			unsigned long long v;
			errno = 0;
			v = strtoull(val, &end, 10);
			if (errno || *end || val[0] == '-' || end == val || v > 100000000) {
				warnx_("%s: -n %s: a number of groups (0: all)", o->verb, val);
				return -1;
			}
			o->top_n = (size_t)v;
			o->top_n_set = 1;
		} else if (strcmp(name, "share") == 0) {
			o->share_file = val;
		} else if (strcmp(name, "shared") == 0) {
			/* --shared a.json b.json: the operands that are files */
			do {
				const char **ns = realloc(o->shared, (o->n_shared + 1) * sizeof *ns);
				if (!ns) {
					warnx_("out of memory");
					return -1;
				}
				o->shared = ns;
				o->shared[o->n_shared++] = val;
				val = k + 1 < argc && argv[k + 1][0] != '-' && is_path(argv[k + 1]) ? argv[++k]
												 : NULL;
			} while (val);
		} else if (strcmp(name, "team") == 0) {
			o->team = val;
		} else if (strcmp(name, "description") == 0) {
			o->description = val;
		} else if (strcmp(name, "anon-monitored") == 0) {
			if (strcmp(val, "keep") != 0 && strcmp(val, "replace") != 0 &&
			    strcmp(val, "prefix") != 0) {
				warnx_("%s: --anon-monitored %s: keep, prefix or replace", o->verb, val);
				return -1;
			}
			o->anon_keep = strcmp(val, "keep") == 0     ? VG_ANON_KEEP
				     : strcmp(val, "prefix") == 0 ? VG_ANON_PREFIX
								  : VG_ANON_REPLACE;
			o->anon_set = 1;
		} else if (strcmp(name, "html-max-cells") == 0) {
			char *end;
			unsigned long long v;
			errno = 0;
			v = strtoull(val, &end, 10);
			if (errno || *end || val[0] == '-' || v < 1 || v > 100000000) {
				warnx_("%s: --html-max-cells needs a number from 1 to 100000000, not '%s'",
				       o->verb, val);
				return -1;
			}
			o->html_max_cells = (size_t)v;
		} else if (strcmp(name, "time-format") == 0) {
			if ((o->time_fmt = vg_time_fmt_parse(val)) < 0) {
				warnx_("%s: --time-format takes epoch, iso or text, not '%s'", o->verb,
				       val);
				return -1;
			}
		} else if (strcmp(name, "wide") == 0) {
			o->wide = 1;
		} else if (strcmp(name, "no-header") == 0) {
			o->no_header = 1;
		} else if (strcmp(name, "stats") == 0) {
			o->stats = 1;
		} else if (strcmp(name, "write") == 0) {
			o->outfile = val;
		} else if (strcmp(name, "time") == 0) {
			if (parse_time_range(val, &o->t_lo, &o->t_hi, &o->t_rel) != 0) {
				warnx_("%s: -t '%s': not a time range (YYYY/MM/DD[.hh[:mm[:ss]]], "
				       "two of them joined by '-', or -N[smhd] for the last N of the data)",
				       o->verb, val);
				return -1;
			}
			o->time_spec = val;
		} else {
			warnx_("%s: unknown option '%s' (see vigil %s --help)",
			       o->verb, a, o->verb);
			return -1;
		}
	}
	if (o->servers && add_input(o, o->servers))
		return -1;
	if (o->listens && add_input(o, o->listens))
		return -1;
	/* report, scans, alerts and top (given a site) may read a store
	 * instead (checked there) */
	if (o->n_inputs == 0 && !o->iface && !o->follow_dir && strcmp(o->verb, "report") != 0 &&
	    !(verb == V_TOP && (o->config || o->n_site)) &&
	    strcmp(o->verb, "scans") != 0 && strcmp(o->verb, "alerts") != 0 &&
	    strcmp(o->verb, "store") != 0 && strcmp(o->verb, "export") != 0) {
		warnx_("%s: no input; give one with -r FILE (or -r - for standard input), -R DIR%s "
		       "or -i INTERFACE", o->verb, strcmp(o->verb, "ingest") ? ", -S HOST:PORT" : "");
		return -1;
	}
	if (o->anonymize) {
		char err[512];
		if (vg_anon_open(&o->anon, o->anonymize, o->anon_keep,
				 err, sizeof err) != VG_OK) {
			warnx_("%s: --anonymize: %s", o->verb, err);
			return -1;
		}
	} else if (o->anon_set) {
		warnx_("%s: --anon-monitored goes with --anonymize", o->verb);
		return -1;
	}
	/* dump, stats and top merge only on request; their --idle is merge's */
	if (o->idle_set && !o->merge && (verb & (V_DUMP | V_STATS | V_TOP))) {
		warnx_("%s: --idle is the idle time of --merge; give --merge too", o->verb);
		return -1;
	}
	for (k = filter_start; k < argc; k++)
		filter_len += strlen(argv[k]) + 1;
	if (filter_len) {
		char err[256];
		if (!(o->filter_expr = malloc(filter_len + 1))) {
			*exit_code = EXIT_INTERNAL;
			return -1;
		}
		o->filter_expr[0] = '\0';
		for (k = filter_start; k < argc; k++) {
			if (k > filter_start)
				strcat(o->filter_expr, " ");
			strcat(o->filter_expr, argv[k]);
		}
		if (vg_filter_compile(&o->filter, o->filter_expr, err, sizeof err) != VG_OK) {
			warnx_("%s", err);
			return -1;
		}
	}
	*exit_code = EXIT_OK;
	return 0;
}

void free_opts(struct opts *o)
{
	size_t i;
	for (i = 0; i < o->n_site; i++)
		free((char *)o->site_key[i]);
	for (i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	free(o->owned);
	free(o->servers);
	free(o->listens);
	free(o->inputs);
	vg_filter_free(o->filter);
	free(o->filter_expr);
	vg_anon_free(o->anon);
	free(o->shared);
}

int open_output(const struct opts *o)
{
	int fd;
	if (!o->outfile || strcmp(o->outfile, "-") == 0)
		return 1;
	fd = open(o->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		warnx_("%s: cannot write: %s", o->outfile, strerror(errno));
	return fd;
}

/* ------------------------------------------------------------- progress */

struct progress {
	int on;
	double start, last;
	uint64_t done_bytes;  /* input bytes of finished files */
	uint64_t total_bytes; /* 0 if unknown */
	int shown;
};

static void progress_show(struct progress *p, const char *name,
			  uint64_t bytes, uint64_t records, int final)
{
	char b1[32], b2[32], b3[32];
	double t = now_seconds(), el;
	if (!p->on || (!final && t - p->last < 0.25))
		return;
	p->last = t;
	el = t - p->start;
	if (final) {
		if (p->shown)
			fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[Kvigil: %s  %s", name,
		human_bytes(b1, sizeof b1, (double)(p->done_bytes + bytes)));
	if (p->total_bytes)
		fprintf(stderr, " of %s (%.0f %%)",
			human_bytes(b2, sizeof b2, (double)p->total_bytes),
			100.0 * (double)(p->done_bytes + bytes) / (double)p->total_bytes);
	fprintf(stderr, "  %s records  %s/s",
		human_count(b3, sizeof b3, (double)records),
		human_bytes(b2, sizeof b2, el > 0 ? (double)(p->done_bytes + bytes) / el : 0));
	p->shown = 1;
}

/* ------------------------------------------------------------- input loop */

#define BATCH 4096

/* A live capture ends on SIGINT or SIGTERM: the flows in progress are
 * still reported. */
static vg_reader *volatile live_reader;

static void on_stop_signal(int sig)
{
	(void)sig;
	vg_reader_interrupt(live_reader);
}

static void live_signals(vg_reader *r)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	live_reader = r;
	sa.sa_handler = r ? on_stop_signal : SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void reader_opts(const struct opts *o, vg_reader_opts *ro)
{
	memset(ro, 0, sizeof *ro);
	ro->format = o->format;
	ro->strict = o->strict;
	ro->reconnect = o->reconnect;
	ro->prefetch = 1;
	ro->bpf = o->bpf;
	ro->meter_active_s = o->meter_active_s;
	ro->meter_idle_s = o->meter_idle_s;
	ro->meter_v6_label = o->meter_v6_label;
}

/* The selection (filter and -t) belongs to an input's identity. */
void selection_hash(const struct opts *o, char *hash, size_t cap)
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[2] = {o->filter_expr, o->time_spec};
	size_t i, k;
	if (!o->filter_expr && !o->time_spec)
		return;
	for (i = 0; i < 2; i++) {
		const char *s = parts[i] ? parts[i] : "";
		for (k = 0; s[k]; k++)
			h = (h ^ (unsigned char)s[k]) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	snprintf(hash + strlen(hash), cap - strlen(hash), "+%016llx", (unsigned long long)h);
}

int run_inputs(struct opts *o, consume_fn consume, void *user, struct totals *t)
{
	vg_reader_opts ro = {0};
	struct progress pg = {0};
	vg_flow *batch = malloc(BATCH * sizeof *batch);
	size_t i;
	int rc = 0;
	double t0 = now_seconds();

	memset(t, 0, sizeof *t);
	t->rs.first_us = INT64_MAX;
	t->rs.last_us = INT64_MIN;
	t->m_first_us = INT64_MAX;
	t->m_last_us = INT64_MIN;
	if (!batch) {
		warnx_("out of memory");
		return EXIT_INTERNAL;
	}
	reader_opts(o, &ro);
	if (o->t_rel && !o->t_resolved) {
		/* -t -24h: the last 24 hours of the data, so find its end first */
		int64_t end = INT64_MIN;
		for (i = 0; i < o->n_inputs; i++) {
			vg_reader *r = NULL;
			vg_reader_opts q = ro;
			size_t n;
			if (is_stream(o->inputs[i])) {
				warnx_("%s: -t -N (the last N of the data) needs files, not a stream "
				       "(-S, -l); give the range as times", o->verb);
				free(batch);
				return EXIT_USAGE;
			}
			q.prefetch = 0;
			if (vg_reader_open(&r, o->inputs[i], &q) == VG_OK)
				while (vg_reader_read(r, batch, BATCH, &n) != VG_DONE) {
					size_t j;
					for (j = 0; j < n; j++)
						if (batch[j].kind == VG_REC_FLOW && batch[j].ltime_us > end)
							end = batch[j].ltime_us;
				}
			vg_reader_close(r);
		}
		o->t_lo = end == INT64_MIN ? INT64_MAX : end - o->t_rel;
		o->t_hi = INT64_MAX;
		o->t_resolved = 1;
	}
	pg.on = !o->quiet && isatty(2);
	pg.start = pg.last = t0;
	for (i = 0; pg.on && i < o->n_inputs; i++) {
		struct stat sb;
		if (strcmp(o->inputs[i], "-") != 0 && stat(o->inputs[i], &sb) == 0 &&
		    S_ISREG(sb.st_mode))
			pg.total_bytes += (uint64_t)sb.st_size;
	}

	for (i = 0; i < o->n_inputs + (o->iface != NULL) && rc == 0; i++) {
		vg_reader *r = NULL;
		vg_reader_stats st;
		uint64_t n_err = 0;
		int live = i == o->n_inputs, s;
		const char *name = live ? o->iface : o->inputs[i];

		if (live) {
			s = vg_reader_open_live(&r, o->iface, &ro);
			if (s == VG_OK)
				live_signals(r);
		} else {
			s = vg_reader_open(&r, name, &ro);
			if (s == VG_OK && is_stream(name))
				live_signals(r); /* SIGINT ends the stream's reading */
		}
		if (s != VG_OK) {
			warnx_("%s", vg_reader_errmsg(r));
			t->input_error = 1;
			t->n_inputs_failed++;
			vg_reader_close(r);
			if (o->strict)
				break;
			continue;
		}
		for (;;) {
			size_t n = 0, j, m;
			s = vg_reader_read(r, batch, BATCH, &n);
			if (s == VG_DONE)
				break;
			if (s < 0) {
				t->input_error = 1;
				if (++n_err <= MAX_ERRORS_SHOWN)
					warnx_("%s", vg_reader_errmsg(r));
				if (s == VG_ERECORD && !o->strict)
					continue;
				break;
			}
			if (o->filter) {
				for (j = m = 0; j < n; j++)
					if (vg_filter_match(o->filter, &batch[j]))
						batch[m++] = batch[j];
				n = m;
			}
			if (o->time_spec) {
				/* -t: records that start in the range */
				for (j = m = 0; j < n; j++)
					if (batch[j].kind != VG_REC_FLOW ||
					    (batch[j].stime_us >= o->t_lo && batch[j].stime_us < o->t_hi))
						batch[m++] = batch[j];
				n = m;
			}
			t->n_matched += n;
			for (j = 0; j < n; j++)
				if (batch[j].kind == VG_REC_FLOW) {
					if (batch[j].stime_us < t->m_first_us)
						t->m_first_us = batch[j].stime_us;
					if (batch[j].ltime_us > t->m_last_us)
						t->m_last_us = batch[j].ltime_us;
				}
			/* after the filter and -t, which name real addresses */
			if (o->anon)
				vg_anon_flows(o->anon, batch, n);
			if (n && (rc = consume(user, batch, n)) != 0)
				break;
			if (pg.on) {
				vg_reader_get_stats(r, &st);
				progress_show(&pg, name, st.bytes_in,
					      t->rs.n_records + st.n_records, 0);
			}
		}
		if (n_err > MAX_ERRORS_SHOWN)
			warnx_("%s: %llu more errors not shown", name,
			       (unsigned long long)(n_err - MAX_ERRORS_SHOWN));
		vg_reader_get_stats(r, &st);
		pg.done_bytes += st.bytes_in;
		vg_reader_stats_add(&t->rs, &st);
		/* read, though with errors: the good records before and after count */
		t->n_inputs_read++;
		if (n_err)
			t->n_inputs_failed++;
		if (live || is_stream(name))
			live_signals(NULL);
		vg_reader_close(r);
		if (n_err && o->strict)
			break;
	}
	progress_show(&pg, "", 0, 0, 1);
	t->seconds = now_seconds() - t0;
	free(batch);
	return rc;
}

vg_site *load_site(const struct opts *o)
{
	vg_site *site = NULL;
	char err[512];
	size_t i;
	if (vg_site_create(&site) != VG_OK) {
		warnx_("out of memory");
		return NULL;
	}
	if (o->config && vg_site_load(site, o->config, err, sizeof err) != VG_OK) {
		warnx_("%s", err);
		goto bad;
	}
	for (i = 0; i < o->n_site; i++)
		if (vg_site_set(site, o->site_key[i], o->site_val[i], err, sizeof err) != VG_OK) {
			warnx_("--%s: %s", o->site_key[i], err);
			goto bad;
		}
	if (o->idle_set) {
		char v[32];
		snprintf(v, sizeof v, "%.6f", o->idle_s);
		vg_site_set(site, "idle", v, err, sizeof err);
	}
	if (vg_site_check(site, err, sizeof err) != VG_OK) {
		warnx_("%s: %s", o->verb, err);
		goto bad;
	}
	if (o->anon && !o->anon_output && vg_site_store(site) && o->n_inputs == 0 && !o->iface) {
		warnx_("%s: --anonymize works on raw inputs (-r, -R, -S): a store holds the real "
		       "addresses", o->verb);
		goto bad;
	}
	if (o->anon && !o->anon_output && vg_site_anonymize(site, o->anon, err, sizeof err) != VG_OK) {
		warnx_("%s: --anonymize: %s", o->verb, err);
		goto bad;
	}
	return site;
bad:
	vg_site_free(site);
	return NULL;
}

const vg_store_opts *store_opts(const struct opts *o, vg_store_opts *so)
{
	memset(so, 0, sizeof *so);
	so->sensor = o->sensor;
	so->auth_file = o->store_auth;
	so->partial = o->partial;
	so->raw = o->raw;
	so->cluster = o->cluster;
	so->shards = o->shards;
	so->n_shards = o->n_shards;
	return so;
}

int open_store_range(struct opts *o, const vg_site *site, vg_store **s, struct store_range *r)
{
	const char *path = vg_site_store(site);
	vg_store_opts so;
	int rc = vg_store_open_ex(s, path, VG_STORE_READ, site, store_opts(o, &so));
	if (rc != VG_OK) {
		warnx_("%s", vg_store_errmsg(*s));
		vg_store_close(*s);
		*s = NULL;
		return rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
	}
	if (vg_store_summary(*s, &r->info) != VG_OK) {
		warnx_("%s", vg_store_errmsg(*s));
		return EXIT_STORE;
	}
	if (vg_store_partial(*s))
		warnx_("%s: a shard is down: what follows is read from the shards that answered, "
		       "and is partial", vg_store_name(*s));
	if (!r->info.n_days) {
		warnx_("%s: the store holds no data yet (vigil ingest adds some)", vg_store_name(*s));
		r->day0 = 0;
		r->day1 = -1;
		return EXIT_OK;
	}
	r->day0 = r->info.first_day;
	r->day1 = r->info.last_day;
	if (o->time_spec) {
		int64_t lo = o->t_lo, hi = o->t_hi;
		if (o->t_rel) {
			lo = r->info.last_us - o->t_rel;
			hi = INT64_MAX;
		}
		if (lo > INT64_MIN && vg_site_day(site, lo) > r->day0)
			r->day0 = vg_site_day(site, lo);
		if (hi < INT64_MAX && vg_site_day(site, hi - 1) < r->day1)
			r->day1 = vg_site_day(site, hi - 1);
	}
	return EXIT_OK;
}

int check_fresh(const struct opts *o, const vg_site *site, int from_store, int64_t newest_us,
		vg_study *st, vg_alerts *al)
{
	int given;
	double max = vg_site_max_age(site, &given), age;
	int64_t now = (int64_t)time(NULL) * 1000000;
	char when[32], a[64], m[64];
	time_t sec;
	struct tm tm;
	if ((!from_store && !given) || newest_us == INT64_MIN || newest_us == INT64_MAX)
		return 0;
	if (st)
		vg_study_set_freshness(st, newest_us, now, max);
	if (al)
		vg_alerts_set_freshness(al, newest_us, now, max);
	age = (double)(now - newest_us) / 1e6;
	if (age <= max)
		return 0;
	sec = (time_t)(newest_us / 1000000);
	gmtime_r(&sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	warnx_("%s: the newest data is from %s, %s ago (more than --max-age %s): is the sensor "
	       "still feeding?", o->verb, when, human_duration(a, sizeof a, age),
	       human_duration(m, sizeof m, max));
	return 1;
}

int open_shares(const struct opts *o, vg_shared **sh)
{
	size_t i;
	int rc;
	*sh = NULL;
	if (vg_shared_create(sh) != VG_OK) {
		warnx_("out of memory");
		return EXIT_INTERNAL;
	}
	for (i = 0; i < o->n_shared; i++)
		if ((rc = vg_shared_add_file(*sh, o->shared[i])) != VG_OK) {
			warnx_("%s: %s", o->verb, vg_shared_errmsg(*sh));
			vg_shared_free(*sh);
			*sh = NULL;
			return rc == VG_ENOMEM ? EXIT_INTERNAL : rc == VG_EFORMAT ? EXIT_INPUT : EXIT_USAGE;
		}
	return EXIT_OK;
}

void day_text(int32_t day, char out[16])
{
	time_t x = (time_t)day * 86400;
	struct tm tm;
	gmtime_r(&x, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}
