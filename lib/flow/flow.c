/*
 * flow.c - the flow record's helpers: addresses, protocol names, the state
 * summary (derived the way ra derives its "state" column, so that vigil and
 * ra agree on every record), and the merge of two reports of one flow.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "core/core.h"

const char *vg_version(void)
{
	return VG_VERSION;
}

const char *vg_strstatus(int status)
{
	switch (status) {
	case VG_OK: return "ok";
	case VG_DONE: return "end of input";
	case VG_IDLE: return "no records for a while";
	case VG_EINVAL: return "invalid argument";
	case VG_ENOMEM: return "out of memory";
	case VG_EIO: return "input/output error";
	case VG_EFORMAT: return "unknown or wrong format";
	case VG_ERECORD: return "bad record skipped";
	case VG_ETRUNC: return "truncated input";
	case VG_EUNSUP: return "unsupported format variant";
	case VG_ELIMIT: return "a limit was reached";
	}
	return "unknown status";
}

/* ------------------------------------------------------------ addresses */

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void vg_addr_from_ip4(vg_addr *a, uint32_t ip)
{
	memcpy(a->a, v4mapped, 12);
	a->a[12] = (uint8_t)(ip >> 24);
	a->a[13] = (uint8_t)(ip >> 16);
	a->a[14] = (uint8_t)(ip >> 8);
	a->a[15] = (uint8_t)ip;
}

int vg_addr_is_ip4(const vg_addr *a)
{
	return memcmp(a->a, v4mapped, 12) == 0;
}

uint32_t vg_addr_ip4(const vg_addr *a)
{
	return vgi_be32(a->a + 12);
}

static size_t fmt_ip4(char *out, const uint8_t *b)
{
	size_t n = 0;
	int i;
	for (i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			out[n++] = (char)('0' + v / 100);
		if (v >= 10)
			out[n++] = (char)('0' + v / 10 % 10);
		out[n++] = (char)('0' + v % 10);
		if (i < 3)
			out[n++] = '.';
	}
	out[n] = '\0';
	return n;
}

size_t vg_addr_format(const vg_addr *a, int family, char out[46])
{
	if (family == VG_FAM_NONE) {
		out[0] = '0';
		out[1] = '\0';
		return 1;
	}
	if (family != VG_FAM_IP6 && vg_addr_is_ip4(a))
		return fmt_ip4(out, a->a + 12);
	if (!inet_ntop(AF_INET6, a->a, out, 46)) {
		out[0] = '\0';
		return 0;
	}
	return strlen(out);
}

int vg_addr_parse(vg_addr *a, const char *s, size_t len)
{
	char buf[64];
	uint8_t b[16];
	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, b) == 1) {
		vg_addr_from_ip4(a, vgi_be32(b));
		return 4;
	}
	if (inet_pton(AF_INET6, buf, b) == 1) {
		memcpy(a->a, b, 16);
		return 6;
	}
	return 0;
}

/* ------------------------------------------------------------ protocols */

/* IP protocol keywords as ra prints them (IANA keywords, lower case);
 * numbers not listed print as decimal. */
static const char *const proto_names[256] = {
	[0] = "ip", [1] = "icmp", [2] = "igmp", [3] = "ggp", [4] = "ipnip",
	[5] = "st2", [6] = "tcp", [7] = "cbt", [8] = "egp", [9] = "igp",
	[10] = "bbn-rcc", [11] = "nvp", [12] = "pup", [13] = "argus",
	[14] = "emcon", [15] = "xnet", [16] = "chaos", [17] = "udp",
	[18] = "mux", [19] = "dcn", [20] = "hmp", [21] = "prm",
	[22] = "xns-idp", [23] = "trunk-1", [24] = "trunk-2", [25] = "leaf-1",
	[26] = "leaf-2", [27] = "rdp", [28] = "irtp", [29] = "iso-tp4",
	[30] = "netblt", [31] = "mfe-nsp", [32] = "merit-inp", [33] = "sep",
	[34] = "3pc", [35] = "idpr", [36] = "xtp", [37] = "ddp",
	[38] = "idpr-cmtp", [39] = "tp++", [40] = "il", [41] = "ipv6",
	[42] = "sdrp", [43] = "ipv6-route", [44] = "ipv6-frag", [45] = "idrp",
	[46] = "rsvp", [47] = "gre", [48] = "mhrp", [49] = "bna", [50] = "esp",
	[51] = "ah", [52] = "i-nlsp", [53] = "swipe", [54] = "narp",
	[55] = "mobile", [56] = "tlsp", [57] = "skip", [58] = "ipv6-icmp",
	[59] = "ipv6-no", [60] = "ipv6-opts", [61] = "any", [62] = "cftp",
	[63] = "any", [64] = "sat-expak", [65] = "kryptolan", [66] = "rvd",
	[67] = "ippc", [68] = "any", [69] = "sat-mon", [70] = "visa",
	[71] = "ipcv", [72] = "cpnx", [73] = "cphb", [74] = "wsn", [75] = "pvp",
	[76] = "br-sat-mon", [77] = "sun-nd", [78] = "wb-mon", [79] = "wb-expak",
	[80] = "iso-ip", [81] = "vmtp", [82] = "secure-vmtp", [83] = "vines",
	[84] = "ttp", [85] = "nsfnet-igp", [86] = "dgp", [87] = "tcf",
	[88] = "eigrp", [89] = "ospf", [90] = "sprite-rpc", [91] = "larp",
	[92] = "mtp", [93] = "ax.25", [94] = "ipip", [95] = "micp",
	[96] = "aes-sp3-d", [97] = "etherip", [98] = "encap", [99] = "pri-enc",
	[100] = "gmtp", [101] = "ifmp", [102] = "pnni", [103] = "pim",
	[104] = "aris", [105] = "scps", [106] = "qnx", [107] = "a/n",
	[108] = "ipcomp", [109] = "snp", [110] = "compaq-peer",
	[111] = "ipx-n-ip", [112] = "vrrp", [113] = "pgm", [114] = "zero",
	[115] = "l2tp", [116] = "ddx", [117] = "iatp", [118] = "stp",
	[119] = "srp", [120] = "uti", [121] = "smp", [122] = "sm", [123] = "ptp",
	[124] = "isis", [125] = "fire", [126] = "crtp", [127] = "crudp",
	[128] = "sccopmce", [129] = "iplt", [130] = "sps", [131] = "pipe",
	[132] = "sctp", [133] = "fc", [134] = "rsvp",
};

const char *vg_proto_name(unsigned p)
{
	return p < 256 ? proto_names[p] : NULL;
}

int vg_proto_parse(const char *s, size_t len)
{
	unsigned v = 0, i;
	if (len == 0)
		return -1;
	if (len <= 3) {
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				break;
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		if (i == len)
			return v < 256 ? (int)v : -1;
	}
	if (len == 6 && memcmp(s, "icmpv6", 6) == 0)
		return 58;
	if (len == 5 && memcmp(s, "icmp6", 5) == 0)
		return 58;
	for (i = 0; i < 256; i++) {
		/* "any" stands for several numbers; only the first is
		 * returned, which is what a name lookup can do. */
		if (proto_names[i] && strlen(proto_names[i]) == len &&
		    memcmp(proto_names[i], s, len) == 0)
			return (int)i;
	}
	return -1;
}

/* ---------------------------------------------------------------- state */

static const char *const state_names[] = {
#define VG_X_(sym, str) str,
	VG_STATE_LIST(VG_X_)
#undef VG_X_
};

const char *vg_state_name(int state)
{
	if (state < 0 || state >= VG_ST__COUNT)
		return "";
	return state_names[state];
}

int vg_state_parse(const char *s, size_t len)
{
	int i;
	for (i = 0; i < VG_ST__COUNT; i++)
		if (strlen(state_names[i]) == len &&
		    memcmp(state_names[i], s, len) == 0)
			return i;
	return -1;
}

/* ICMP (v4) message type -> state, the three-letter words ra uses. */
static const uint8_t icmp4_state[] = {
	VG_ST_ECR, VG_ST_UNK, VG_ST_UNK, VG_ST_UR,  VG_ST_SRC, VG_ST_RED,
	VG_ST_AHA, VG_ST_UNK, VG_ST_ECO, VG_ST_RTA, VG_ST_RTS, VG_ST_TXD,
	VG_ST_PAR, VG_ST_TST, VG_ST_TSR, VG_ST_IRQ, VG_ST_IRR, VG_ST_MAS,
	VG_ST_MSR, VG_ST_SEC, VG_ST_ROB, VG_ST_ROB, VG_ST_ROB, VG_ST_ROB,
	VG_ST_ROB, VG_ST_ROB, VG_ST_ROB, VG_ST_ROB, VG_ST_ROB, VG_ST_ROB,
	VG_ST_TRC, VG_ST_DCE, VG_ST_MHR, VG_ST_WAY, VG_ST_IAH, VG_ST_MRQ,
	VG_ST_MRP, VG_ST_DNQ, VG_ST_DNP, VG_ST_SKP, VG_ST_PHO,
};

/* Destination-unreachable codes 0..15 -> UR + a suffix. */
static const uint8_t unreach_state[16] = {
	VG_ST_URN,    VG_ST_URH,    VG_ST_URO,    VG_ST_URP,
	VG_ST_URF,    VG_ST_URS,    VG_ST_URNU,   VG_ST_URHU,
	VG_ST_URISO,  VG_ST_URNPRO, VG_ST_URHPRO, VG_ST_URNTOS,
	VG_ST_URHTOS, VG_ST_URFIL,  VG_ST_URPRE,  VG_ST_URCUT,
};

static const uint8_t unreach6_state[8] = {
	VG_ST_URNR, VG_ST_URAD, VG_ST_URBS, VG_ST_URAR,
	VG_ST_URP,  VG_ST_URSF, VG_ST_URRR, VG_ST_URES,
};

static int icmp4_derive(unsigned type, unsigned code)
{
	if (type == 3)
		return code < 16 ? unreach_state[code] : VG_ST_UR;
	if (type < VGI_ARRAY_LEN(icmp4_state))
		return icmp4_state[type];
	return VG_ST_UNK;
}

static int icmp6_derive(unsigned type, unsigned code)
{
	switch (type) {
	case 1: return code < 8 ? unreach6_state[code] : VG_ST_UNK;
	case 2: return VG_ST_PTB;
	case 3: return code == 0 ? VG_ST_TXT : VG_ST_TXR;
	case 4: return code == 0 ? VG_ST_PPH : code == 1 ? VG_ST_PPNH : VG_ST_PPO;
	case 128: return VG_ST_ECO;
	case 129: return VG_ST_ECR;
	case 130: return VG_ST_MRQ;
	case 131: return VG_ST_MHR;
	case 133: return VG_ST_NRS;
	case 134: return VG_ST_NRA;
	case 135: return VG_ST_NNS;
	case 136: return VG_ST_NNA;
	case 137: return VG_ST_RED;
	case 143: return VG_ST_MHR;
	}
	return VG_ST_UNK;
}

static int tcp_derive(const vg_flow *f)
{
	uint32_t st = f->tcp_status;
	if (st == 0)
		return (f->spkts && f->dpkts) ? VG_ST_CON : VG_ST_INT;
	if (st & (VG_TCP_SRC_RESET | VG_TCP_DST_RESET))
		return VG_ST_RST;
	if (st & (VG_TCP_FIN | VG_TCP_FIN_ACK))
		return VG_ST_FIN;
	if (st & VG_TCP_NORMAL_CLOSE)
		return VG_ST_CLO;
	if (f->rflags & VG_RF_TIMEOUT)
		return VG_ST_TIM;
	if (st & VG_TCP_ESTABLISHED)
		return VG_ST_CON;
	if (st & VG_TCP_SAW_SYNACK)
		return VG_ST_ACC;
	if (st & VG_TCP_SAW_SYN)
		return VG_ST_REQ;
	return VG_ST_CON;
}

void vg_flow_derive_state(vg_flow *f)
{
	int st;
	if (f->kind == VG_REC_MAN) {
		f->state = (uint8_t)((f->rflags & VG_RF_STOP) ? VG_ST_STP
				     : (f->rflags & VG_RF_START) ? VG_ST_STA
								 : VG_ST_STS);
		return;
	}
	if (f->family == VG_FAM_IP4 && f->proto == 1)
		st = icmp4_derive(f->sport, f->dport);
	else if (f->family == VG_FAM_IP6 && f->proto == 58)
		st = icmp6_derive(f->sport, f->dport);
	else if ((f->family == VG_FAM_IP4 || f->family == VG_FAM_IP6) &&
		 f->proto == 6)
		st = tcp_derive(f);
	else if (f->family == VG_FAM_ARP || f->family == VG_FAM_RARP)
		/* ra tests the record type's 0x10 bit here, which every flow
		 * record has: a one-sided ARP flow is always INT */
		st = (f->spkts && f->dpkts) ? VG_ST_CON
		     : (f->spkts || !f->dpkts) ? VG_ST_INT : VG_ST_RSP;
	else if (f->spkts && f->dpkts)
		st = VG_ST_CON;
	else if (f->spkts)
		st = (f->rflags & VG_RF_START) ? VG_ST_INT : VG_ST_REQ;
	else
		st = VG_ST_RSP;
	f->state = (uint8_t)st;
}

/* ------------------------------------------------------------- merging */

int vg_flow_same_key(const vg_flow *a, const vg_flow *b)
{
	return a->proto == b->proto && a->family == b->family &&
	       a->sport == b->sport && a->dport == b->dport &&
	       a->icmp_id == b->icmp_id && a->kind == b->kind &&
	       memcmp(&a->saddr, &b->saddr, sizeof a->saddr) == 0 &&
	       memcmp(&a->daddr, &b->daddr, sizeof a->daddr) == 0;
}

/*
 * The merged flow keeps the first report's record flags (as racluster keeps
 * the first record's header: whether a one-sided UDP flow prints INT or REQ
 * depends on it), ORs the TCP state and flags, and sums the counters.
 */
void vg_flow_merge(vg_flow *a, const vg_flow *b)
{
	if (b->stime_us < a->stime_us)
		a->stime_us = b->stime_us;
	if (b->ltime_us > a->ltime_us)
		a->ltime_us = b->ltime_us;
	a->spkts += b->spkts;
	a->dpkts += b->dpkts;
	a->sbytes += b->sbytes;
	a->dbytes += b->dbytes;
	a->tcp_status |= b->tcp_status;
	a->sflags |= b->sflags;
	a->dflags |= b->dflags;
	a->rflags |= (uint8_t)(b->rflags & (VG_RF_ICMPMAP | VG_RF_FRAG));
	a->n_records += b->n_records;
	vg_flow_derive_state(a);
}
