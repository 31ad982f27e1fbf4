/*
 * iodef.c - alerts and scan events as one IODEF v2 document (RFC 7970),
 * one Incident each, in the element order and with the values that
 * data/iodef/README.md lists (the schema there, vigil's own subset of RFC
 * 7970, validates what this writes; tests/alerts run xmllint on it).
 * Classification: eCSIRT.net mkVI class / type in Method/Reference.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze.h"
#include "analyze/det.h"
#include "report/emit.h"
#include "report/report.h"

static void elem_time(FILE *fp, const char *ind, const char *name, int64_t us)
{
	char t[32];
	vgi_iso_time(us, t);
	fprintf(fp, "%s<%s>%s</%s>\n", ind, name, t, name);
}

static void add_data(FILE *fp, const char *dtype, const char *name, const char *meaning,
		     const char *value)
{
	fprintf(fp, "    <AdditionalData dtype=\"%s\" name=\"%s\" meaning=\"%s\">", dtype, name,
		meaning);
	vgi_xml_text(fp, value);
	fputs("</AdditionalData>\n", fp);
}

static void add_real(FILE *fp, const char *name, const char *meaning, double v)
{
	char b[64];
	if (isnan(v) || isinf(v))
		return;
	snprintf(b, sizeof b, "%.6g", v);
	add_data(fp, "real", name, meaning, b);
}

static void add_int(FILE *fp, const char *name, const char *meaning, unsigned long long v)
{
	char b[32];
	snprintf(b, sizeof b, "%llu", v);
	add_data(fp, "integer", name, meaning, b);
}

/* The monitored networks as a Node of prefixes. */
static void site_node(FILE *fp, const vg_site *s)
{
	size_t i;
	fputs("          <Node>\n", fp);
	for (i = 0; i < s->n_mon; i++) {
		char ab[46];
		int v4 = vg_addr_is_ip4(&s->mon[i].net);
		unsigned bits = v4 ? s->mon[i].bits - 96 : s->mon[i].bits;
		vg_addr_format(&s->mon[i].net, v4 ? VG_FAM_IP4 : VG_FAM_IP6, ab);
		fprintf(fp, "            <Address category=\"%s\">%s/%u</Address>\n",
			v4 ? "ipv4-net" : "ipv6-net", ab, bits);
	}
	fputs("          </Node>\n", fp);
}

/* The alert's address: the source of the traffic, or, for backscatter,
 * the victim that a spoofing attacker attacked (RFC 7970 3.18 "target";
 * our hosts are then the "intermediate" whose addresses were forged). */
static void source_system(FILE *fp, const vg_alert *al)
{
	char ab[46];
	int v6 = al->family == VG_FAM_IP6;
	vg_addr_format(&al->source, v6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
	fprintf(fp, "        <System category=\"%s\">\n          <Node>\n"
		"            <Address category=\"%s\">%s</Address>\n          </Node>\n"
		"        </System>\n", al->detector == VG_DET_BACKSCATTER ? "target" : "source",
		v6 ? "ipv6-addr" : "ipv4-addr", ab);
}

/* "tcp:1-1024,3389 udp:137 icmp:type8,type13": one Service per protocol
 * whose list is whole (a list cut with "..." is left to the Description). */
static void scan_services(FILE *fp, const char *ports)
{
	const char *p = ports;
	while (*p) {
		const char *sp = strchr(p, ' '), *c = strchr(p, ':');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (c && c < p + len) {
			size_t nl = (size_t)(c - p), ll = len - nl - 1;
			const char *l = c + 1;
			int proto = vg_proto_parse(p, nl);
			if ((proto == 6 || proto == 17) && ll && strspn(l, "0123456789,-") >= ll)
				fprintf(fp, "          <Service ip-protocol=\"%d\">\n            "
					"<Portlist>%.*s</Portlist>\n          </Service>\n", proto, (int)ll, l);
			else if (proto == 1 && ll > 4 && !strncmp(l, "type", 4) &&
				 strspn(l + 4, "0123456789") == ll - 4)
				fprintf(fp, "          <Service ip-protocol=\"1\">\n            "
					"<ProtoType>%.*s</ProtoType>\n          </Service>\n",
					(int)(ll - 4), l + 4);
		}
		p += len;
		while (*p == ' ')
			p++;
	}
}

static const char *det_text(int d)
{
	switch (d) {
	case VG_DET_TREND: return "port trend: sources and targets per day against the look-back mean";
	case VG_DET_SEASONAL: return "Holt-Winters aberration on sources per port and hour";
	case VG_DET_CHANGE: return "CUSUM change point on new sources per port and day";
	case VG_DET_WORM: return "stably positive growth of new sources on a port (Kalman filter)";
	case VG_DET_BIG: return "one source with a large share of a day's unsolicited connections";
	case VG_DET_NEWPORT: return "several sources on a port without traffic in the look-back period";
	case VG_DET_BACKSCATTER: return "backscatter: a new victim of attacks spoofed in our name";
	default: return "scan detector: threshold random walk and port/host fan-out";
	}
}

static void incident(FILE *fp, const vg_alert *al, const vg_site *s, const char *name,
		     const char *email, const char *gen)
{
	char id[96], t[32], b[64];
	int worm = al->detector == VG_DET_WORM;
	vgi_iso_time(al->time_us, t);
	/* 2024-03-06T04:12:07Z -> 20240306T041207Z */
	{
		size_t i, k = 0;
		char c[32];
		for (i = 0; t[i] && t[i] != '.'; i++)
			if (t[i] != '-' && t[i] != ':')
				c[k++] = t[i];
		c[k] = '\0';
		if (c[k - 1] != 'Z')
			c[k++] = 'Z', c[k] = '\0';
		snprintf(id, sizeof id, "vigil-%s-%s-%u", vg_detector_name(al->detector), c,
			 al->scan_id ? al->scan_id : al->id);
	}
	fprintf(fp, "  <Incident purpose=\"reporting\" restriction=\"amber\" status=\"new\">\n"
		"    <IncidentID name=\"%s\">%s</IncidentID>\n", name, id);
	if (al->period_s)
		elem_time(fp, "    ", "DetectTime", al->time_us + (int64_t)al->period_s * 1000000);
	else
		elem_time(fp, "    ", "DetectTime", al->last_us);
	elem_time(fp, "    ", "StartTime", al->time_us);
	if (al->end_us)
		elem_time(fp, "    ", "EndTime", al->end_us);
	fprintf(fp, "    <GenerationTime>%s</GenerationTime>\n    <Description>", gen);
	vgi_xml_text(fp, al->summary);
	fprintf(fp, "</Description>\n    <Discovery source=\"network-flow\">\n"
		"      <Description>vigil %s detector (%s)</Description>\n    </Discovery>\n"
		"    <Assessment occurrence=\"%s\">\n      <SystemImpact severity=\"%s\" "
		"type=\"unknown\"/>\n    </Assessment>\n    <Method>\n      <Reference>\n"
		"        <Description>eCSIRT.net mkVI: %s</Description>\n      </Reference>\n"
		"    </Method>\n    <Contact role=\"creator\" type=\"organization\">\n"
		"      <ContactName>", vg_detector_name(al->detector), det_text(al->detector),
		worm ? "potential" : "actual", vg_severity_name(al->severity),
		worm ? "Malicious Code / Worm"
		     : al->detector == VG_DET_BACKSCATTER ? "Availability / Denial of Service (backscatter)"
							  : "Information Gathering / Scanning");
	vgi_xml_text(fp, name);
	fputs("</ContactName>\n", fp);
	if (*email) {
		fputs("      <Email>\n        <EmailTo>", fp);
		vgi_xml_text(fp, email);
		fputs("</EmailTo>\n      </Email>\n", fp);
	}
	fputs("    </Contact>\n    <EventData>\n", fp);
	elem_time(fp, "      ", "StartTime", al->time_us);
	if (al->end_us)
		elem_time(fp, "      ", "EndTime", al->end_us);
	fputs("      <Flow>\n", fp);
	if (al->has_source)
		source_system(fp, al);
	fprintf(fp, "        <System category=\"%s\">\n",
		al->detector == VG_DET_BACKSCATTER ? "intermediate" : "target");
	site_node(fp, s);
	if (al->detector == VG_DET_SCAN && al->scan_ports)
		scan_services(fp, al->scan_ports);
	else if (al->port >= 0)
		fprintf(fp, "          <Service ip-protocol=\"%u\">\n            <Port>%d</Port>\n"
			"          </Service>\n", al->proto, al->port);
	fputs("        </System>\n      </Flow>\n    </EventData>\n", fp);
	add_data(fp, "string", "detector", "vigil detector", vg_detector_name(al->detector));
	add_data(fp, "string", "severity", "vigil severity", vg_severity_name(al->severity));
	if (al->detector == VG_DET_SCAN) {
		add_int(fp, "scan-id", "vigil scan event number in this run", al->scan_id);
		if (al->detail) {
			snprintf(b, sizeof b, "%.*s", (int)strcspn(al->detail, " "), al->detail);
			add_data(fp, "string", "scan-type", "scan shape", b);
			add_data(fp, "string", "scan", "the scan event", al->detail);
		}
		add_int(fp, "targets", "distinct monitored hosts probed", al->scan_targets);
		add_real(fp, "flows", "flows in the scan event", al->value);
	} else {
		add_int(fp, "alert-id", "vigil alert number in this run", al->id);
		if (al->series)
			add_data(fp, "string", "series", "what value, baseline and threshold count",
				 al->series);
		add_int(fp, "period", "seconds per period", (unsigned long long)al->period_s);
		add_real(fp, "value", "observed at the strongest period", al->value);
		add_real(fp, "baseline", "expected at the strongest period", al->baseline);
		add_real(fp, "threshold", "alert threshold", al->threshold);
	}
	fputs("  </Incident>\n", fp);
}

int vg_alerts_write_iodef(vg_alerts *a, FILE *fp, int64_t since_us, const char *csirt_name,
			  const char *contact_email)
{
	const vg_site *s;
	char gen[32];
	size_t i, n;
	int rc;
	const char *e;
	time_t now = time(NULL);

	if (!a || !fp)
		return VG_EINVAL;
	if ((rc = vg_alerts_finish(a)) != VG_OK)
		return rc;
	s = vgi_alerts_site(a);
	if (!csirt_name)
		csirt_name = s->csirt;
	if (!contact_email)
		contact_email = s->csirt_email;
	if ((e = getenv("SOURCE_DATE_EPOCH")) && *e) {
		char *end;
		long long v = strtoll(e, &end, 10);
		if (!*end && v >= 0)
			now = (time_t)v;
	}
	vgi_iso_time((int64_t)now * 1000000, gen);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<IODEF-Document version=\"2.00\" xml:lang=\"en\"\n"
	      "    xmlns=\"urn:ietf:params:xml:ns:iodef-2.0\"\n"
	      "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	      "    xsi:schemaLocation=\"urn:ietf:params:xml:ns:iodef-2.0 "
	      "https://www.iana.org/assignments/xml-registry/schema/iodef-2.0.xsd\">\n", fp);
	n = vg_alerts_count(a);
	for (i = 0; i < n; i++) {
		const vg_alert *al = vg_alerts_get(a, i);
		if (VGI_ALERT_SHOWN(a, al, since_us))
			incident(fp, al, s, csirt_name, contact_email, gen);
	}
	fputs("</IODEF-Document>\n", fp);
	return ferror(fp) ? vgi_alerts_fail(a, VG_EIO, "write error: %s", strerror(errno)) : VG_OK;
}
