/*
 * tz.c - UTC offsets of a named time zone, for day boundaries. Reads the
 * TZif files of the system's time zone database (RFC 8536; version 1 and
 * the 64-bit data of versions 2+), e.g. /usr/share/zoneinfo/Europe/Berlin.
 * Times past the last transition keep its offset (Debian ships "fat"
 * files with transitions up to 2037); the POSIX rule in the footer is not
 * interpreted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/core.h"
#include "core/tz.h"

#define TZDIR "/usr/share/zoneinfo"
#define MAX_TRANS 100000

void vgi_tz_free(struct vgi_tz *tz)
{
	free(tz->trans);
	free(tz->off);
	memset(tz, 0, sizeof *tz);
}

int vgi_tz_parse(struct vgi_tz *tz, const uint8_t *buf, size_t len, char *err,
		 size_t errlen)
{
	vgi_cur c = vgi_cur_make(buf, len);
	uint32_t isut, isstd, leap, timecnt, typecnt, charcnt, i;
	unsigned version, tsize = 4;
	const uint8_t *times, *idx, *types;

	memset(tz, 0, sizeof *tz);
	if (len < 44 || memcmp(buf, "TZif", 4) != 0) {
		snprintf(err, errlen, "not a TZif file");
		return VG_EFORMAT;
	}
	version = buf[4];
	for (;;) {
		vgi_cur_skip(&c, 20);
		isut = vgi_cur_be32(&c);
		isstd = vgi_cur_be32(&c);
		leap = vgi_cur_be32(&c);
		timecnt = vgi_cur_be32(&c);
		typecnt = vgi_cur_be32(&c);
		charcnt = vgi_cur_be32(&c);
		if (c.bad || timecnt > MAX_TRANS || typecnt == 0 || typecnt > 256 ||
		    leap > MAX_TRANS || charcnt > 65536 || isut > typecnt || isstd > typecnt)
			goto bad;
		if (tsize == 4 && version >= '2') {
			/* skip the 32-bit block, read the 64-bit one */
			vgi_cur_skip(&c, (size_t)timecnt * 5 + (size_t)typecnt * 6 + charcnt +
					     (size_t)leap * 8 + isstd + isut);
			if (c.bad || vgi_cur_left(&c) < 4 || memcmp(c.p, "TZif", 4) != 0)
				goto bad;
			tsize = 8;
			continue;
		}
		break;
	}
	if (!vgi_cur_need(&c, (size_t)timecnt * (tsize + 1) + (size_t)typecnt * 6))
		goto bad;
	times = c.p;
	idx = times + (size_t)timecnt * tsize;
	types = idx + timecnt;
	tz->trans = malloc(((size_t)timecnt + 1) * sizeof *tz->trans);
	tz->off = malloc(((size_t)timecnt + 1) * sizeof *tz->off);
	if (!tz->trans || !tz->off) {
		vgi_tz_free(tz);
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	for (i = 0; i < timecnt; i++) {
		int64_t t = tsize == 8 ? (int64_t)vgi_be64(times + (size_t)i * 8)
				       : (int64_t)(int32_t)vgi_be32(times + (size_t)i * 4);
		if (idx[i] >= typecnt || (i && t <= tz->trans[i - 1]))
			goto bad_free;
		tz->trans[i] = t;
		tz->off[i] = (int32_t)vgi_be32(types + (size_t)idx[i] * 6);
	}
	tz->n = timecnt;
	tz->off_before = (int32_t)vgi_be32(types);
	for (i = 0; i < typecnt; i++) {
		int32_t o = (int32_t)vgi_be32(types + (size_t)i * 6);
		if (o < -26 * 3600 || o > 26 * 3600)
			goto bad_free;
	}
	return VG_OK;
bad_free:
	vgi_tz_free(tz);
bad:
	snprintf(err, errlen, "a damaged TZif file");
	return VG_EFORMAT;
}

int vgi_tz_load(struct vgi_tz *tz, const char *name, char *err, size_t errlen)
{
	char path[512];
	uint8_t *buf;
	FILE *fp;
	long n;
	size_t i;
	int rc;

	memset(tz, 0, sizeof *tz);
	/* a zone name, not a path: letters, digits, _ + - and single slashes */
	for (i = 0; name[i]; i++) {
		char ch = name[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '+' || ch == '-' ||
		      (ch == '/' && i > 0 && name[i - 1] != '/')) || i > 100) {
			snprintf(err, errlen, "'%s' is not a time zone name", name);
			return VG_EINVAL;
		}
	}
	if (!i || name[0] == '-') {
		snprintf(err, errlen, "'%s' is not a time zone name", name);
		return VG_EINVAL;
	}
	snprintf(path, sizeof path, "%s/%s", TZDIR, name);
	if (!(fp = fopen(path, "rb"))) {
		snprintf(err, errlen, "unknown time zone '%s' (%s: %s)", name, path,
			 strerror(errno));
		return VG_EINVAL;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || n > (1 << 20) ||
	    fseek(fp, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)n + 1))) {
		fclose(fp);
		snprintf(err, errlen, "%s: cannot read", path);
		return VG_EIO;
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		snprintf(err, errlen, "%s: cannot read", path);
		return VG_EIO;
	}
	fclose(fp);
	rc = vgi_tz_parse(tz, buf, (size_t)n, err, errlen);
	free(buf);
	if (rc != VG_OK) {
		char m[256];
		snprintf(m, sizeof m, "%s", err);
		snprintf(err, errlen, "%s: %s", path, m);
		return VG_EINVAL;
	}
	return VG_OK;
}

int32_t vgi_tz_offset(const struct vgi_tz *tz, int64_t t)
{
	size_t lo = 0, hi = tz->n;
	if (!tz->n || t < tz->trans[0])
		return tz->off_before;
	/* the last transition at or before t */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (tz->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->off[lo];
}
