/*
 * fmt_argus2.c - Argus 2.x files (argus 2.0.x, ~2003). Recognised by the
 * initial MAR (bit 0x80 in byte 0, cookie 0xE5617ACB at +8, sequence 0,
 * length 128 bytes at +2; shared docs/FORMATS.md section 2). Reading them
 * is not implemented yet: they are refused with a message that says so.
 */
#include "read/read.h"

#define ARGUS_V2_COOKIE 0xE5617ACBu

static int sniff(const uint8_t *p, size_t n)
{
	if (n >= 16 && (p[0] & 0x80) && vgi_be32(p + 8) == ARGUS_V2_COOKIE &&
	    vgi_be32(p + 12) == 0 && vgi_be16(p + 2) == 128)
		return 100;
	return 0;
}

static int open_v2(vg_reader *r)
{
	vgi_errf(r->errmsg, "%s: @0x0: an Argus 2.x file; this version of vigil "
		 "does not read Argus 2.x yet - convert it with "
		 "`ra -r FILE -w new.argus` (argus-clients 3.x)", r->name);
	return VG_EUNSUP;
}

static int read_v2(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	(void)r;
	(void)out;
	(void)cap;
	*n = 0;
	return VG_DONE;
}

const struct vgi_format vgi_fmt_argus2 = {
	"argus2", "Argus 2.x records",
	sniff, open_v2, read_v2, NULL,
};
