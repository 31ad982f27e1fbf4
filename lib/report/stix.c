/*
 * stix.c - scan events and alerts as a STIX 2.1 bundle (OASIS, "STIX
 * Version 2.1", 2021; docs/stix.md): the team as an identity; each scan
 * event as the source's address (ipv4-addr/ipv6-addr), an observed-data
 * of it, an indicator with a pattern on it and a sighting of the indicator
 * by the team; each alert as an indicator (on its source, or on the port's
 * traffic: network-traffic) and a sighting. Marked TLP:AMBER.
 *
 * Identifiers are UUIDv5, so that the same events give the same bundle: a
 * cyber-observable's from its value as the standard says (section 2.9, the
 * STIX namespace over {"value":...}), the others' from the team and the
 * event or alert id in vigil's own namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/det.h"
#include "core/addrtab.h"
#include "report/emit.h"
#include "vigil.h"

/* section 2.9: the namespace of cyber-observable identifiers */
static const uint8_t ns_sco[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
				   0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
/* vigil's, for its domain objects and sightings */
#define ns_vigil vgi_uuid_ns_vigil
/* the TLP:AMBER marking definition of STIX 2.1 (section 7.2.1.4) */
#define TLP_AMBER "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"

/* "type--" and the version 5 UUID of name in ns */
static void uuid5(char out[80], const char *type, const uint8_t ns[16], const char *name)
{
	char u[37];
	vgi_uuid5(ns, name, u);
	snprintf(out, 80, "%s--%s", type, u);
}

static void ts(int64_t us, char out[32])
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	int ms = (int)((us % 1000000 + 1000000) % 1000000 / 1000);
	gmtime_r(&s, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
		 tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, ms % 1000);
}

struct bundle {
	FILE *fp;
	int first;
	char team_id[80], made[32];
	const char *team;
	vgi_addrtab seen; /* addresses whose object is written */
};

static void next(struct bundle *b)
{
	fputs(b->first ? "\n" : ",\n", b->fp);
	b->first = 0;
}

/* the common properties of a domain object or sighting */
static void common(struct bundle *b, const char *type, const char *id)
{
	next(b);
	fprintf(b->fp, "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":\"%s\","
		"\"modified\":\"%s\",\"created_by_ref\":\"%s\",\"object_marking_refs\":[\"" TLP_AMBER "\"]",
		type, id, b->made, b->made, b->team_id);
}

/* The address object (once a bundle), its id in out; its text in text. */
static void address(struct bundle *b, const vg_addr *a, int family, char out[80], char text[46])
{
	char name[80];
	const char *type = family == VG_FAM_IP6 ? "ipv6-addr" : "ipv4-addr";
	int64_t had = vgi_addrtab_find(&b->seen, a);
	vg_addr_format(a, family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, text);
	snprintf(name, sizeof name, "{\"value\":\"%s\"}", text);
	uuid5(out, type, ns_sco, name);
	if (had >= 0)
		return;
	vgi_addrtab_index(&b->seen, a, (uint8_t)family);
	next(b);
	fprintf(b->fp, "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"value\":\"%s\"}", type,
		out, text);
}

static int confidence(int severity)
{
	return severity == VG_SEV_HIGH ? 85 : severity == VG_SEV_MEDIUM ? 60 : 30;
}

static void scan_objects(struct bundle *b, const vg_site *site, const vg_scan_event *e)
{
	char addr_id[80], od[80], ind[80], sig[80], name[160], text[46], t0[32], t1[32], why[512];
	const char *fam = e->family == VG_FAM_IP6 ? "ipv6-addr" : "ipv4-addr";
	address(b, &e->scanner, e->family, addr_id, text);
	ts(e->first_us, t0);
	ts(e->last_us, t1);
	snprintf(name, sizeof name, "%s|scan|%u|", b->team, e->id);
	strcat(name, "observed-data");
	uuid5(od, "observed-data", ns_vigil, name);
	common(b, "observed-data", od);
	fprintf(b->fp, ",\"first_observed\":\"%s\",\"last_observed\":\"%s\",\"number_observed\":%llu,"
		"\"object_refs\":[\"%s\"]}", t0, t1,
		(unsigned long long)(e->flows < 1 ? 1 : e->flows > 999999999 ? 999999999 : e->flows),
		addr_id);
	snprintf(name, sizeof name, "%s|scan|%u|indicator", b->team, e->id);
	uuid5(ind, "indicator", ns_vigil, name);
	common(b, "indicator", ind);
	fprintf(b->fp, ",\"name\":\"%s from %s\",\"description\":", vg_scan_kind_name(e->kind), text);
	vg_scan_why(site, e, why, sizeof why);
	vgi_json_str(b->fp, why, strlen(why), 0);
	fprintf(b->fp, ",\"indicator_types\":[\"anomalous-activity\"],\"pattern\":\"[%s:value = '%s']\","
		"\"pattern_type\":\"stix\",\"valid_from\":\"%s\",\"labels\":[\"vigil\",\"scan\",\"%s\"]}",
		fam, text, t0, vg_scan_kind_name(e->kind));
	snprintf(name, sizeof name, "%s|scan|%u|sighting", b->team, e->id);
	uuid5(sig, "sighting", ns_vigil, name);
	common(b, "sighting", sig);
	fprintf(b->fp, ",\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"count\":1,\"sighting_of_ref\":\"%s\","
		"\"observed_data_refs\":[\"%s\"],\"where_sighted_refs\":[\"%s\"]}", t0, t1, ind, od,
		b->team_id);
}

static void alert_objects(struct bundle *b, const vg_alert *a)
{
	char ind[80], sig[80], name[160], text[46] = "", pattern[160], t0[32], t1[32], addr_id[80];
	int64_t end = a->last_us + (int64_t)a->period_s * 1000000;
	if (a->has_source) {
		address(b, &a->source, a->family, addr_id, text);
		snprintf(pattern, sizeof pattern, "[%s:value = '%s']",
			 a->family == VG_FAM_IP6 ? "ipv6-addr" : "ipv4-addr", text);
	} else if (a->proto) {
		snprintf(pattern, sizeof pattern,
			 "[network-traffic:dst_port = %d AND network-traffic:protocols[*] = '%s']", a->port,
			 a->proto == 6 ? "tcp" : a->proto == 17 ? "udp" : "sctp");
	} else {
		snprintf(pattern, sizeof pattern, "[network-traffic:dst_port >= 0]");
	}
	ts(a->time_us, t0);
	ts(end > a->time_us ? end : a->time_us, t1);
	snprintf(name, sizeof name, "%s|alert|%u|indicator", b->team, a->id);
	uuid5(ind, "indicator", ns_vigil, name);
	common(b, "indicator", ind);
	fprintf(b->fp, ",\"name\":\"%s alert %u\",\"description\":", vg_detector_name(a->detector), a->id);
	vgi_json_str(b->fp, a->summary, strlen(a->summary), 0);
	fputs(",\"indicator_types\":[\"anomalous-activity\"],\"pattern\":", b->fp);
	vgi_json_str(b->fp, pattern, strlen(pattern), 0);
	fprintf(b->fp, ",\"pattern_type\":\"stix\",\"valid_from\":\"%s\",\"confidence\":%d,"
		"\"labels\":[\"vigil\",\"%s\",\"severity-%s\"]}", t0, confidence(a->severity),
		vg_detector_name(a->detector), vg_severity_name(a->severity));
	snprintf(name, sizeof name, "%s|alert|%u|sighting", b->team, a->id);
	uuid5(sig, "sighting", ns_vigil, name);
	common(b, "sighting", sig);
	fprintf(b->fp, ",\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"count\":1,\"sighting_of_ref\":\"%s\","
		"\"where_sighted_refs\":[\"%s\"]}", t0, t1, ind, b->team_id);
}

int vg_stix_write(FILE *fp, const vg_site *site, const vg_scan_event *const *ev, size_t n_ev,
		  vg_alerts *al, int64_t since_us)
{
	struct bundle b;
	char bid[80], name[200];
	size_t i, n_al = al ? vg_alerts_count(al) : 0;
	time_t now = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	memset(&b, 0, sizeof b);
	if (vgi_addrtab_init(&b.seen, SIZE_MAX) != VG_OK)
		return VG_ENOMEM;
	if (sde && *sde)
		now = (time_t)strtoll(sde, NULL, 10);
	b.fp = fp;
	b.first = 1;
	b.team = vg_site_csirt(site);
	ts((int64_t)now * 1000000, b.made);
	snprintf(name, sizeof name, "%s|identity", b.team);
	uuid5(b.team_id, "identity", ns_vigil, name);
	snprintf(name, sizeof name, "%s|bundle|%s|%zu|%zu", b.team, b.made, n_ev, n_al);
	uuid5(bid, "bundle", ns_vigil, name);
	fprintf(fp, "{\"type\":\"bundle\",\"id\":\"%s\",\"objects\":[", bid);
	next(&b);
	fprintf(fp, "{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"" TLP_AMBER "\","
		"\"created\":\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\",\"name\":\"TLP:AMBER\","
		"\"definition\":{\"tlp\":\"amber\"}}");
	next(&b);
	fprintf(fp, "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":\"%s\","
		"\"modified\":\"%s\",\"name\":", b.team_id, b.made, b.made);
	vgi_json_str(fp, b.team, strlen(b.team), 0);
	fputs(",\"identity_class\":\"organization\",\"sectors\":[\"technology\"]}", fp);
	for (i = 0; i < n_ev; i++)
		scan_objects(&b, site, ev[i]);
	for (i = 0; i < n_al; i++) {
		const vg_alert *a = vg_alerts_get(al, i);
		if (VGI_ALERT_SHOWN(al, a, since_us))
			alert_objects(&b, a);
	}
	fputs("\n]}\n", fp);
	vgi_addrtab_free(&b.seen);
	return ferror(fp) ? VG_EIO : VG_OK;
}
