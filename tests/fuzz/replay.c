/*
 * replay.c - runs a libFuzzer target over files without libFuzzer, so that
 * ctest replays every corpus in every build (sanitized or not).
 * usage: fuzz-replay-X FILE_OR_DIR...   ends with "N passed, 0 failed"
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long len;
	if (!fp) {
		perror(path);
		return -1;
	}
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || (len > 0 && fread(buf, 1, (size_t)len, fp) != (size_t)len)) {
		fprintf(stderr, "%s: read failed\n", path);
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int i, n = 0, bad = 0;
	for (i = 1; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			while (d && (e = readdir(d))) {
				char p[4096];
				if (e->d_name[0] == '.')
					continue;
				snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
				if (run_file(p))
					bad++;
				else
					n++;
			}
			if (d)
				closedir(d);
		} else if (run_file(argv[i])) {
			bad++;
		} else {
			n++;
		}
	}
	if (n == 0 && bad == 0) {
		fprintf(stderr, "no corpus files found\n");
		bad = 1;
	}
	printf("%d passed, %d failed\n", n, bad);
	return bad ? 1 : 0;
}
