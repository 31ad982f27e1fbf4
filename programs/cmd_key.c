/*
 * cmd_key.c - `vigil key new|map|site`: the keys of --anonymize
 * (docs/anonymize.md): makes a key file, prints the pseudonyms of
 * addresses, and prints a site file's networks as the pseudonymised flows
 * see them, so that a pseudonymised dump can be read with its own site.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil key new FILE\n"
	      "       vigil key map KEY|/N[,/M] ADDRESS...\n"
	      "       vigil key site KEY|/N[,/M] SITEFILE\n"
	      "\n"
	      "new writes a Crypto-PAn key (32 bytes from the OS's random source) to FILE,\n"
	      "readable by its owner only; it does not overwrite a file. Teams that share\n"
	      "the key get the same pseudonyms. map prints each ADDRESS and its pseudonym\n"
	      "(or truncation). site prints SITEFILE with its monitored and service\n"
	      "networks replaced by their pseudonyms (a prefix maps onto a prefix of the\n"
	      "same length; a range becomes the prefixes that cover it): the site of the\n"
	      "flows `vigil dump --anonymize KEY` writes.\n"
	      "\n"
	      "Exit: 0 ok, 2 usage error, 3 a bad address or site file.\n", fp);
}

static int key_map(const char *spec, char **addrs, int n)
{
	vg_anon *a;
	char err[512];
	int i, ec = EXIT_OK;
	if (vg_anon_open(&a, spec, VG_ANON_REPLACE, err, sizeof err) != VG_OK) {
		warnx_("key map: %s", err);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		vg_addr x;
		char out[46];
		int fam = vg_addr_parse(&x, addrs[i], strlen(addrs[i]));
		if (!fam) {
			warnx_("key map: '%s' is not an IPv4 or IPv6 address", addrs[i]);
			ec = EXIT_INPUT;
			continue;
		}
		fam = fam == 6 ? VG_FAM_IP6 : VG_FAM_IP4;
		vg_anon_addr(a, &x, fam);
		vg_addr_format(&x, fam, out);
		printf("%s\t%s\n", addrs[i], out);
	}
	vg_anon_free(a);
	return ec;
}

/* The site file with its monitored and service lines left out, then the
 * anonymised site's. */
static int key_site(const char *spec, const char *path)
{
	vg_anon *a = NULL;
	vg_site *s = NULL;
	char err[512], line[4096];
	FILE *f;
	int ec = EXIT_INPUT;
	if (vg_anon_open(&a, spec, VG_ANON_REPLACE, err, sizeof err) != VG_OK) {
		warnx_("key site: %s", err);
		return EXIT_USAGE;
	}
	if (vg_site_create(&s) != VG_OK || vg_site_load(s, path, err, sizeof err) != VG_OK ||
	    vg_site_anonymize(s, a, err, sizeof err) != VG_OK) {
		warnx_("key site: %s", s ? err : "out of memory");
		goto out;
	}
	if (!(f = fopen(path, "r"))) {
		warnx_("key site: %s: cannot read", path);
		goto out;
	}
	printf("# %s, its networks as pseudonyms (vigil key site)\n", path);
	while (fgets(line, sizeof line, f)) {
		const char *p = line;
		size_t k;
		while (*p == ' ' || *p == '\t')
			p++;
		k = strcspn(p, " \t=");
		if ((k == 9 && strncmp(p, "monitored", 9) == 0) ||
		    (k == 7 && strncmp(p, "service", 7) == 0) || *p == '#')
			continue;
		fputs(line, stdout);
	}
	fclose(f);
	ec = vg_site_write_nets(s, stdout) == VG_OK ? EXIT_OK : EXIT_INTERNAL;
out:
	vg_site_free(s);
	vg_anon_free(a);
	return ec;
}

int cmd_key(int argc, char **argv)
{
	char err[512];
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc == 3 && strcmp(argv[1], "new") == 0) {
		if (vg_anon_key_new(argv[2], err, sizeof err) != VG_OK) {
			warnx_("key new: %s", err);
			return EXIT_INPUT;
		}
		return EXIT_OK;
	}
	if (argc >= 4 && strcmp(argv[1], "map") == 0)
		return key_map(argv[2], argv + 3, argc - 3);
	if (argc == 4 && strcmp(argv[1], "site") == 0)
		return key_site(argv[2], argv[3]);
	usage(stderr);
	return EXIT_USAGE;
}
