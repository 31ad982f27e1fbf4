/*
 * figures.c - `vigil report --figures DIR`: every chart of the HTML page as
 * a static SVG file (and PNG where rsvg-convert is installed), for slides
 * and mail. The charts are the page's own: vigil writes the page to a
 * scratch file and node runs figures-svg.js on it, which renders the options
 * of figures.js (the functions the page draws with) with the ECharts bundle
 * the page inlines, in its server-side SVG mode. No network, no npm package.
 *
 * The scripts are looked for, in order: in the source tree when this vigil
 * is the one of a build tree; in ../share/vigil beside the executable (an
 * installed tree, wherever it was moved); in the install prefix's
 * share/vigil.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "figures.h"

#ifndef VIGIL_SHARE_DIR
#define VIGIL_SHARE_DIR "/usr/local/share/vigil"
#endif
#ifndef VIGIL_SHARE_REL
#define VIGIL_SHARE_REL "../share/vigil"
#endif

static int is_file(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat sb;
	if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p)
		return 0;
	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* dir holds the script, figures.js and the ECharts bundle (beside them or,
 * in the source tree, in vendor/) */
static int usable(const char *dir)
{
	return is_file(dir, "figures-svg.js") && is_file(dir, "figures.js") &&
	       (is_file(dir, "echarts.min.js") || is_file(dir, "vendor/echarts.min.js"));
}

/* node, or Debian's older name for it, from PATH */
static char *find_node(void)
{
	static const char *const names[] = {"node", "nodejs"};
	const char *path = getenv("PATH");
	size_t i;
	for (i = 0; path && i < sizeof names / sizeof names[0]; i++) {
		const char *p = path;
		while (*p) {
			size_t n = strcspn(p, ":");
			char *cand;
			if (n && asprintf(&cand, "%.*s/%s", (int)n, p, names[i]) >= 0) {
				if (access(cand, X_OK) == 0)
					return cand;
				free(cand);
			}
			p += n + (p[n] == ':');
		}
	}
	return NULL;
}

int figures_find(struct figures *f)
{
	char exe[PATH_MAX], dir[PATH_MAX + 64], real[PATH_MAX];
	const char *tried[3];
	size_t n_tried = 0;
	ssize_t n;

	memset(f, 0, sizeof *f);
	if (!(f->node = find_node())) {
		warnx_("report: --figures needs node (the Debian package nodejs) to draw the "
		       "charts, and there is no node in PATH");
		return -1;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (n > 0)
		*strrchr(exe, '/') = '\0';
#if defined(VIGIL_BUILD_DIR) && defined(VIGIL_SOURCE_REPORT_DIR)
	/* a vigil of the build tree draws with the scripts of its source tree */
	if (n > 0 && realpath(VIGIL_BUILD_DIR, real) && strcmp(real, exe) == 0) {
		tried[n_tried++] = VIGIL_SOURCE_REPORT_DIR;
		if (usable(VIGIL_SOURCE_REPORT_DIR))
			goto found;
	}
#endif
	if (n > 0) {
		snprintf(dir, sizeof dir, "%s/%s", exe, VIGIL_SHARE_REL);
		if (realpath(dir, real) && usable(real)) {
			strcpy(dir, real);
			goto found_dir;
		}
		tried[n_tried++] = VIGIL_SHARE_REL " (beside the executable)";
	}
	tried[n_tried++] = VIGIL_SHARE_DIR;
	if (usable(VIGIL_SHARE_DIR)) {
		snprintf(dir, sizeof dir, "%s", VIGIL_SHARE_DIR);
		goto found_dir;
	}
	warnx_("report: --figures: figures-svg.js, figures.js and echarts.min.js are not "
	       "installed (looked in %s%s%s%s%s); make install puts them in share/vigil",
	       tried[0], n_tried > 1 ? ", " : "", n_tried > 1 ? tried[1] : "",
	       n_tried > 2 ? ", " : "", n_tried > 2 ? tried[2] : "");
	figures_free(f);
	return -1;
#if defined(VIGIL_BUILD_DIR) && defined(VIGIL_SOURCE_REPORT_DIR)
found:
	snprintf(dir, sizeof dir, "%s", VIGIL_SOURCE_REPORT_DIR);
#endif
found_dir:
	if (asprintf(&f->script, "%s/figures-svg.js", dir) < 0) {
		f->script = NULL;
		warnx_("out of memory");
		figures_free(f);
		return -1;
	}
	return 0;
}

/* node SCRIPT [--quiet] PAGE DIR, its output on our standard error */
static int run_node(const struct figures *f, const char *page, const char *dir, int quiet)
{
	char *argv[6];
	int k = 0, status;
	pid_t pid;

	argv[k++] = f->node;
	argv[k++] = f->script;
	if (quiet)
		argv[k++] = (char *)"--quiet";
	argv[k++] = (char *)page;
	argv[k++] = (char *)dir;
	argv[k] = NULL;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		warnx_("report: --figures: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* standard output may carry the report (or --html -) */
		dup2(2, 1);
		execv(f->node, argv);
		fprintf(stderr, "vigil: report: --figures: %s: %s\n", f->node, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			warnx_("report: --figures: waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		warnx_("report: --figures: %s %s ended with status %d", f->node, f->script,
		       WEXITSTATUS(status));
	else
		warnx_("report: --figures: %s %s ended by signal %d", f->node, f->script,
		       WTERMSIG(status));
	return -1;
}

int figures_write(const struct figures *f, vg_study *st, const struct opts *o)
{
	vg_html_opts ho = {o->inputs, o->n_inputs, o->html_max_cells};
	const char *dir = o->figures_dir;
	char *page = NULL;
	FILE *fp;
	int rc = -1;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		warnx_("report: --figures %s: %s", dir, strerror(errno));
		return -1;
	}
	if (asprintf(&page, "%s/.vigil-figures.%ld.html", dir, (long)getpid()) < 0) {
		warnx_("out of memory");
		return -1;
	}
	if (!(fp = fopen(page, "w"))) {
		warnx_("report: --figures: %s: %s", page, strerror(errno));
		free(page);
		return -1;
	}
	if (vg_study_write_html(st, fp, &ho) != VG_OK) {
		warnx_("report: --figures: %s: %s", page, vg_study_errmsg(st));
		fclose(fp);
	} else if (fclose(fp) != 0) {
		warnx_("report: --figures: %s: %s", page, strerror(errno));
	} else {
		rc = run_node(f, page, dir, o->quiet);
	}
	unlink(page);
	free(page);
	return rc;
}

void figures_free(struct figures *f)
{
	free(f->node);
	free(f->script);
	f->node = f->script = NULL;
}
