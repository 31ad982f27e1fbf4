/*
 * misp.c - scan events and alerts as one MISP event (the MISP core format,
 * draft-dulaunoy-misp-core-format; docs/misp.md), for import into MISP:
 * an ip-src attribute per source (of a scan event or an alert), a port
 * attribute per port alert without a source and per port a sweep probed,
 * each with its first and last time, a comment that says why, a sighting,
 * and a tag of the eCSIRT.net incident classification (MISP taxonomy
 * ecsirt); the event tagged tlp:amber and with those tags. UUIDs are
 * version 5 in vigil's namespace, so that a rerun gives the same event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/det.h"
#include "report/emit.h"
#include "vigil.h"

/* One sighting of an address or a port: a scan event or an alert. */
struct ent {
	char type[8];        /* ip-src, port */
	char value[46];
	int64_t first_us, last_us;
	const char *kind;    /* "scan", "alert" */
	unsigned id;
	int tag;             /* 0 scanner, 1 worm, 2 dos */
	char *comment;
};

struct ents {
	struct ent *v;
	size_t n, cap;
	int oom;
};

static const char *const tag_names[] = {"ecsirt:information-gathering=\"scanner\"",
					"ecsirt:malicious-code=\"worm\"",
					"ecsirt:availability=\"dos\""};

static void add_ent(struct ents *e, const char *type, const char *value, int64_t first_us,
		    int64_t last_us, const char *kind, unsigned id, int tag, const char *comment)
{
	struct ent *x;
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		struct ent *nv = realloc(e->v, cap * sizeof *nv);
		if (!nv) {
			e->oom = 1;
			return;
		}
		e->v = nv;
		e->cap = cap;
	}
	x = &e->v[e->n];
	snprintf(x->type, sizeof x->type, "%s", type);
	snprintf(x->value, sizeof x->value, "%s", value);
	x->first_us = first_us;
	x->last_us = last_us;
	x->kind = kind;
	x->id = id;
	x->tag = tag;
	if (!(x->comment = malloc(strlen(comment) + 1))) {
		e->oom = 1;
		return;
	}
	strcpy(x->comment, comment);
	e->n++;
}

static int cmp_ent(const void *p, const void *q)
{
	const struct ent *a = p, *b = q;
	int c;
	if ((c = strcmp(a->type, b->type)) != 0 || (c = strcmp(a->value, b->value)) != 0)
		return c;
	if (a->first_us != b->first_us)
		return a->first_us < b->first_us ? -1 : 1;
	if ((c = strcmp(a->kind, b->kind)) != 0)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void iso(int64_t us, char out[40])
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", (tm.tm_year + 1900) % 10000,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100, (int)(((us % 1000000) + 1000000) % 1000000));
}

/* MISP keeps one attribute of a type and value in an event: each address
 * or port once, from its first to its last time, with a sighting per scan
 * event or alert, the first one's comment and the tags of all. Returns the
 * attributes written; *tags gets the tags' bits. */
static int write_attributes(FILE *fp, const char *team, const char *made, struct ents *e,
			    int *tags)
{
	size_t i, j, k;
	int n = 0;
	*tags = 0;
	if (e->n)
		qsort(e->v, e->n, sizeof *e->v, cmp_ent);
	for (i = 0; i < e->n; i = j) {
		char name[200], u[37], t0[40], t1[40];
		int64_t first = e->v[i].first_us, last = e->v[i].last_us;
		int tg = 0;
		for (j = i; j < e->n && strcmp(e->v[j].type, e->v[i].type) == 0 &&
			    strcmp(e->v[j].value, e->v[i].value) == 0; j++) {
			last = e->v[j].last_us > last ? e->v[j].last_us : last;
			tg |= 1 << e->v[j].tag;
		}
		*tags |= tg;
		snprintf(name, sizeof name, "%s|attribute|%s|%s", team, e->v[i].type, e->v[i].value);
		vgi_uuid5(vgi_uuid_ns_vigil, name, u);
		iso(first, t0);
		iso(last, t1);
		fprintf(fp, "%s\n{\"type\":\"%s\",\"category\":\"Network activity\",\"to_ids\":false,"
			"\"uuid\":\"%s\",\"distribution\":\"5\",\"timestamp\":\"%s\",\"first_seen\":\"%s\","
			"\"last_seen\":\"%s\",\"value\":\"%s\",\"comment\":", n ? "," : "", e->v[i].type, u,
			made, t0, t1, e->v[i].value);
		if (j - i > 1)
			snprintf(name, sizeof name, " (and %zu more scan events or alerts)", j - i - 1);
		else
			name[0] = '\0';
		{
			size_t lc = strlen(e->v[i].comment), ln = strlen(name);
			char *c = malloc(lc + ln + 1);
			if (c) {
				memcpy(c, e->v[i].comment, lc);
				memcpy(c + lc, name, ln + 1);
				vgi_json_str(fp, c, lc + ln, 0);
				free(c);
			} else {
				vgi_json_str(fp, e->v[i].comment, lc, 0);
			}
		}
		fputs(",\"Tag\":[", fp);
		for (k = 0; k < 3; k++)
			if (tg & (1 << k)) {
				fprintf(fp, "%s{\"name\":", (tg & ((1 << k) - 1)) ? "," : "");
				vgi_json_str(fp, tag_names[k], strlen(tag_names[k]), 0);
				fputc('}', fp);
			}
		fputs("],\"Sighting\":[", fp);
		for (k = i; k < j; k++) {
			char su[37];
			snprintf(name, sizeof name, "%s|%s|%u|%s|%s", team, e->v[k].kind, e->v[k].id,
				 e->v[k].type, e->v[k].value);
			vgi_uuid5(vgi_uuid_ns_vigil, name, su);
			fprintf(fp, "%s{\"type\":\"0\",\"source\":\"vigil %s %u\",\"uuid\":\"%s\","
				"\"date_sighting\":\"%lld\"}", k > i ? "," : "", e->v[k].kind, e->v[k].id, su,
				(long long)(e->v[k].last_us / 1000000));
		}
		fputs("]}", fp);
		n++;
	}
	return n;
}

/* the eCSIRT.net class of what a detector found (bits of tag_names) */
static int ecsirt_tag(const char *detector)
{
	if (strcmp(detector, "worm") == 0)
		return 1;
	if (strcmp(detector, "backscatter") == 0)
		return 2; /* the source is the victim of a DoS in spoofed names */
	return 0;
}

int vg_misp_write(FILE *fp, const vg_site *site, const vg_scan_event *const *ev, size_t n_ev,
		  vg_alerts *al, int64_t since_us)
{
	struct ents ents = {0};
	char name[200], u[37], ou[37], text[46], why[512], d0[16] = "", d1[16] = "", made[24];
	size_t i, j, n_al = al ? vg_alerts_count(al) : 0;
	int64_t first = INT64_MAX, last = INT64_MIN;
	int worst = -1, n_attr, tags = 0;
	time_t now = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH"), *team = vg_site_csirt(site);
	if (sde && *sde)
		now = (time_t)strtoll(sde, NULL, 10);
	snprintf(made, sizeof made, "%lld", (long long)now);
	for (i = 0; i < n_ev; i++) {
		first = ev[i]->first_us < first ? ev[i]->first_us : first;
		last = ev[i]->last_us > last ? ev[i]->last_us : last;
	}
	for (i = 0; i < n_al; i++) {
		const vg_alert *a = vg_alerts_get(al, i);
		if (!VGI_ALERT_SHOWN(al, a, since_us))
			continue;
		first = a->time_us < first ? a->time_us : first;
		last = a->last_us > last ? a->last_us : last;
		worst = a->severity > worst ? a->severity : worst;
	}
	if (first <= last) {
		time_t x = (time_t)(first / 1000000), y = (time_t)(last / 1000000);
		struct tm tm;
		gmtime_r(&x, &tm);
		strftime(d0, sizeof d0, "%Y-%m-%d", &tm);
		gmtime_r(&y, &tm);
		strftime(d1, sizeof d1, "%Y-%m-%d", &tm);
	} else {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(d0, sizeof d0, "%Y-%m-%d", &tm);
		memcpy(d1, d0, sizeof d1);
	}
	snprintf(name, sizeof name, "%s|misp-event|%s|%s|%zu|%zu", team, d0, d1, n_ev, n_al);
	vgi_uuid5(vgi_uuid_ns_vigil, name, u);
	snprintf(name, sizeof name, "%s|organisation", team);
	vgi_uuid5(vgi_uuid_ns_vigil, name, ou);
	fprintf(fp, "{\"Event\":{\"id\":\"0\",\"orgc_id\":\"0\",\"org_id\":\"0\",\"date\":\"%s\","
		"\"threat_level_id\":\"%s\",\"info\":", d0,
		worst == VG_SEV_HIGH ? "1" : worst == VG_SEV_MEDIUM ? "2" : "3");
	snprintf(name, sizeof name, "vigil: %zu scan events and %zu alerts of %s, %s .. %s", n_ev, n_al,
		 team, d0, d1);
	vgi_json_str(fp, name, strlen(name), 0);
	fprintf(fp, ",\"published\":false,\"uuid\":\"%s\",\"analysis\":\"2\",\"timestamp\":\"%s\","
		"\"distribution\":\"0\",\"proposal_email_lock\":false,\"locked\":false,"
		"\"publish_timestamp\":\"0\",\"sharing_group_id\":\"0\",\"Org\":{\"id\":\"0\",\"name\":",
		u, made);
	vgi_json_str(fp, team, strlen(team), 0);
	fprintf(fp, ",\"uuid\":\"%s\"},\"Orgc\":{\"id\":\"0\",\"name\":", ou);
	vgi_json_str(fp, team, strlen(team), 0);
	fprintf(fp, ",\"uuid\":\"%s\"},\n\"Attribute\":[", ou);
	for (i = 0; i < n_ev; i++) {
		const vg_scan_event *e = ev[i];
		vg_addr_format(&e->scanner, e->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, text);
		vg_scan_why(site, e, why, sizeof why);
		add_ent(&ents, "ip-src", text, e->first_us, e->last_us, "scan", e->id, 0, why);
		/* a sweep's ports: the service it looks for */
		if (e->kind == VG_SCAN_SWEEP)
			for (j = 0; j < e->n_ports && j < 2; j++) {
				char pv[8];
				if ((e->ports[j] >> 16) == 1 || (e->ports[j] >> 16) == 58)
					continue; /* ICMP: a type, not a port */
				snprintf(pv, sizeof pv, "%u", e->ports[j] & 0xffff);
				add_ent(&ents, "port", pv, e->first_us, e->last_us, "scan", e->id, 0, why);
			}
	}
	for (i = 0; i < n_al; i++) {
		const vg_alert *a = vg_alerts_get(al, i);
		int64_t end = a->last_us + (int64_t)a->period_s * 1000000;
		int tag = ecsirt_tag(vg_detector_name(a->detector));
		if (!VGI_ALERT_SHOWN(al, a, since_us))
			continue;
		if (end <= a->time_us)
			end = a->time_us;
		if (a->has_source) {
			vg_addr_format(&a->source, a->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, text);
			add_ent(&ents, "ip-src", text, a->time_us, end, "alert", a->id, tag, a->summary);
		} else if (a->proto && a->port >= 0) {
			snprintf(text, sizeof text, "%d", a->port);
			add_ent(&ents, "port", text, a->time_us, end, "alert", a->id, tag, a->summary);
		}
	}
	n_attr = ents.oom ? 0 : write_attributes(fp, team, made, &ents, &tags);
	for (i = 0; i < ents.n; i++)
		free(ents.v[i].comment);
	free(ents.v);
	if (ents.oom)
		return VG_ENOMEM;
	fputs("],\n\"ShadowAttribute\":[],\"RelatedEvent\":[],\"Tag\":[{\"name\":\"tlp:amber\"}", fp);
	for (i = 0; i < 3; i++)
		if (tags & (1 << i)) {
			fputs(",{\"name\":", fp);
			vgi_json_str(fp, tag_names[i], strlen(tag_names[i]), 0);
			fputc('}', fp);
		}
	fprintf(fp, "],\"attribute_count\":\"%d\"}}\n", n_attr);
	return ferror(fp) ? VG_EIO : VG_OK;
}
