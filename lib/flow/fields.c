/*
 * fields.c - names, printers and parsers of every flow column, generated
 * from the one definition in VG_FIELD_LIST (include/vigil.h). A column's
 * "kind" says how its value is printed in each style and parsed back.
 * The ra style reproduces `ra -n -u -p 6 -c ,` byte for byte.
 */
#include <stddef.h>
#include <stdlib.h>

#include "core/core.h"

enum kind { K_TIME, K_DUR, K_PROTO, K_ADDR, K_PORT, K_U64, K_SUM, K_STATE,
	    K_FLAGS, K_U16, K_U32, K_ONEWAY };

struct field_def {
	const char *name;
	const char *doc;
	enum kind kind;
	size_t off;
};

static const struct field_def fields[VG_F__COUNT] = {
#define VG_X_(sym, nm, kd, member, dc) \
	[VG_F_##sym] = {nm, dc, K_##kd, offsetof(vg_flow, member)},
	VG_FIELD_LIST(VG_X_)
#undef VG_X_
};

const char *vg_field_name(int f)
{
	return (f >= 0 && f < VG_F__COUNT) ? fields[f].name : NULL;
}

const char *vg_field_doc(int f)
{
	return (f >= 0 && f < VG_F__COUNT) ? fields[f].doc : NULL;
}

int vg_field_lookup(const char *name, size_t len)
{
	int i;
	for (i = 0; i < VG_F__COUNT; i++)
		if (strlen(fields[i].name) == len &&
		    memcmp(fields[i].name, name, len) == 0)
			return i;
	return -1;
}

#define MEMBER(f, def, type) (*(const type *)((const char *)(f) + (def)->off))
#define MEMBER_W(f, def, type) (*(type *)((char *)(f) + (def)->off))

static const char hexd[] = "0123456789abcdef";

static size_t fmt_hex4(char *out, unsigned v)
{
	out[0] = '0';
	out[1] = 'x';
	out[2] = hexd[(v >> 12) & 15];
	out[3] = hexd[(v >> 8) & 15];
	out[4] = hexd[(v >> 4) & 15];
	out[5] = hexd[v & 15];
	out[6] = '\0';
	return 6;
}

static size_t fmt_str(char *out, const char *s, int quote)
{
	size_t n = 0, len = strlen(s);
	if (quote)
		out[n++] = '"';
	memcpy(out + n, s, len);
	n += len;
	if (quote)
		out[n++] = '"';
	out[n] = '\0';
	return n;
}

static int is_icmp4(const vg_flow *f)
{
	return f->family == VG_FAM_IP4 && f->proto == 1;
}

/* ra prints ports for TCP, UDP and ICMP (IPv4) / ICMPv6 (IPv6) only; the
 * port columns of other protocols are empty. */
static int has_ports(const vg_flow *f)
{
	if (f->kind == VG_REC_MAN)
		return 1;
	if (f->family == VG_FAM_IP4)
		return f->proto == 6 || f->proto == 17 || f->proto == 1;
	if (f->family == VG_FAM_IP6)
		return f->proto == 6 || f->proto == 17 || f->proto == 58;
	return 0;
}

static const char tcpflag_letters[8] = {'F', 'S', 'R', 'P', 'A', 'U', 'E', 'C'};

/* "FSPA" -> VG_TH_* bits; -1 for another letter. */
static int flags_parse(const char *s, size_t len, uint8_t *out)
{
	unsigned bits = 0, k;
	size_t i;
	for (i = 0; i < len; i++) {
		for (k = 0; k < 8; k++)
			if (s[i] == tcpflag_letters[k])
				break;
		if (k == 8)
			return -1;
		bits |= 1u << k;
	}
	*out = (uint8_t)bits;
	return 0;
}

int vg_time_fmt_parse(const char *name)
{
	return strcmp(name, "epoch") == 0  ? VG_TIME_EPOCH
	       : strcmp(name, "iso") == 0  ? VG_TIME_ISO
	       : strcmp(name, "text") == 0 ? VG_TIME_TEXT
					   : -1;
}

size_t vg_time_format(int64_t us, int fmt, char *out)
{
	if (fmt == VG_TIME_EPOCH)
		return vgi_fmt_epoch_us(out, us);
	return vgi_fmt_iso_us(out, us, fmt == VG_TIME_ISO);
}

size_t vg_field_format(int field, const vg_flow *f, int style, char *out)
{
	const struct field_def *d;
	int json = style == VG_STYLE_JSON;
	size_t n;

	if (field < 0 || field >= VG_F__COUNT) {
		out[0] = '\0';
		return 0;
	}
	d = &fields[field];
	switch (d->kind) {
	case K_TIME: {
		int64_t us = MEMBER(f, d, int64_t);
		if (style == VG_STYLE_RA)
			return vgi_fmt_epoch_us(out, us);
		n = 0;
		if (json)
			out[n++] = '"';
		n += vgi_fmt_iso_us(out + n, us, json);
		if (json)
			out[n++] = '"';
		out[n] = '\0';
		return n;
	}
	case K_DUR:
		return vgi_fmt_epoch_us(out, f->ltime_us - f->stime_us);
	case K_PROTO: {
		const char *name;
		if (f->kind == VG_REC_MAN)
			name = "man";
		else if (f->family == VG_FAM_ARP)
			name = "arp";
		else if (f->family == VG_FAM_RARP)
			name = "rarp";
		else
			name = vg_proto_name(f->proto);
		if (!name) {
			if (!json)
				return vgi_fmt_u64(out, f->proto);
			out[0] = '"';
			n = 1 + vgi_fmt_u64(out + 1, f->proto);
			out[n++] = '"';
			out[n] = '\0';
			return n;
		}
		return fmt_str(out, name, json);
	}
	case K_ADDR: {
		const vg_addr *a = &MEMBER(f, d, vg_addr);
		n = 0;
		if (json)
			out[n++] = '"';
		n += vg_addr_format(a, f->kind == VG_REC_MAN ? VG_FAM_NONE
							     : f->family,
				    out + n);
		if (json)
			out[n++] = '"';
		out[n] = '\0';
		return n;
	}
	case K_PORT: {
		unsigned v = MEMBER(f, d, uint16_t);
		if (!has_ports(f)) {
			if (json)
				return fmt_str(out, "null", 0);
			out[0] = '\0';
			return 0;
		}
		if (style == VG_STYLE_RA && is_icmp4(f)) {
			/* ra shows the two key bytes as one hex number:
			 * sport = type | code << 8, dport = the id bytes as
			 * argus stored them (little-endian on x86 sensors). */
			if (field == VG_F_SPORT)
				return fmt_hex4(out, f->sport | (unsigned)f->dport << 8);
			return fmt_hex4(out, (unsigned)(f->icmp_id >> 8 | (f->icmp_id & 0xff) << 8));
		}
		return vgi_fmt_u64(out, v);
	}
	case K_U64:
		return vgi_fmt_u64(out, MEMBER(f, d, uint64_t));
	case K_SUM: {
		/* the member is the source counter; the destination counter
		 * follows it at a fixed distance in vg_flow */
		uint64_t s = MEMBER(f, d, uint64_t);
		uint64_t o = d->off == offsetof(vg_flow, spkts) ? f->dpkts : f->dbytes;
		return vgi_fmt_u64(out, s + o);
	}
	case K_STATE:
		return fmt_str(out, vg_state_name(f->state), json);
	case K_FLAGS: {
		unsigned v = MEMBER(f, d, uint8_t), i;
		n = 0;
		if (json)
			out[n++] = '"';
		for (i = 0; i < 8; i++)
			if (v & (1u << i))
				out[n++] = tcpflag_letters[i];
		if (json)
			out[n++] = '"';
		out[n] = '\0';
		return n;
	}
	case K_U16:
		return vgi_fmt_u64(out, MEMBER(f, d, uint16_t));
	case K_U32:
		return vgi_fmt_u64(out, MEMBER(f, d, uint32_t));
	case K_ONEWAY:
		if (json)
			return fmt_str(out, (f->rflags & VG_RF_ONEWAY) ? "true" : "false", 0);
		return fmt_str(out, (f->rflags & VG_RF_ONEWAY) ? "1" : "0", 0);
	}
	out[0] = '\0';
	return 0;
}

/* ------------------------------------------------------------ parsing */

static int parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;
	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned dgt;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		dgt = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - dgt) / 10)
			return -1;
		x = x * 10 + dgt;
	}
	*v = x;
	return 0;
}

static int parse_hex(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;
	if (len == 0 || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		char c = s[i];
		unsigned dgt;
		if (c >= '0' && c <= '9')
			dgt = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			dgt = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			dgt = (unsigned)(c - 'A' + 10);
		else
			return -1;
		x = x << 4 | dgt;
	}
	*v = x;
	return 0;
}

/* "sec[.frac]" or "YYYY-MM-DD[ T]hh:mm:ss[.frac][Z]" (UTC) -> µs */
static int parse_time(const char *s, size_t len, int64_t *us)
{
	uint64_t sec = 0, frac = 0;
	size_t i = 0, dot = len;
	int neg = 0;
	unsigned fd = 0;

	if (len >= 19 && s[4] == '-' && s[7] == '-' &&
	    (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':') {
		uint64_t y, mo, d, h, mi, se;
		if (parse_u64(s, 4, &y) || parse_u64(s + 5, 2, &mo) ||
		    parse_u64(s + 8, 2, &d) || parse_u64(s + 11, 2, &h) ||
		    parse_u64(s + 14, 2, &mi) || parse_u64(s + 17, 2, &se) ||
		    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
		    se > 60)
			return -1;
		sec = (uint64_t)(vgi_days_from_civil((int)y, (unsigned)mo,
						    (unsigned)d) * 86400) +
		      h * 3600 + mi * 60 + se;
		i = 19;
		if (len > i && s[len - 1] == 'Z')
			len--;
		if (i == len) {
			*us = (int64_t)sec * 1000000;
			return 0;
		}
		if (s[i] != '.')
			return -1;
		dot = i;
	} else {
		if (len && s[0] == '-') {
			neg = 1;
			i = 1;
		}
		for (dot = i; dot < len && s[dot] != '.'; dot++)
			;
		if (parse_u64(s + i, dot - i, &sec) || sec > 9000000000000ULL)
			return -1;
	}
	if (dot < len) {
		for (i = dot + 1; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			if (fd < 6) {
				frac = frac * 10 + (uint64_t)(s[i] - '0');
				fd++;
			}
		}
		if (dot + 1 == len)
			return -1;
		while (fd < 6) {
			frac *= 10;
			fd++;
		}
	}
	*us = (int64_t)(sec * 1000000 + frac);
	if (neg)
		*us = -*us;
	return 0;
}

static int parse_decimal_syntax(const char *s, size_t len)
{
	int64_t dummy;
	return parse_time(s, len, &dummy);
}

int vg_field_parse(int field, const char *s, size_t len, vg_flow *f)
{
	const struct field_def *d;
	uint64_t v;

	if (field < 0 || field >= VG_F__COUNT)
		return VG_EINVAL;
	d = &fields[field];
	switch (d->kind) {
	case K_TIME: {
		int64_t us;
		if (parse_time(s, len, &us))
			return VG_EINVAL;
		MEMBER_W(f, d, int64_t) = us;
		return VG_OK;
	}
	case K_DUR:
	case K_SUM:
		return parse_decimal_syntax(s, len) ? VG_EINVAL : VG_OK;
	case K_PROTO: {
		int p;
		if (len == 3 && memcmp(s, "man", 3) == 0) {
			f->kind = VG_REC_MAN;
			f->family = VG_FAM_NONE;
			f->proto = 0;
			return VG_OK;
		}
		if (len == 3 && memcmp(s, "arp", 3) == 0) {
			f->family = VG_FAM_ARP;
			f->proto = 0;
			return VG_OK;
		}
		if (len == 4 && memcmp(s, "rarp", 4) == 0) {
			f->family = VG_FAM_RARP;
			f->proto = 0;
			return VG_OK;
		}
		if ((p = vg_proto_parse(s, len)) < 0)
			return VG_EINVAL;
		f->proto = (uint8_t)p;
		return VG_OK;
	}
	case K_ADDR: {
		vg_addr a;
		int fam;
		if (f->kind == VG_REC_MAN && len == 1 && s[0] == '0') {
			memset(&MEMBER_W(f, d, vg_addr), 0, sizeof a);
			return VG_OK;
		}
		if (!(fam = vg_addr_parse(&a, s, len)))
			return VG_EINVAL;
		MEMBER_W(f, d, vg_addr) = a;
		if (f->family != VG_FAM_ARP && f->family != VG_FAM_RARP)
			f->family = (uint8_t)(fam == 4 ? VG_FAM_IP4 : VG_FAM_IP6);
		return VG_OK;
	}
	case K_PORT:
		if (len == 0) {
			MEMBER_W(f, d, uint16_t) = 0;
			return VG_OK;
		}
		if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			if (parse_hex(s + 2, len - 2, &v) || v > 0xffff)
				return VG_EINVAL;
			if (f->proto == 1 && field == VG_F_SPORT) {
				f->sport = (uint16_t)(v & 0xff);
				f->dport = (uint16_t)(v >> 8);
			} else if (f->proto == 1 && field == VG_F_DPORT) {
				f->icmp_id = (uint16_t)((v >> 8) | (v & 0xff) << 8);
			} else {
				MEMBER_W(f, d, uint16_t) = (uint16_t)v;
			}
			return VG_OK;
		}
		if (parse_u64(s, len, &v) || v > 0xffff)
			return VG_EINVAL;
		MEMBER_W(f, d, uint16_t) = (uint16_t)v;
		return VG_OK;
	case K_U64:
		if (parse_u64(s, len, &v))
			return VG_EINVAL;
		MEMBER_W(f, d, uint64_t) = v;
		return VG_OK;
	case K_STATE: {
		int st = vg_state_parse(s, len);
		const char *u = memchr(s, '_', len);
		if (st < 0 && u) {
			/* ra -Z b: the TCP flags each way, "SA_R" */
			size_t a = (size_t)(u - s);
			if (flags_parse(s, a, &f->sflags) || flags_parse(u + 1, len - a - 1, &f->dflags))
				return VG_EINVAL;
			f->state = VG_ST_UNK;
			return VG_OK;
		}
		if (st < 0)
			return VG_EINVAL;
		f->state = (uint8_t)st;
		return VG_OK;
	}
	case K_FLAGS:
		return flags_parse(s, len, &MEMBER_W(f, d, uint8_t)) ? VG_EINVAL : VG_OK;
	case K_U16:
		if (parse_u64(s, len, &v) || v > 0xffff)
			return VG_EINVAL;
		MEMBER_W(f, d, uint16_t) = (uint16_t)v;
		return VG_OK;
	case K_U32:
		if (parse_u64(s, len, &v) || v > 0xffffffffu)
			return VG_EINVAL;
		MEMBER_W(f, d, uint32_t) = (uint32_t)v;
		return VG_OK;
	case K_ONEWAY:
		if ((len == 1 && s[0] == '1') || (len == 4 && memcmp(s, "true", 4) == 0))
			f->rflags |= VG_RF_ONEWAY;
		else if ((len == 1 && s[0] == '0') || (len == 5 && memcmp(s, "false", 5) == 0))
			f->rflags &= (uint8_t)~VG_RF_ONEWAY;
		else
			return VG_EINVAL;
		return VG_OK;
	}
	return VG_EINVAL;
}
