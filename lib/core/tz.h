/* tz.h - UTC offsets of named time zones (TZif files); see tz.c. */
#ifndef VGI_TZ_H
#define VGI_TZ_H

#include <stddef.h>
#include <stdint.h>

struct vgi_tz {
	int64_t *trans;   /* transition times, seconds since 1970, ascending */
	int32_t *off;     /* UTC offset in seconds from each transition on */
	size_t n;
	int32_t off_before; /* before the first transition */
};

int vgi_tz_parse(struct vgi_tz *tz, const uint8_t *buf, size_t len, char *err,
		 size_t errlen);
int vgi_tz_load(struct vgi_tz *tz, const char *name, char *err, size_t errlen);
void vgi_tz_free(struct vgi_tz *tz);
int32_t vgi_tz_offset(const struct vgi_tz *tz, int64_t t);

#endif
