/*
 * argus_common.c - what the Argus 3 and Argus 2 readers share: ra's
 * direction correction of TCP records, which both must reproduce to agree
 * with ra and racluster.
 */
#include "read/read.h"

void vgi_flow_swap_sides(vg_flow *f, int addresses)
{
	uint64_t t;
	uint8_t fl;
	if (addresses) {
		vg_addr a = f->saddr;
		uint16_t p = f->sport;
		f->saddr = f->daddr;
		f->daddr = a;
		f->sport = f->dport;
		f->dport = p;
	}
	t = f->spkts, f->spkts = f->dpkts, f->dpkts = t;
	t = f->sbytes, f->sbytes = f->dbytes, f->dbytes = t;
	fl = f->sflags, f->sflags = f->dflags, f->dflags = fl;
}

/* TCP ports up to 1024 that have a name in Debian 12's /etc/services
 * (netbase 6.4), the table ra consults. */
static const uint16_t named_tcp_ports[] = {
	1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 43, 49, 53, 70,
	79, 80, 88, 102, 104, 106, 110, 111, 113, 119, 135, 139, 143, 161,
	162, 163, 164, 174, 179, 199, 209, 210, 345, 346, 369, 370, 389, 427,
	443, 444, 445, 464, 465, 487, 512, 513, 514, 515, 538, 540, 543, 544,
	548, 554, 563, 587, 607, 628, 631, 636, 646, 655, 706, 749, 750, 751,
	754, 775, 777, 783, 853, 871, 873, 989, 990, 992, 993, 995,
};

static int named_tcp_port(unsigned port)
{
	size_t lo = 0, hi = VGI_ARRAY_LEN(named_tcp_ports);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (named_tcp_ports[mid] == port)
			return 1;
		if (named_tcp_ports[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * ra's direction correction for IPv4 TCP (on by default in ra and
 * racluster): a record whose source sent the SYN/ACK but not the SYN is
 * turned around when the rest of its state confirms it (for a TCP_INIT
 * object: the source's flags have SYN; for TCP status/perf objects: the
 * connection got established or closed, or the source's flags have SYN
 * with no RST back and either both sides sent more than 5 packets or only
 * the source sent, with a FIN and more than 60 bytes a packet). A turned
 * record carries bit 0x20 in its TCP status - ra's "direction corrected",
 * which is also NORMAL_CLOSE, which is why such records print CLO. A record
 * with no handshake at all is turned around, its status kept, when it goes
 * from a named service port up to 1024 (not 20) to a higher port; ra does
 * this even with -n. tcp_object is the DSR subtype: 0x03 init, 0x04 status,
 * 0x05 perf, 0 none.
 */
void vgi_argus_correct_direction(vg_flow *f, unsigned tcp_object)
{
	uint32_t st = f->tcp_status;
	int rev = 0;
	if (!(st & (VG_TCP_SAW_SYN | VG_TCP_SAW_SYNACK))) {
		if (f->sport <= 1024 && f->dport > 1024 && f->sport != 20 &&
		    named_tcp_port(f->sport))
			vgi_flow_swap_sides(f, 1);
		return;
	}
	if (st & VG_TCP_SAW_SYN)
		return;
	if (tcp_object == 0x03) {
		rev = (f->sflags & VG_TH_SYN) != 0;
	} else if (tcp_object == 0x04 || tcp_object == 0x05) {
		if (st & (VG_TCP_ESTABLISHED | VG_TCP_NORMAL_CLOSE | VG_TCP_FIN |
			  VG_TCP_FIN_ACK))
			rev = 1;
		if ((f->sflags & VG_TH_SYN) && !(f->dflags & VG_TH_RST)) {
			if (f->spkts > 5 && f->dpkts > 5)
				rev = 1;
			else if (f->spkts && !f->dpkts && (f->sflags & VG_TH_FIN) &&
				 f->sbytes / f->spkts > 60)
				rev = 1;
		}
	}
	if (rev) {
		vgi_flow_swap_sides(f, 1);
		f->tcp_status |= VG_TCP_NORMAL_CLOSE;
	}
}
