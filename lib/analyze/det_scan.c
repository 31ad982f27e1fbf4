/*
 * det_scan.c - 7. every scan event as an alert (docs/alerts.md, docs/scans.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/det.h"

int vgi_det_scans(vg_alerts *a)
{
	size_t i;
	for (i = 0; i < a->n_scans; i++) {
		const struct vgi_scanrec *r = &a->scans[i];
		vg_alert *al = vgi_new_alert(a);
		char ab[46], det[800];
		if (!al)
			return VG_ENOMEM;
		vg_addr_format(&r->scanner, r->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
		al->detector = VG_DET_SCAN;
		al->severity = a->site->scan_alert_severity;
		al->time_us = r->first_us;
		al->last_us = r->last_us;
		al->end_us = r->last_us;
		al->has_source = 1;
		al->source = r->scanner;
		al->family = r->family;
		al->scan_id = r->id;
		al->value = (double)r->flows;
		if (r->n_ports == 1) {
			/* "tcp:445" -> one port */
			const char *c = strchr(r->ports, ':');
			int pc = strncmp(r->ports, "tcp", 3) == 0 ? 6 : strncmp(r->ports, "udp", 3) == 0 ? 17 : 0;
			if (c && pc && strspn(c + 1, "0123456789") == strlen(c + 1)) {
				al->proto = (uint8_t)pc;
				al->port = atoi(c + 1);
			}
		}
		snprintf(al->summary, sizeof al->summary, "scan #%u from %s%s%s%s: %s %s on %u host%s, "
			 "%llu flows (%llu answered)", r->id, ab, r->known_copy ? " (" : "",
			 r->known_copy ? r->known_copy : "", r->known_copy ? ")" : "", r->type, r->ports,
			 r->targets, r->targets == 1 ? "" : "s", (unsigned long long)r->flows,
			 (unsigned long long)r->answered);
		snprintf(det, sizeof det, "%s %s; %s", r->type, r->ports, r->why);
		al->series = "scan event";
		al->scan_targets = r->targets;
		if (!(al->detail = strdup(det)) || !(al->scan_ports = strdup(r->ports)))
			return VG_ENOMEM;
	}
	return VG_OK;
}

/* ------------------------------------------------------------ finish */
