/*
 * test_main.c - runs every TEST() linked into the unit test binary.
 * usage: vigil-unit [DATA_DIR] [TEST_NAME...]
 */
#include <stdarg.h>
#include <stdlib.h>

#include "harness.h"

static struct vgt_case *cases, **cases_tail = &cases;
static int cur_failed;
static const char *data_dir = "tests/data";

void vgt_register(struct vgt_case *c)
{
	*cases_tail = c;
	cases_tail = &c->next;
}

const char *vgt_data_dir(void)
{
	return data_dir;
}

void vgt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cur_failed++;
}

int main(int argc, char **argv)
{
	struct vgt_case *c;
	int passed = 0, failed = 0, i;

	if (argc > 1)
		data_dir = argv[1];
	for (c = cases; c; c = c->next) {
		int selected = argc <= 2;
		for (i = 2; i < argc; i++)
			if (strcmp(argv[i], c->name) == 0)
				selected = 1;
		if (!selected)
			continue;
		cur_failed = 0;
		c->fn();
		if (cur_failed) {
			fprintf(stderr, "FAIL %s (%d checks)\n", c->name, cur_failed);
			failed++;
		} else {
			printf("ok   %s\n", c->name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
