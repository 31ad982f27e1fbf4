/*
 * harness.h - the in-house unit test harness: TEST(name) defines a test,
 * CHECK*(...) record failures without stopping, and the runner in
 * test_main.c runs every registered test and ends with "N passed, N failed".
 */
#ifndef VG_TEST_HARNESS_H
#define VG_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct vgt_case {
	const char *name;
	void (*fn)(void);
	struct vgt_case *next;
};

void vgt_register(struct vgt_case *c);
void vgt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* the directory with test data (tests/data), from the command line */
const char *vgt_data_dir(void);

#define TEST(name)                                                        \
	static void test_##name(void);                                    \
	static struct vgt_case case_##name = {#name, test_##name, NULL};  \
	__attribute__((constructor)) static void reg_##name(void)         \
	{                                                                 \
		vgt_register(&case_##name);                               \
	}                                                                 \
	static void test_##name(void)

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond))                                              \
			vgt_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                \
	do {                                                              \
		long long a_ = (long long)(a), b_ = (long long)(b);       \
		if (a_ != b_)                                             \
			vgt_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
				 #a, a_, #b, b_);                         \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                \
	do {                                                              \
		const char *a_ = (a), *b_ = (b);                          \
		if (strcmp(a_, b_) != 0)                                  \
			vgt_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", \
				 #a, a_, b_);                             \
	} while (0)

#endif
