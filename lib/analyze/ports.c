/*
 * ports.c - what a port is known as: an IANA-registered service, a name in
 * /etc/services (Debian's, embedded; or a site's own file), a port where a
 * documented trojan or backdoor listens (data/ports/trojans.tsv) - every
 * label that applies - and its IANA range (system 0-1023, user 1024-49151,
 * dynamic 49152-65535). The registries are embedded in the library
 * (portdata.S) and indexed once per database.
 */
#include <stdio.h>
#include <stdlib.h>

#include "analyze/analyze.h"

extern const char vgi_portdata_iana[];
extern const char vgi_portdata_services[];
extern const char vgi_portdata_trojans[];

#define N_PROTO 4 /* tcp, udp, sctp, dccp */

struct trojan {
	const char *name, *source;
	size_t name_len, source_len;
};

struct vgi_portdb {
	/* offset + 1 of the name in its text, 0 = none */
	uint32_t iana[N_PROTO][65536];
	uint32_t svc[N_PROTO][65536];
	uint16_t trojan[N_PROTO][65536]; /* index + 1 into trojans */
	struct trojan *trojans;
	size_t n_trojans;
	char *extra;                    /* a site's services file, owned */
};

static int proto_index(unsigned proto)
{
	switch (proto) {
	case 6: return 0;
	case 17: return 1;
	case 132: return 2;
	case 33: return 3;
	}
	return -1;
}

static int proto_word(const char *s, size_t len)
{
	if (len == 3 && memcmp(s, "tcp", 3) == 0)
		return 6;
	if (len == 3 && memcmp(s, "udp", 3) == 0)
		return 17;
	if (len == 4 && memcmp(s, "sctp", 4) == 0)
		return 132;
	if (len == 4 && memcmp(s, "dccp", 4) == 0)
		return 33;
	return -1;
}

/* Splits one line of "a<TAB>b<TAB>c..." into at most 4 fields. */
static size_t split_tabs(const char *line, size_t len, const char **f,
			 size_t *fl, size_t max)
{
	size_t n = 0, i, start = 0;
	for (i = 0; i <= len && n < max; i++) {
		if (i == len || line[i] == '\t') {
			f[n] = line + start;
			fl[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

/* port or lo-hi -> [lo, hi]; 0 on success */
static int port_range(const char *s, size_t len, unsigned *lo, unsigned *hi)
{
	unsigned v = 0, *cur = lo;
	size_t i;
	int digits = 0;
	*lo = *hi = 0;
	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 65535)
				return -1;
			digits++;
		} else if (s[i] == '-' && cur == lo && digits) {
			*lo = v;
			cur = hi;
			v = 0;
			digits = 0;
		} else {
			return -1;
		}
	}
	if (!digits)
		return -1;
	*cur = v;
	if (cur == lo)
		*hi = v;
	return *hi < *lo ? -1 : 0;
}

/* Indexes a port<TAB>proto<TAB>name text into tab (first name wins). */
static void index_names(const char *text, uint32_t tab[N_PROTO][65536])
{
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n'), *f[4];
		size_t len = e ? (size_t)(e - p) : strlen(p), fl[4];
		unsigned lo, hi, port;
		int proto, pi;
		if (len && p[0] != '#' && split_tabs(p, len, f, fl, 4) >= 3 &&
		    port_range(f[0], fl[0], &lo, &hi) == 0 &&
		    (proto = proto_word(f[1], fl[1])) >= 0 &&
		    (pi = proto_index((unsigned)proto)) >= 0 && fl[2] > 0) {
			for (port = lo; port <= hi; port++)
				if (!tab[pi][port])
					tab[pi][port] = (uint32_t)(f[2] - text) + 1;
		}
		p += len + (e ? 1 : 0);
	}
}

int vgi_portdb_load(struct vgi_portdb **dbp, const char *services_path,
		    char *err, size_t errlen)
{
	struct vgi_portdb *db = calloc(1, sizeof *db);
	const char *p;
	size_t cap = 0;

	*dbp = NULL;
	if (!db) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	index_names(vgi_portdata_iana, db->iana);
	index_names(vgi_portdata_services, db->svc);
	if (services_path) {
		FILE *fp = fopen(services_path, "r");
		long n;
		if (!fp) {
			snprintf(err, errlen, "%s: cannot open: %s", services_path,
				 strerror(errno));
			vgi_portdb_free(db);
			return VG_EIO;
		}
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		if (n < 0 || n > (64 << 20) || !(db->extra = malloc((size_t)n + 1)) ||
		    fread(db->extra, 1, (size_t)n, fp) != (size_t)n) {
			snprintf(err, errlen, "%s: cannot read", services_path);
			fclose(fp);
			vgi_portdb_free(db);
			return VG_EIO;
		}
		fclose(fp);
		db->extra[n] = '\0';
		/* /etc/services syntax: name port/proto [aliases] [# comment] */
		{
			char *q = db->extra;
			uint32_t off;
			while (*q) {
				char *e = strchr(q, '\n'), *h = strchr(q, '#');
				char name[64];
				unsigned port;
				char proto[8];
				int pr, pi;
				if (e)
					*e = '\0';
				if (h)
					*h = '\0';
				if (sscanf(q, "%63s %u/%7s", name, &port, proto) == 3 &&
				    port < 65536 && (pr = proto_word(proto, strlen(proto))) >= 0 &&
				    (pi = proto_index((unsigned)pr)) >= 0) {
					/* names from the site's file are kept as the
					 * service name; they override the snapshot */
					char *np = strstr(q, name);
					off = (uint32_t)(np - db->extra);
					np[strlen(name)] = '\0';
					db->svc[pi][port] = off + 1 + 0x80000000u;
				}
				if (!e)
					break;
				q = e + 1;
			}
		}
	}
	for (p = vgi_portdata_trojans; *p;) {
		const char *e = strchr(p, '\n'), *f[4];
		size_t len = e ? (size_t)(e - p) : strlen(p), fl[4];
		unsigned lo, hi, port;
		int proto, pi;
		if (len && p[0] != '#' && split_tabs(p, len, f, fl, 4) == 4 &&
		    port_range(f[0], fl[0], &lo, &hi) == 0 &&
		    (proto = proto_word(f[1], fl[1])) >= 0 &&
		    (pi = proto_index((unsigned)proto)) >= 0) {
			if (db->n_trojans == cap) {
				struct trojan *nt;
				cap = cap ? cap * 2 : 32;
				if (!(nt = realloc(db->trojans, cap * sizeof *nt))) {
					snprintf(err, errlen, "out of memory");
					vgi_portdb_free(db);
					return VG_ENOMEM;
				}
				db->trojans = nt;
			}
			db->trojans[db->n_trojans].name = f[2];
			db->trojans[db->n_trojans].name_len = fl[2];
			db->trojans[db->n_trojans].source = f[3];
			db->trojans[db->n_trojans].source_len = fl[3];
			db->n_trojans++;
			for (port = lo; port <= hi; port++)
				db->trojan[pi][port] = (uint16_t)db->n_trojans;
		}
		p += len + (e ? 1 : 0);
	}
	*dbp = db;
	return VG_OK;
}

void vgi_portdb_free(struct vgi_portdb *db)
{
	if (!db)
		return;
	free(db->trojans);
	free(db->extra);
	free(db);
}

static size_t name_len(const char *s)
{
	size_t n = 0;
	while (s[n] && s[n] != '\t' && s[n] != '\n' && s[n] != '\r')
		n++;
	return n;
}

void vgi_portdb_lookup(const struct vgi_portdb *db, unsigned proto,
		       unsigned port, struct vgi_portinfo *pi)
{
	int k = proto_index(proto);
	memset(pi, 0, sizeof *pi);
	pi->range = port < 1024 ? "system" : port < 49152 ? "user" : "dynamic";
	if (k < 0 || port > 65535 || !db)
		return;
	if (db->iana[k][port]) {
		pi->iana = vgi_portdata_iana + db->iana[k][port] - 1;
		pi->iana_len = name_len(pi->iana);
	}
	if (db->svc[k][port]) {
		uint32_t v = db->svc[k][port];
		pi->svc = (v & 0x80000000u) ? db->extra + (v & 0x7fffffffu) - 1
					    : vgi_portdata_services + v - 1;
		pi->svc_len = name_len(pi->svc);
	}
	if (db->trojan[k][port]) {
		const struct trojan *t = &db->trojans[db->trojan[k][port] - 1];
		pi->trojan = t->name;
		pi->trojan_len = t->name_len;
		pi->trojan_source = t->source;
		pi->trojan_source_len = t->source_len;
	}
}
