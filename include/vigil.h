/*
 * vigil.h - the public interface of libvigil, a flow-data toolkit for CSIRTs.
 *
 * One header, opaque handles, a few plain value structs. The rules below
 * hold for every part of it.
 *
 * Errors. The library never prints and never exits. Every function that can
 * fail returns a status (enum vg_status: 0 ok, > 0 a normal condition, < 0
 * an error) and keeps the reason as text on the handle it was given, as
 * sqlite3_errmsg does: vg_reader_errmsg, vg_study_errmsg, vg_alerts_errmsg,
 * vg_store_errmsg, vg_pipeline_errmsg, vg_writer_errmsg, vg_nf_errmsg. The
 * message names the file and byte offset, the limit, the table or the write
 * that failed; it stays valid until the next call on that handle. Functions
 * that create a handle and cannot return one take an (err, errlen) buffer
 * instead. VG_ELIMIT means a configured or built-in limit was reached (the
 * message names it), VG_ENOMEM only that an allocation failed. A limit that
 * is reached while counting does not fail the call: what was dropped is
 * counted and the report's "limits" say so.
 *
 * Threads. A handle is used by one thread at a time; different handles may
 * be used in different threads at once (the library has no mutable global
 * state). The *_set_async calls and vg_reader_opts.prefetch make a handle
 * run part of its work on threads of its own; the caller still makes every
 * call on the handle from one thread at a time.
 *
 * Ownership. The caller owns what it creates and frees it with the matching
 * *_free / *_close. A vg_site is read-only once a handle has been created
 * with it: it may be shared by handles in several threads and must outlive
 * all of them. Pointers a handle returns (vg_alerts_get, the messages) are
 * valid until the next call on that handle or its free.
 *
 * ABI. libvigil.so's soname carries the version that may change the layout
 * of the public structs: before 1.0 it is libvigil.so.MAJOR.MINOR (0.1 now),
 * from 1.0 on libvigil.so.MAJOR. Within one soname no public struct changes
 * size or layout and no function changes its signature; new functions may
 * be added. Option structs (vg_*_opts, vg_nf_limits) are zero-initialised
 * by the caller ({0}): zero always means the default, so a field added in a
 * later soname keeps old code's meaning when it is rebuilt.
 */
#ifndef VIGIL_H
#define VIGIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VG_VERSION_MAJOR 0
#define VG_VERSION_MINOR 1
#define VG_VERSION_PATCH 0
#define VG_VERSION "0.1.0"

const char *vg_version(void);

/* ---------------------------------------------------------------- status */

/* 0 = ok, > 0 = a normal condition, < 0 = an error. */
enum vg_status {
	VG_OK = 0,
	VG_DONE = 1,       /* end of input */
	VG_IDLE = 2,       /* a stream sent nothing for vg_reader_opts.idle_ms:
			    * no records now, read again */
	VG_EINVAL = -1,    /* bad argument or option */
	VG_ENOMEM = -2,    /* allocation failed */
	VG_EIO = -3,       /* the operating system refused a read or write */
	VG_EFORMAT = -4,   /* the input is not in a format we read: fatal for it */
	VG_ERECORD = -5,   /* one bad record; it was skipped, reading may go on */
	VG_ETRUNC = -6,    /* the input ended inside a record */
	VG_EUNSUP = -7,    /* a real format, but a variant we do not read */
	VG_ELIMIT = -8,    /* a configured or built-in limit was reached (the
			    * handle's message names it) */
};

const char *vg_strstatus(int status);

/* v with its digits grouped by commas ("1,234,567"), into buf; returns buf. */
const char *vg_group_digits(uint64_t v, char *buf, size_t len);
/* Writes text (lines ending in '\n') to fp with no line wider than width
 * columns (0: as it is): a longer line breaks at a space and goes on under
 * its last column (the text after its last run of two spaces), or two
 * columns in for prose. The text outputs use it for their 100 columns. */
int vg_text_fit(FILE *fp, const char *text, size_t len, unsigned width);
#define VG_TEXT_WIDTH 100  /* the text outputs' default width (--wide: 0) */
/* A byte count for people: "512 B", "1.3 KiB", "24.1 MiB", "1.50 GiB". */
const char *vg_human_bytes(double v, char *buf, size_t len);

/* ---------------------------------------------------------- flow record */

/* Addresses: 16 bytes, network order. IPv4 is stored as ::ffff:a.b.c.d so
 * that one key layout serves both families; vg_flow.family tells which. */
typedef struct vg_addr {
	uint8_t a[16];
} vg_addr;

enum vg_family {
	VG_FAM_NONE = 0, /* no address (management records) */
	VG_FAM_IP4 = 4,
	VG_FAM_IP6 = 6,
	VG_FAM_ARP = 1,  /* saddr/daddr = sender/target protocol address (IPv4) */
	VG_FAM_RARP = 2,
};

enum vg_kind {
	VG_REC_FLOW = 0, /* a flow (or one status report of a flow) */
	VG_REC_MAN = 1,  /* a sensor management record (Argus MAR) */
};

/* Record flags (vg_flow.rflags). */
#define VG_RF_START   0x01u /* this report starts the flow (Argus cause START) */
#define VG_RF_TIMEOUT 0x02u /* the sensor closed the flow on a timeout */
#define VG_RF_STOP    0x04u /* management: the sensor stopped */
#define VG_RF_ICMPMAP 0x08u /* an ICMP error was mapped onto this flow */
#define VG_RF_FRAG    0x10u /* IP fragments were seen */
#define VG_RF_ONEWAY  0x20u /* one direction only (NetFlow, nfpcapd): the merger
			     * pairs it with the other direction's flow */

/* TCP state bits (vg_flow.tcp_status). The values are those of the Argus
 * TCP status word, which every reader maps onto. */
#define VG_TCP_SAW_SYN      0x0001u
#define VG_TCP_SAW_SYNACK   0x0002u
#define VG_TCP_ESTABLISHED  0x0004u
#define VG_TCP_FIN          0x0008u
#define VG_TCP_FIN_ACK      0x0010u
#define VG_TCP_NORMAL_CLOSE 0x0020u
#define VG_TCP_SRC_RESET    0x1000u
#define VG_TCP_DST_RESET    0x2000u

/* TCP header flag bits (vg_flow.sflags / dflags). */
#define VG_TH_FIN 0x01u
#define VG_TH_SYN 0x02u
#define VG_TH_RST 0x04u
#define VG_TH_PSH 0x08u
#define VG_TH_ACK 0x10u
#define VG_TH_URG 0x20u
#define VG_TH_ECE 0x40u
#define VG_TH_CWR 0x80u

/*
 * The state summary, as the short words ra prints: TCP REQ/ACC/CON/FIN/RST/
 * CLO/TIM, UDP and others CON/INT/REQ/RSP, ICMP the message type (ECO, URP,
 * ...). vg_state_name() gives the word; vg_state_parse() the reverse.
 */
#define VG_STATE_LIST(X) \
	X(NONE, "")      X(REQ, "REQ")   X(ACC, "ACC")   X(CON, "CON") \
	X(INT, "INT")    X(RSP, "RSP")   X(FIN, "FIN")   X(RST, "RST") \
	X(CLO, "CLO")    X(TIM, "TIM")   X(ERR, "ERR")   X(STA, "STA") \
	X(STP, "STP")    X(STS, "STS")   X(ECR, "ECR")   X(UR, "UR")   \
	X(SRC, "SRC")    X(RED, "RED")   X(AHA, "AHA")   X(ECO, "ECO") \
	X(RTA, "RTA")    X(RTS, "RTS")   X(TXD, "TXD")   X(PAR, "PAR") \
	X(TST, "TST")    X(TSR, "TSR")   X(IRQ, "IRQ")   X(IRR, "IRR") \
	X(MAS, "MAS")    X(MSR, "MSR")   X(SEC, "SEC")   X(ROB, "ROB") \
	X(TRC, "TRC")    X(DCE, "DCE")   X(MHR, "MHR")   X(WAY, "WAY") \
	X(IAH, "IAH")    X(MRQ, "MRQ")   X(MRP, "MRP")   X(DNQ, "DNQ") \
	X(DNP, "DNP")    X(SKP, "SKP")   X(PHO, "PHO")   X(NRS, "NRS") \
	X(NRA, "NRA")    X(NNS, "NNS")   X(NNA, "NNA")   X(PTB, "PTB") \
	X(TXT, "TXT")    X(TXR, "TXR")   X(PPH, "PPH")   X(PPNH, "PPNH") \
	X(PPO, "PPO")    X(URN, "URN")   X(URH, "URH")   X(URO, "URO") \
	X(URP, "URP")    X(URF, "URF")   X(URS, "URS")   X(URNU, "URNU") \
	X(URHU, "URHU")  X(URISO, "URISO") X(URNPRO, "URNPRO") \
	X(URHPRO, "URHPRO") X(URNTOS, "URNTOS") X(URHTOS, "URHTOS") \
	X(URFIL, "URFIL") X(URPRE, "URPRE") X(URCUT, "URCUT") \
	X(UNK, "UNK") \
	/* ICMPv6 unreachable codes 0-3 and 5-7 (4 is URP), as ra names them */ \
	X(URNR, "URNR")  X(URAD, "URAD")  X(URBS, "URBS")  X(URAR, "URAR") \
	X(URSF, "URSF")  X(URRR, "URRR")  X(URES, "URES")

enum vg_state {
#define VG_X_(sym, str) VG_ST_##sym,
	VG_STATE_LIST(VG_X_)
#undef VG_X_
	VG_ST__COUNT
};

const char *vg_state_name(int state);
int vg_state_parse(const char *s, size_t len); /* -1 if unknown */

/*
 * The flow record: one normalised struct for every input format. Source is
 * the side that started the flow. For ICMP the port slots hold the message
 * type (sport) and code (dport), and icmp_id the echo identifier (or, for an
 * error, the quoted destination port) - the three values Argus keys ICMP
 * flows on.
 */
typedef struct vg_flow {
	int64_t stime_us;     /* first packet, µs since 1970-01-01 UTC */
	int64_t ltime_us;     /* last packet, µs since 1970-01-01 UTC */
	vg_addr saddr;        /* source (initiator) address */
	vg_addr daddr;        /* destination address */
	uint64_t spkts;       /* packets source -> destination */
	uint64_t dpkts;       /* packets destination -> source */
	uint64_t sbytes;      /* bytes source -> destination (as the sensor counts) */
	uint64_t dbytes;      /* bytes destination -> source */
	uint32_t tcp_status;  /* VG_TCP_* bits, OR over the flow's reports */
	uint32_t sensor;      /* sensor / monitor id (Argus srcid), 0 if none */
	uint32_t n_records;   /* sensor reports merged into this flow (>= 1) */
	uint16_t sport;       /* TCP/UDP source port; ICMP type */
	uint16_t dport;       /* TCP/UDP destination port; ICMP code */
	uint16_t icmp_id;     /* ICMP echo id or quoted port; 0 otherwise */
	uint8_t proto;        /* IP protocol number (0 for ARP/management) */
	uint8_t family;       /* enum vg_family */
	uint8_t kind;         /* enum vg_kind */
	uint8_t state;        /* enum vg_state, the summary of the flow */
	uint8_t sflags;       /* VG_TH_* seen source -> destination */
	uint8_t dflags;       /* VG_TH_* seen destination -> source */
	uint8_t rflags;       /* VG_RF_* */
	uint8_t pad_[3];
} vg_flow;

/* Recomputes flow->state from the other fields (after a merge, say). */
void vg_flow_derive_state(vg_flow *flow);

/* The name of IP protocol p as ra prints it ("tcp", "ipv6-icmp"), or NULL. */
const char *vg_proto_name(unsigned p);
/* Reverse of vg_proto_name; also accepts decimal numbers. -1 if unknown. */
int vg_proto_parse(const char *s, size_t len);

/* Address helpers. vg_addr_format returns the length written (< 46). */
void vg_addr_from_ip4(vg_addr *a, uint32_t host_order);
int vg_addr_is_ip4(const vg_addr *a);
uint32_t vg_addr_ip4(const vg_addr *a); /* host order */
size_t vg_addr_format(const vg_addr *a, int family, char out[46]);
/* Parses an IPv4 or IPv6 address; returns 4 or 6, or 0 if not an address. */
int vg_addr_parse(vg_addr *a, const char *s, size_t len);

/* ---------------------------------------------------------------- fields */

/*
 * Every column of a flow, defined once: symbol, name, value kind, the
 * vg_flow member it lives in (derived columns name the first member they are
 * computed from), and what it means. Names, printers and parsers for every
 * output style are generated from this list (lib/flow/fields.c).
 */
#define VG_FIELD_LIST(X)                                                        \
	X(STIME,  "stime",  TIME,   stime_us,  "start time (first packet)")   \
	X(LTIME,  "ltime",  TIME,   ltime_us,  "last time (last packet)")     \
	X(DUR,    "dur",    DUR,    stime_us,  "duration, seconds")           \
	X(PROTO,  "proto",  PROTO,  proto,     "protocol")                    \
	X(SADDR,  "saddr",  ADDR,   saddr,     "source address")              \
	X(SPORT,  "sport",  PORT,   sport,     "source port (ICMP: type)")    \
	X(DADDR,  "daddr",  ADDR,   daddr,     "destination address")         \
	X(DPORT,  "dport",  PORT,   dport,     "destination port (ICMP: code)") \
	X(SPKTS,  "spkts",  U64,    spkts,     "packets from source")         \
	X(DPKTS,  "dpkts",  U64,    dpkts,     "packets from destination")    \
	X(SBYTES, "sbytes", U64,    sbytes,    "bytes from source")           \
	X(DBYTES, "dbytes", U64,    dbytes,    "bytes from destination")      \
	X(PKTS,   "pkts",   SUM,    spkts,     "packets, both directions")    \
	X(BYTES,  "bytes",  SUM,    sbytes,    "bytes, both directions")      \
	X(STATE,  "state",  STATE,  state,     "state summary")               \
	X(SFLAGS, "sflags", FLAGS,  sflags,    "TCP flags from source")       \
	X(DFLAGS, "dflags", FLAGS,  dflags,    "TCP flags from destination")  \
	X(ICMPID, "icmpid", U16,    icmp_id,   "ICMP echo id / quoted port")  \
	X(SENSOR, "sensor", U32,    sensor,    "sensor id")                   \
	X(TRANS,  "trans",  U32,    n_records, "sensor records in this flow") \
	X(ONEWAY, "oneway", ONEWAY, rflags,    "1: one direction of a connection (NetFlow, nfdump)")

enum vg_field {
#define VG_X_(sym, name, kind, member, doc) VG_F_##sym,
	VG_FIELD_LIST(VG_X_)
#undef VG_X_
	VG_F__COUNT
};

const char *vg_field_name(int field);
const char *vg_field_doc(int field);
int vg_field_lookup(const char *name, size_t len); /* -1 if unknown */

/* Output styles for a field's value. */
enum vg_style {
	VG_STYLE_RA = 0, /* exactly as `ra -n -u -p 6 -c ,` prints it */
	VG_STYLE_TEXT,   /* for people: ISO times, numbers */
	VG_STYLE_JSON,   /* a typed JSON value */
};

/* Formats one field of flow into out (NUL-terminated); returns its length.
 * out must hold at least VG_FIELD_MAX bytes. */
#define VG_FIELD_MAX 64
size_t vg_field_format(int field, const vg_flow *flow, int style, char *out);

/* How CSV and text write a time (--time-format; docs/output.md): epoch
 * seconds as ra -u prints them (1709522194.003726), ISO 8601 in UTC
 * (2024-03-04T03:16:34.003726Z, as JSON always has it), or for people
 * (2024-03-04 03:16:34.003726, UTC). */
enum vg_time_fmt { VG_TIME_DEFAULT = 0, VG_TIME_EPOCH, VG_TIME_ISO, VG_TIME_TEXT };
/* "epoch", "iso" or "text" -> VG_TIME_*; -1 for anything else */
int vg_time_fmt_parse(const char *name);
/* us in that format into out (at least VG_FIELD_MAX bytes); its length */
size_t vg_time_format(int64_t us, int fmt, char *out);

/* Parses one field's value as VG_STYLE_RA prints it into flow. Fields that
 * are derived (dur, pkts, bytes) only check the syntax. Ports of ICMP flows
 * need flow->proto set first. Returns VG_OK or VG_EINVAL. */
int vg_field_parse(int field, const char *s, size_t len, vg_flow *flow);

/* ---------------------------------------------------------------- writer */

/* Writes flows as CSV (ra's formatting), NDJSON or an aligned text table
 * to a file descriptor, through its own buffer. */
typedef struct vg_writer vg_writer;

enum vg_outfmt { VG_OUT_CSV = 0, VG_OUT_JSON, VG_OUT_TEXT };

/* fields: the columns in order (VG_F_*); NULL = the default set
 * stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state */
int vg_writer_open(vg_writer **w, int fd, int outfmt, const int *fields,
		   size_t n_fields);
int vg_writer_header(vg_writer *w); /* CSV and text; nothing for JSON */
int vg_writer_put(vg_writer *w, const vg_flow *f);
int vg_writer_flush(vg_writer *w);  /* VG_EIO when the write failed */
const char *vg_writer_errmsg(const vg_writer *w);
void vg_writer_free(vg_writer *w);  /* does not flush */
/* CSV and text write stime and ltime in this enum vg_time_fmt (default:
 * epoch for CSV, as ra; text for the text table). JSON keeps ISO 8601. */
void vg_writer_set_time_format(vg_writer *w, int fmt);

extern const int vg_default_fields[12];

/* ---------------------------------------------------------------- reader */

typedef struct vg_reader vg_reader;

typedef struct vg_reader_opts {
	const char *format; /* NULL or "auto": sniff; else a format name */
	int strict;         /* 1: skippable records are errors too */
	int keep_man;       /* 1: return management records (kind VG_REC_MAN) */
	int prefetch;       /* 1: read and parse in a background thread, so
			     * that the caller's work overlaps the parsing */
	/* Packet captures (pcap, pcapng, live): the flow meter. */
	const char *bpf;    /* NULL or a BPF filter for the packets */
	int meter_active_s; /* report a flow at least this often; 0 = 60 */
	int meter_idle_s;   /* end a flow after this long idle; 0 = 60 */
	int meter_v6_label; /* 1: key IPv6 flows on the flow label (argus) */
	/* Argus servers (argus://HOST:PORT[,HOST:PORT...], vg_reader_open). */
	int reconnect;      /* 1: a server that closes or fails is connected
			     * again, after 1, 2, 4 ... 60 s; 0: it ends */
	int idle_ms;        /* > 0: a read returns VG_IDLE after this long
			     * without records (a clock for the caller) */
} vg_reader_opts;

/* Why a record was skipped; counted in vg_reader_stats.skipped[]. */
#define VG_SKIP_LIST(X)                                                      \
	X(MALFORMED, "malformed record")                                     \
	X(TRUNCATED, "truncated record")                                     \
	X(GARBAGE, "bytes skipped to resynchronise")                         \
	X(RECTYPE, "record type not a flow")                                 \
	X(VERSION, "unsupported record version")                             \
	X(NOFLOW, "no flow key")                                             \
	X(FLOWTYPE, "unsupported flow key type")                             \
	X(MAN, "management record")

enum vg_skip {
#define VG_X_(sym, doc) VG_SKIP_##sym,
	VG_SKIP_LIST(VG_X_)
#undef VG_X_
	VG_SKIP__COUNT
};
const char *vg_skip_name(int reason);

typedef struct vg_reader_stats {
	uint64_t n_records;    /* records parsed, of any kind, good or bad */
	uint64_t n_flows;      /* flow records returned */
	uint64_t n_man;        /* management records seen */
	uint64_t n_errors;     /* errors reported (bad records, truncation) */
	uint64_t skipped[VG_SKIP__COUNT];
	uint64_t bytes_in;     /* bytes read from the file (compressed size) */
	uint64_t bytes_decoded;/* bytes of records after decompression */
	int64_t first_us;      /* earliest stime of a flow record, INT64_MAX if none */
	int64_t last_us;       /* latest ltime, INT64_MIN if none */
	uint64_t n_lost;       /* netflow://: datagrams lost before they were decoded
				* (the socket's buffer or the receive queue was full) */
} vg_reader_stats;

/* Opens path ("-" = standard input). On failure *r may still be set so that
 * vg_reader_errmsg(*r) tells why; close it in any case.
 *
 * A path argus://HOST:PORT[,HOST:PORT...] reads Argus servers (argus -P,
 * radium) over TCP as ra -S does, all at once: each connection sends
 * "START: " and reads the server's management record, then its records
 * as they come. Each flow keeps its sensor id. A connection that ends,
 * sends what is not Argus or does not answer in 10 s is reported by a read
 * returning VG_ERECORD and dropped; with opts.reconnect it is made again
 * (records the same server instance sends again are dropped by their
 * sequence numbers), else the reader ends when every server has closed.
 * vg_reader_interrupt ends it. HOST is a name, an IPv4 address or [IPv6].
 *
 * A path netflow://ADDR:PORT[,ADDR:PORT...] listens there (vg_udp_listen)
 * and returns the flows of the NetFlow v5/v9/IPFIX datagrams it receives
 * (vg_reader_open_push's decoder), until vg_reader_interrupt; a malformed
 * datagram is a VG_ERECORD, and reading goes on. */
int vg_reader_open(vg_reader **r, const char *path, const vg_reader_opts *opts);
/* Reads from a memory buffer, which must outlive the reader; name is used in
 * messages. */
int vg_reader_open_mem(vg_reader **r, const void *buf, size_t len,
		       const char *name, const vg_reader_opts *opts);
/* Reads from an open file descriptor (not closed by the reader). */
int vg_reader_open_fd(vg_reader **r, int fd, const char *name,
		      const vg_reader_opts *opts);

/*
 * Reads up to cap flow records into out; *n is how many. Returns VG_OK
 * (n > 0), VG_DONE (n == 0, input ended), VG_IDLE (n == 0, a stream with
 * opts.idle_ms had nothing), or an error with n == 0 and the message on
 * the handle. After VG_ERECORD reading may continue with the next call;
 * after other errors the next call returns VG_DONE.
 */
int vg_reader_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n);

/* Captures packets on a network interface (libpcap) and meters them into
 * flows until vg_reader_interrupt. Needs the capture privilege. */
int vg_reader_open_live(vg_reader **r, const char *iface,
			const vg_reader_opts *opts);
/* Checks a BPF packet filter (vg_reader_opts.bpf) without opening
 * anything: VG_OK, or VG_EINVAL with libpcap's reason in err. */
int vg_bpf_check(const char *expr, char *err, size_t errlen);
/* Ends a live capture: the flows in progress are returned, then VG_DONE;
 * ends a stream's reading (VG_DONE). Safe to call from a signal handler.
 * No effect on files. */
void vg_reader_interrupt(vg_reader *r);

const char *vg_reader_errmsg(const vg_reader *r);
const char *vg_reader_format(const vg_reader *r); /* detected format name */
const char *vg_reader_compression(const vg_reader *r); /* "none", "gzip", ... */
void vg_reader_get_stats(const vg_reader *r, vg_reader_stats *st);
/* a += b: the counts summed, the time span widened (several inputs). */
void vg_reader_stats_add(vg_reader_stats *a, const vg_reader_stats *b);
void vg_reader_close(vg_reader *r);

/* ------------------------------------------------------ NetFlow / IPFIX */

/*
 * The NetFlow v5 / v9 / IPFIX decoder behind `vigil collect`: fed one UDP
 * datagram at a time with the exporter's address, it keeps the templates,
 * system-init times and sequence numbers of every exporter and hands back
 * flows as vg_flow (one-way; vg_merger pairs them). It does no I/O: the
 * caller owns the socket (or a file of datagrams) and the clock.
 */

/* Where a datagram came from. IPv4 is family 4 with the address as
 * vg_addr_from_ip4 stores it (IPv4-mapped IPv6 senders are folded to it). */
typedef struct vg_nf_peer {
	vg_addr addr;
	uint16_t port;
	uint8_t family;     /* VG_FAM_IP4 or VG_FAM_IP6 */
} vg_nf_peer;

/* Limits against hostile or broken exporters; 0 = the default. */
typedef struct vg_nf_limits {
	size_t max_streams;        /* (exporter, version, domain) tracked; 1024 */
	size_t max_templates;      /* per stream; 256 */
	size_t max_fields;         /* per template; 128 */
	int64_t template_ttl_us;   /* a template not refreshed for this long is
				    * forgotten (UDP: RFC 7011 10.3.7); 30 min */
} vg_nf_limits;

/*
 * One stream: an exporter address with one NetFlow version and one
 * observation domain (v9 source id, IPFIX observation domain id, v5
 * engine_type << 8 | engine_id). Templates, the system-init time and the
 * sequence number belong to it.
 */
typedef struct vg_nf_stats {
	vg_nf_peer peer;        /* the last sender address:port seen */
	unsigned version;        /* 5, 9, 10; 0 when no header could be read */
	uint32_t domain;
	uint64_t packets;        /* datagrams */
	uint64_t flows;          /* flow records handed out */
	uint64_t lost;           /* by the sequence numbers: flows (v5), export
				  * packets (v9), data records (IPFIX) */
	uint64_t late;           /* datagrams that came late (filled a gap) */
	uint64_t duplicates;     /* datagrams with a sequence number seen just before */
	uint64_t resyncs;        /* sequence jumps too large to be loss (restart) */
	uint64_t malformed;      /* datagrams with a decoding error */
	uint64_t unknown_sets;   /* data sets for a template we do not have */
	uint64_t template_recs;  /* template records received, refreshes included */
	uint64_t templates_refused; /* over the caps */
	uint64_t options_recs;   /* options data records read */
	uint64_t noflow_recs;    /* data records without addresses */
	uint64_t est_times;      /* IPFIX sets timed without systemInitTime (160) */
	size_t n_templates;      /* active now */
	int64_t first_us, last_us; /* first and last datagram, the caller's clock */
} vg_nf_stats;

typedef struct vg_nf vg_nf;

/* Returns a nonzero value to stop decoding; vg_nf_feed then returns it. */
typedef int (*vg_nf_flow_fn)(void *user, const vg_flow *f);

int vg_nf_create(struct vg_nf **dec, const vg_nf_limits *lim);
void vg_nf_free(struct vg_nf *dec);

/*
 * Decodes one datagram from exporter, received at now_us (µs since 1970, the
 * collector's clock: used for template expiry and first/last seen). Flows
 * go to cb as they are decoded. Returns VG_OK; VG_ERECORD when the datagram
 * was malformed (flows before the bad spot were handed out; the message,
 * naming exporter and byte offset, is in vg_nf_errmsg and the offset in
 * vg_nf_erroff); VG_ELIMIT when the stream table is full and nothing could
 * be evicted (the datagram is counted in vg_nf_dropped); or cb's value.
 */
int vg_nf_feed(struct vg_nf *dec, const vg_nf_peer *exporter, const uint8_t *buf,
		size_t len, int64_t now_us, vg_nf_flow_fn cb, void *user);

const char *vg_nf_errmsg(const struct vg_nf *dec);
size_t vg_nf_erroff(const struct vg_nf *dec);

/* Streams in order of first appearance. */
size_t vg_nf_stream_count(const struct vg_nf *dec);
void vg_nf_stream_stats(const struct vg_nf *dec, size_t i, vg_nf_stats *st);
/* Datagrams dropped because the stream table was full. */
uint64_t vg_nf_dropped(const struct vg_nf *dec);

/* "192.0.2.1:2055", "[2001:db8::1]:2055"; returns the length (< 64). */
size_t vg_nf_peer_format(const vg_nf_peer *p, char out[64]);
/* The sender of a datagram (a struct sockaddr_in or sockaddr_in6, as
 * recvfrom gives it) as a peer. */
void vg_nf_peer_from(const void *sockaddr, vg_nf_peer *p);
/* A non-blocking UDP socket bound to spec, "ADDR:PORT" (IPv4, or [IPv6]
 * IPv6-only; port 0: the kernel picks one), with a large receive buffer;
 * name gets the address bound. VG_OK, VG_EINVAL (not ADDR:PORT) or VG_EIO,
 * with the reason in err. A reader of such sockets: vg_reader_open of
 * netflow://ADDR:PORT[,ADDR:PORT...]. */
int vg_udp_listen(const char *spec, int *fd, char name[64], char *err, size_t errlen);

/*
 * The decoder as a pushed input of the reader: the format table's
 * "netflow" row. The caller owns the socket; each datagram it receives goes
 * in with vg_reader_push, and vg_reader_read then returns the flows decoded
 * from it (VG_DONE once they are all handed out; push more and read again).
 * vg_reader_push returns VG_OK, or VG_ERECORD / VG_ELIMIT for a datagram
 * that was malformed or dropped (vg_reader_errmsg names the exporter and
 * the offset; the flows before the bad spot are kept). The reader's
 * statistics count the flows; vg_reader_netflow gives the decoder, for its
 * per-exporter statistics (NULL for other readers but netflow://).
 */
int vg_reader_open_push(vg_reader **r, const char *format, const char *name,
			const vg_reader_opts *opts);
int vg_reader_push(vg_reader *r, const void *buf, size_t len, const vg_nf_peer *from,
		   int64_t now_us);
const vg_nf *vg_reader_netflow(const vg_reader *r);

/* ---------------------------------------------------------------- filter */

/* A tcpdump-style flow filter ("tcp and dst port 445", "not src net
 * 10.0.0.0/8", ...). See docs/filter.md for the grammar. */
typedef struct vg_filter vg_filter;

/* Compiles expr. On a syntax error returns VG_EINVAL and, if errbuf is not
 * NULL, a message naming the position. */
int vg_filter_compile(vg_filter **f, const char *expr, char *errbuf,
		      size_t errlen);
int vg_filter_match(const vg_filter *f, const vg_flow *flow); /* 1 or 0 */
void vg_filter_free(vg_filter *f);

/* ---------------------------------------------------------------- merging */

/*
 * Merges the reports of one flow: records with the same (proto, saddr,
 * sport, daddr, dport [, ICMP id]) are one connection while the gap between
 * one's end and the next one's start is below the idle timeout - what
 * racluster does with model "saddr daddr proto sport dport" idle=N.
 * Finished flows are handed to the callback; memory is bounded by the flows
 * active within the idle timeout (and by max_flows).
 */
typedef struct vg_merger vg_merger;
typedef int (*vg_merge_emit_fn)(void *user, const vg_flow *flow);

typedef struct vg_merge_opts {
	int64_t idle_us;     /* idle timeout, default 120 s */
	int64_t reorder_us;  /* how far records may come out of time order
			      * before a flow is finished, default 300 s */
	size_t max_flows;    /* cap on open flows, default 16 M; the oldest is
			      * finished early when it is hit (counted) */
	int time_order;      /* 1: emit flows in start-time order (ties by key;
			      * flows over 10 min long may come late), so that
			      * what follows does not depend on the order the
			      * sensor wrote its records in */
} vg_merge_opts;

typedef struct vg_merge_stats {
	uint64_t n_in;        /* flow records given */
	uint64_t n_out;       /* merged flows emitted */
	uint64_t n_open;      /* flows still open */
	uint64_t n_peak;      /* most flows open at once */
	uint64_t n_forced;    /* flows finished early because of max_flows */
} vg_merge_stats;

int vg_merger_create(vg_merger **m, const vg_merge_opts *opts,
		     vg_merge_emit_fn emit, void *user);
/* Adds records; may emit finished flows. Returns the first nonzero value an
 * emit callback returned, else VG_OK. */
int vg_merger_add(vg_merger *m, const vg_flow *flows, size_t n);
/* Emits every open flow. */
int vg_merger_flush(vg_merger *m);
void vg_merger_get_stats(const vg_merger *m, vg_merge_stats *st);
void vg_merger_free(vg_merger *m);

/* The merge key equality vg_merger uses. */
int vg_flow_same_key(const vg_flow *a, const vg_flow *b);
/* Merges b into a (times, counters, flags, state). */
void vg_flow_merge(vg_flow *a, const vg_flow *b);

/* ---------------------------------------------------------------- site */

/*
 * The site: what a team protects and how it wants the study made. Keys
 * (the same on the command line as --KEY VALUE and in a site file as
 * KEY = VALUE; see docs/site.md):
 *   monitored    addresses/prefixes/ranges the team protects (adds)
 *   service      ADDRS:PORTS[/PROTO] legitimate services (adds)
 *   hot-ports    PORT/PROTO,... (default 135/tcp,137/udp,445/tcp)
 *   buckets      activity buckets in days (default 1,10,100)
 *   tz           day boundaries: UTC (default), +HH:MM / -HH:MM, or a zone
 *                name (Europe/Berlin) from /usr/share/zoneinfo
 *   top          size of top lists (default 20)
 *   idle         merge idle timeout, seconds (default 120)
 *   services-file  an /etc/services-style file with the site's port names
 *   known-scanners a file of research-scanner networks (CIDR, name, source)
 *   scan-window  seconds of the window detectors (default 300)
 *   scan-vertical  ports on one host in a window (default 15)
 *   scan-horizontal hosts on one port in a window (default: a quarter of
 *                the monitored addresses, at least 3, at most 25)
 *   scan-gap     seconds of quiet that end a scan episode (default 3600)
 *   scan-sources most sources followed at once (default 1000000)
 *   store        the site's store (vigil ingest; docs/store.md)
 *   max-age      newest data older than this is a dead feed (default 2d)
 */
typedef struct vg_site vg_site;

enum vg_class {
	VG_CLASS_UNSOLICITED = 0, /* outside -> monitored, not a service */
	VG_CLASS_SERVICE,         /* outside -> a declared service */
	VG_CLASS_OUTBOUND,        /* monitored -> outside */
	VG_CLASS_INTERNAL,        /* monitored -> monitored */
	VG_CLASS_OTHER,           /* neither side monitored, or not IP */
	VG_CLASS_BACKSCATTER,     /* outside -> monitored, an answer to packets
				   * sent in our name (a SYN-ACK or reset with
				   * no SYN, an ICMP error or echo reply) */
	VG_CLASS__COUNT
};
const char *vg_class_name(int cls);

int vg_site_create(vg_site **s);
void vg_site_free(vg_site *s);
/* Sets one key. On error returns VG_EINVAL with a message naming the key. */
int vg_site_set(vg_site *s, const char *key, const char *value, char *err,
		size_t errlen);
/* Reads a site file: KEY = VALUE lines, # comments. Errors name the file,
 * the line and the key. */
int vg_site_load(vg_site *s, const char *path, char *err, size_t errlen);
/* The same from memory; name is used in messages. */
int vg_site_parse(vg_site *s, const char *text, size_t len, const char *name,
		  char *err, size_t errlen);
/* Whether key is a site key (those vg_site_set takes). */
int vg_site_is_key(const char *key);
/* Checks that the site is complete (at least one monitored network). */
int vg_site_check(const vg_site *s, char *err, size_t errlen);
int vg_site_classify(const vg_site *s, const vg_flow *f);
double vg_site_idle(const vg_site *s);
/* The max-age key in seconds (default 2 days); *given: it was set. */
double vg_site_max_age(const vg_site *s, int *given);
/* The store key (the path of the site's store), or NULL. */
const char *vg_site_store(const vg_site *s);
/* The csirt key (the team's domain name; "csirt.invalid" if not set) and
 * the zone's name (tz). */
const char *vg_site_csirt(const vg_site *s);
const char *vg_site_tz(const vg_site *s);

/* ------------------------------------------------------------ anonymise */

/*
 * Pseudonymised or truncated addresses (docs/anonymize.md), for data that
 * leaves the team. Crypto-PAn with a 32-byte key file is prefix-preserving:
 * addresses that share a prefix of k bits map to pseudonyms that share one
 * of k bits, the same key gives the same pseudonyms in every run and to
 * every team that holds it, and without the key they cannot be undone.
 * Truncation (spec "/N" or "/N,/M") keeps the first N bits of an IPv4 and
 * M (default 48) of an IPv6 address and sets the rest to 0.
 *
 * The monitored networks' addresses are replaced too (VG_ANON_REPLACE),
 * kept as they are (VG_ANON_KEEP), or keep their network's prefix with the
 * host bits pseudonymised (VG_ANON_PREFIX: the site file stays valid). A handle is not thread-safe (it keeps the
 * pseudonyms it made); the site it is applied to must not outlive it.
 */
typedef struct vg_anon vg_anon;

enum vg_anon_monitored {
	VG_ANON_REPLACE = 0, /* pseudonymised (or truncated) like every address */
	VG_ANON_KEEP = 1,    /* as they are */
	VG_ANON_PREFIX = 2   /* the network's prefix kept, the host bits pseudonymised */
};

/* spec: a key file (32 bytes, or 64 hex digits; refused if others may
 * read it) or "/N[,/M]". */
int vg_anon_open(vg_anon **a, const char *spec, int monitored, char *err, size_t errlen);
void vg_anon_free(vg_anon *a);
/* One address in place (family VG_FAM_IP4 or VG_FAM_IP6). */
void vg_anon_addr(vg_anon *a, vg_addr *addr, int family);
/* The site, for the anonymised flows: its monitored networks, its services
 * and the known scanners' networks as pseudonyms (exactly: a prefix maps to
 * a prefix of the same length) or truncated; the monitored networks as
 * they are with VG_ANON_KEEP. Also the text the report shows of them. */
int vg_site_anonymize(vg_site *s, vg_anon *a, char *err, size_t errlen);
/* Flow records in place: every address, those of the monitored networks
 * (of the site given to vg_site_anonymize) as the handle's rule says. */
void vg_anon_flows(vg_anon *a, vg_flow *f, size_t n);
/* The site's monitored and service keys as site-file lines (after
 * vg_site_anonymize: in pseudonyms, one prefix per item). */
int vg_site_write_nets(const vg_site *s, FILE *fp);
/* What the handle does, for a share's description: "cryptopan" with a key
 * id (16 hex digits of SHA-256 over a label and the key: the same for the
 * same key, telling nothing of it), or "truncate" with the bits kept. */
void vg_anon_describe(const vg_anon *a, const char **method, char key_id[17], unsigned *bits4,
		      unsigned *bits6);
/* ---------------------------------------------------------------- shares */

/*
 * One picture from several teams' shares (vigil export, docs/share.md):
 * connections per day and port summed with a column per team, the ports
 * alerted at several teams at once (a level higher), and, when the shares
 * were made with one key, the sources seen by several teams. At most 32.
 */
typedef struct vg_shared vg_shared;
int vg_shared_create(vg_shared **s);
void vg_shared_free(vg_shared *s);
/* Reads a share; VG_EFORMAT for a file that is not one of this schema
 * (the message names the file, and the byte of a JSON error), VG_EINVAL for
 * a team whose period overlaps one of its shares read before. */
int vg_shared_add_file(vg_shared *s, const char *path);
/* format VG_OUT_TEXT (top: rows of the port table) or VG_OUT_JSON. */
int vg_shared_write(vg_shared *s, FILE *fp, int format, size_t top);
/* One self-contained HTML page of the teams side by side (charts of the
 * days and ports per team, the surges, the common sources). */
int vg_shared_write_html(vg_shared *s, FILE *fp);
/* Only the ports surging at several teams at once, as alerts (text, or
 * NDJSON with VG_OUT_JSON); *worst: the highest severity (0: none). */
int vg_shared_write_alerts(vg_shared *s, FILE *fp, int format, int *worst);
const char *vg_shared_errmsg(const vg_shared *s);

/* A JSON string (quoted, escaped) of s. */
void vg_json_string(FILE *fp, const char *s);
/* A comma-joined list ("tcp,icmp") as a JSON array of strings (["tcp","icmp"]). */
void vg_json_list(FILE *fp, const char *s);
/* Writes a new key file (32 bytes from the OS's random source, mode 0600);
 * refuses to overwrite one. */
int vg_anon_key_new(const char *path, char *err, size_t errlen);

/* ---------------------------------------------------------------- study */

/*
 * The seed study (eCSIRT.net 2004, slides 5-18) over merged flows: classes,
 * overview, per day, per host, connection matrix, hot ports, ports and
 * their classes, connections per source, activity duration, ICMP, top
 * sources. Feed it connections (merged flows), then finish and write.
 */
typedef struct vg_study vg_study;

int vg_study_create(vg_study **st, const vg_site *site, char *err,
		    size_t errlen);
void vg_study_free(vg_study *st);
/* Tells the study how many records were read (for the report). */
void vg_study_set_records(vg_study *st, uint64_t records_read);
int vg_study_add(vg_study *st, const vg_flow *flows, size_t n);
/* The same, with each connection's scan event id (0: not a scan), as
 * vg_scans hands them on; the report then also has the "_no_scans" figures
 * and the scan events given with vg_study_add_scan. */
int vg_study_add_tagged(vg_study *st, const vg_flow *flows, const uint32_t *scan_ids,
			size_t n);
struct vg_scan_event;
int vg_study_add_scan(vg_study *st, const struct vg_scan_event *e);
int vg_study_finish(vg_study *st);
/* Why the last call that failed failed ("" when none has): names the limit,
 * the table or the write that failed. Valid until the next call. */
const char *vg_study_errmsg(const vg_study *st);
/* After vg_study_finish: the k-th monitored entry of the site (as the site
 * gives it, e.g. "198.51.100.0/24") that no unsolicited connection reached,
 * NULL past the last one (or when the host table hit its limit). */
const char *vg_study_unreached(const vg_study *st, size_t k);
/* The text output's width in columns (default VG_TEXT_WIDTH; 0: every line
 * as wide as it is, address columns with room for IPv6). */
void vg_study_set_text_width(vg_study *st, unsigned columns);
/* The CSV tables' times (vg_study_write_csv): enum vg_time_fmt, default ISO. */
void vg_study_set_time_format(vg_study *st, int fmt);
/* The report then shows these alerts (finished; kept by the caller). */
struct vg_alerts;
void vg_study_set_alerts(vg_study *st, const struct vg_alerts *a);
/* 1: the adds run in a thread of their own, beside the caller (which goes
 * on reading, merging and detecting scans); vg_study_finish waits for it.
 * vg_study_add_scan stays in the caller's thread. */
int vg_study_set_async(vg_study *st, int on);
/* What the figures "without scans" leave out (docs/report.md): the
 * connections of port scans (VG_WITHOUT_PORTSCANS, the default: the
 * seed's "without port scans"), of sweeps, or of both (VG_WITHOUT_ALL).
 * Set before the first connection. */
#define VG_WITHOUT_PORTSCANS 1
#define VG_WITHOUT_SWEEPS    2
#define VG_WITHOUT_ALL       3
int vg_study_set_without(vg_study *st, int what);
const char *vg_without_name(int what);   /* "port-scans", "sweeps", "all" */
int vg_without_parse(const char *s);     /* VG_WITHOUT_*, or -1 */
/* The JSON report then says how old the newest data is against now
 * ("freshness", the last member), and whether that is more than max_age_s. */
void vg_study_set_freshness(vg_study *st, int64_t newest_us, int64_t now_us, double max_age_s);
/* The figures were read from a store with a shard down (vg_store_partial):
 * the JSON says "partial":true. */
void vg_study_set_partial(vg_study *st, int partial);
/* Writes the report: VG_OUT_TEXT (the terminal summary) or VG_OUT_JSON. */
int vg_study_write(vg_study *st, FILE *fp, int outfmt);
/* Writes one CSV per table into dir (created if missing). */
int vg_study_write_csv(vg_study *st, const char *dir, char *err, size_t errlen);
/* Writes the report as one self-contained HTML page (docs/report.md): the
 * JSON report, the connection matrix, the site and the names of the
 * inputs as data, drawn by the embedded Apache ECharts. The page makes no
 * network request. SOURCE_DATE_EPOCH, when set, is its "made on" time. */
typedef struct vg_html_opts {
	const char *const *inputs;   /* names shown as the inputs */
	size_t n_inputs;
	size_t matrix_max_cells;     /* a larger matrix is shown in bins; 0 = 250000 */
} vg_html_opts;
int vg_study_write_html(vg_study *st, FILE *fp, const vg_html_opts *opts);

/*
 * The study's tables, for C callers: the same tables, columns and rows as
 * the CSV files of vg_study_write_csv (docs/report.md), stepped through row
 * by row as sqlite3_step does, so that nobody has to parse the JSON.
 *   uint64_t cur = 0; vg_value v[32];
 *   while (vg_study_row(st, t, &cur, v) == 1) ... v[c] ...
 */
enum vg_col_type {
	VG_COL_UINT = 0,  /* vg_value.u */
	VG_COL_REAL,      /* vg_value.d */
	VG_COL_TEXT,      /* vg_value.s */
	VG_COL_DAY,       /* vg_value.s: YYYY-MM-DD in the site's zone */
	VG_COL_ADDR,      /* vg_value.s: an IPv4 or IPv6 address */
	VG_COL_PORT,      /* vg_value.s: "445/tcp", "icmp 8/0", or a bare number */
	VG_COL_TIME,      /* vg_value.t: microseconds since 1970, UTC */
	VG_COL_BOOL,      /* vg_value.u: 0 or 1 */
};
typedef struct vg_value {
	int null;         /* 1: no value (the CSV field is empty) */
	uint64_t u;
	double d;
	int64_t t;
	const char *s;    /* valid until the next vg_study_row on the study */
} vg_value;
size_t vg_study_table_count(void);
const char *vg_study_table_name(size_t t);      /* "daily", ...; NULL past the end */
size_t vg_study_col_count(size_t t);
const char *vg_study_col_name(size_t t, size_t c);
int vg_study_col_type(size_t t, size_t c);      /* enum vg_col_type, or -1 */
const char *vg_study_col_unit(size_t t, size_t c); /* "connections", "%", ... or "" */
/* Finishes the study if needed. 1: the row at *cursor (0 to start) is in
 * vals[0 .. vg_study_col_count(t)) and *cursor moved on; 0: no more rows
 * (or the table is not in this report, as "scans" without scan detection);
 * < 0: an error (vg_study_errmsg). */
int vg_study_row(vg_study *st, size_t t, uint64_t *cursor, vg_value *vals);

/* ---------------------------------------------------------------- scans */

/*
 * Port scans as events (docs/scans.md). The detector takes connections
 * (merged flows) in input order and classifies them against the site; for
 * each outside source that reaches monitored addresses it runs Threshold
 * Random Walk (Jung et al. 2004) and window thresholds (vertical: many ports
 * on one host; horizontal: one port on many hosts; block: both), episode by
 * episode (an episode ends after a quiet gap). Every connection is handed
 * on once its episode is decided, with the id of its scan event (0: none).
 */
typedef struct vg_scans vg_scans;

#define VG_SCAN_TRW        0x01u
#define VG_SCAN_VERTICAL   0x02u
#define VG_SCAN_HORIZONTAL 0x04u
#define VG_SCAN_BLOCK      0x08u
/* Over the whole episode instead of the window (a slow scan: probes
 * minutes apart): >= scan-vertical ports on one host or >= the horizontal
 * threshold of hosts on one port, counting failed probes only. */
#define VG_SCAN_SLOW       0x10u
/* One member of a campaign: sources each below every threshold that
 * together, in one window, probed >= scan-vertical ports of one host
 * (DISTRIBUTED) or one port on >= the horizontal threshold of hosts
 * (DSWEEP), no (host, port) probed by two of them (vg_scan_event.campaign). */
#define VG_SCAN_DISTRIBUTED 0x20u
#define VG_SCAN_DSWEEP     0x40u

typedef struct vg_scan_event {
	uint32_t id;
	vg_addr scanner;
	uint8_t family;
	uint8_t detectors;   /* VG_SCAN_* that fired */
	uint8_t protos;      /* 1 tcp, 2 udp, 4 icmp, 8 other */
	int64_t first_us, last_us;
	uint64_t flows, answered, unanswered;
	uint32_t targets;    /* distinct monitored hosts */
	uint32_t n_ports;    /* distinct (protocol, port); ICMP counts as one */
	const uint32_t *ports; /* proto << 16 | port, ascending, n_ports of
				* them; valid during the callback */
	double score;        /* the source's TRW log-likelihood ratio */
	const char *known;   /* a known scanner's name, or NULL */
	uint8_t kind;        /* VG_SCAN_PORTSCAN or VG_SCAN_SWEEP */
	uint32_t campaign;   /* != 0: the campaign the source is a member of
				* (VG_SCAN_DISTRIBUTED, VG_SCAN_DSWEEP) */
	uint8_t tcp_probes;  /* VG_PROBE_* kinds of its failed TCP probes */
	uint32_t n_reset;    /* failed TCP probes answered by a lone reset */
	uint32_t n_silent;   /* failed TCP probes without an answer */
} vg_scan_event;

/* What a TCP probe sent (its flags): a SYN, or one of nmap's stealth probes
 * - NULL (-sN), FIN (-sF), XMAS (FIN PSH URG, -sX), ACK (-sA, -sW),
 * Maimon (FIN ACK, -sM) - or something else. A reset answers a closed port
 * (an unfiltered one for an ACK), silence an open|filtered one. */
#define VG_PROBE_SYN    0x01u
#define VG_PROBE_NULL   0x02u
#define VG_PROBE_FIN    0x04u
#define VG_PROBE_XMAS   0x08u
#define VG_PROBE_ACK    0x10u
#define VG_PROBE_MAIMON 0x20u
#define VG_PROBE_OTHER  0x40u


/* What an event is (docs/scans.md): a sweep probes one port, or a few
 * (site key scan-sweep-ports, default 2), across hosts - worm and bot
 * propagation, ping sweeps; a port scan probes many ports, or the vertical
 * or block detector fired. */
#define VG_SCAN_PORTSCAN 1
#define VG_SCAN_SWEEP    2
const char *vg_scan_kind_name(int kind); /* "port-scan", "sweep" */
/* Why the event was raised and what it is, in one line: the detectors that
 * fired with their thresholds, the counts, the kind with its rule, e.g.
 * "trw: ratio 13.86 >= 4.60; horizontal: >= 3 hosts on one port in 300 s;
 * 10 hosts, 1 port, 10 flows, 0 answered; sweep: <= 2 ports". Returns the
 * length (cut to cap - 1). */
size_t vg_scan_why(const vg_site *site, const vg_scan_event *e, char *out, size_t cap);

const char *vg_scan_type(const vg_scan_event *e); /* "block", "vertical", ... */
/* The ports as "tcp:1-1024,3389 udp:137 icmp:type8", cut with "..." to fit
 * cap bytes; returns the length. */
size_t vg_scan_ports_format(const vg_scan_event *e, char *out, size_t cap);
/* An event's protocols ("tcp,udp,icmp,other") and detectors ("trw,vertical,
 * horizontal,block") as comma lists in out; returns out. */
#define VG_SCAN_NAMES_MAX 64
const char *vg_scan_protos_str(unsigned protos, char out[VG_SCAN_NAMES_MAX]);
const char *vg_scan_detectors_str(unsigned detectors, char out[VG_SCAN_NAMES_MAX]);
/* The VG_PROBE_* kinds as "syn,fin". */
const char *vg_scan_probes_str(unsigned probes, char out[VG_SCAN_NAMES_MAX]);

typedef int (*vg_scan_flow_fn)(void *user, const vg_flow *f, uint32_t event_id);
typedef int (*vg_scan_event_fn)(void *user, const vg_scan_event *e);

typedef struct vg_scans_stats {
	uint64_t n_sources;      /* sources tracked at some time */
	uint64_t n_open;         /* tracked now */
	uint64_t n_peak;
	uint64_t n_evicted;      /* episodes closed early by the source cap */
	uint64_t max_sources;    /* the cap */
	uint64_t n_events;
	uint64_t n_scan_flows;
	uint64_t n_campaigns;
	uint64_t n_campaign_full; /* probes not followed for campaigns (cap) */
} vg_scans_stats;

int vg_scans_create(vg_scans **sc, const vg_site *site, vg_scan_flow_fn on_flow,
		    vg_scan_event_fn on_event, void *user, char *err, size_t errlen);
int vg_scans_add(vg_scans *sc, const vg_flow *flows, size_t n);
int vg_scans_flush(vg_scans *sc);
/* 1: the detection runs in a thread of its own (the callbacks then run in
 * that thread until vg_scans_flush, which waits for it). */
int vg_scans_set_async(vg_scans *sc, int on);
void vg_scans_get_stats(const vg_scans *sc, vg_scans_stats *st);
void vg_scans_free(vg_scans *sc);

/* ---------------------------------------------------------------- alerts */

/*
 * Early warning (docs/alerts.md): detectors over per-(protocol, port)
 * series of unsolicited connections, sources, targets and new sources, per
 * day and per hour, plus big single sources and the scan events. Feed it
 * connections (merged flows, with their scan event ids as vg_scans hands
 * them on) and the scan events, then finish: the alerts are in time order.
 * An ongoing condition is one alert, from its first period to its end.
 */
typedef struct vg_alerts vg_alerts;

enum vg_detector {
	VG_DET_TREND = 0,   /* DShield port trend, sources and targets vs look-back mean */
	VG_DET_SEASONAL,    /* Holt-Winters aberration (Brutlag), sources per hour */
	VG_DET_CHANGE,      /* non-parametric CUSUM on new sources per day */
	VG_DET_WORM,        /* stably positive growth of new sources (Kalman) */
	VG_DET_BIG,         /* one source carries a large share of a day */
	VG_DET_NEWPORT,     /* traffic from several sources on a port silent before */
	VG_DET_SCAN,        /* a scan event */
	VG_DET_BACKSCATTER, /* a new victim: much backscatter from an address
			     * that sent none in the days before */
	VG_DET__COUNT
};

enum vg_severity { VG_SEV_LOW = 1, VG_SEV_MEDIUM = 2, VG_SEV_HIGH = 3 };

typedef struct vg_alert {
	uint32_t id;            /* 1, 2, ... in time order */
	int detector;           /* enum vg_detector */
	int severity;           /* enum vg_severity */
	int64_t time_us;        /* start of the period the condition was first met in */
	int64_t last_us;        /* start of the last period it held in */
	int64_t end_us;         /* when it stopped holding; 0: still at the end of the data */
	int period_s;           /* 86400 (day), 3600 (hour); 0: an event (scan) */
	uint8_t proto;          /* 6, 17, 132; 0: not about one port */
	int32_t port;           /* -1: not about one port */
	int has_source;
	uint8_t family;         /* of source */
	vg_addr source;
	uint32_t scan_id;       /* VG_DET_SCAN: the event */
	double value, baseline, threshold; /* at the strongest period */
	char summary[240];
	const char *series;     /* what the evidence counts, e.g. "sources per day" */
	int64_t ev_start_us;    /* evidence: values from this period on, */
	int ev_step_s;          /* one per step, */
	size_t n_ev;            /* n_ev of them */
	const double *ev;       /* the observed values */
	const double *ev_expected; /* the value expected per period (baseline or
				    * upper band), or NULL */
	const char *detail;     /* scan events: "vertical tcp:1-1024; 10 hosts, ..." */
	const char *scan_ports; /* scan events: "tcp:1-1024 udp:137 icmp:type8" (cut
				 * with "..." when long) */
	uint32_t scan_targets;  /* scan events: monitored hosts probed */
} vg_alert;

const char *vg_detector_name(int d);   /* "trend", "seasonal", ... */
const char *vg_severity_name(int s);   /* "low", "medium", "high" */
int vg_severity_parse(const char *s);  /* -1 if not one */

int vg_alerts_create(vg_alerts **a, const vg_site *site, char *err, size_t errlen);
void vg_alerts_free(vg_alerts *a);
/* Connections with their scan event ids (NULL: none); every class is
 * accepted, only the unsolicited ones count. */
int vg_alerts_add(vg_alerts *a, const vg_flow *flows, const uint32_t *scan_ids, size_t n);
int vg_alerts_add_scan(vg_alerts *a, const vg_scan_event *e);
/* on: vg_alerts_add hands the connections to a worker thread (copied), so
 * that the caller goes on at once; vg_alerts_finish waits for it. */
int vg_alerts_set_async(vg_alerts *a, int on);
/* keep = 0: scan events are only counted (vg_alerts_scan_count), not made
 * alerts - for callers that list the scan events themselves. */
void vg_alerts_keep_scans(vg_alerts *a, int keep);
uint64_t vg_alerts_scan_count(const vg_alerts *a);
int vg_alerts_finish(vg_alerts *a);
/* Why the last call that failed failed ("" when none has). */
const char *vg_alerts_errmsg(const vg_alerts *a);
/* The JSON output (vg_alerts_write, VG_OUT_JSON) then ends with one line
 * that is not an alert: {"freshness":{newest, now, age_s, max_age_s,
 * stale}}, how old the newest data is against now. */
void vg_alerts_set_freshness(vg_alerts *a, int64_t newest_us, int64_t now_us, double max_age_s);
size_t vg_alerts_count(const vg_alerts *a);
/* The writers (text, JSON, IODEF, STIX, MISP) then leave out alerts below
 * this severity (enum vg_severity; 0, the default: none left out). The
 * text says how many it left out. vg_alerts_count and _get still see all. */
void vg_alerts_set_min_severity(vg_alerts *a, int severity);
/* The text output's width (default VG_TEXT_WIDTH; 0: as wide as it is). */
void vg_alerts_set_text_width(vg_alerts *a, unsigned columns);
/* The CSV output's times (enum vg_time_fmt; default ISO 8601). */
void vg_alerts_set_time_format(vg_alerts *a, int fmt);

/* The daily series the port detectors judge (docs/alerts.md): for each day
 * in [day0, day1] and TCP, UDP or SCTP port with unsolicited connections,
 * the connections, the distinct sources, the sources on the port for the
 * first time of the data given, the distinct monitored hosts reached. After
 * vg_alerts_finish; in (day, proto, port) order; free(*out). */
typedef struct vg_port_day {
	int32_t day;     /* site zone */
	uint8_t proto;
	uint16_t port;
	uint32_t connections, sources, new_sources, targets;
} vg_port_day;
int vg_alerts_port_days(vg_alerts *a, int32_t day0, int32_t day1, vg_port_day **out, size_t *n);

/* A STIX 2.1 bundle (docs/stix.md) of the scan events ev and the alerts of
 * al (NULL: none) that last until since_us or later: the team (site key
 * csirt) as an identity; per scan event the source's address object, an
 * observed-data, an indicator and a sighting; per alert an indicator (on
 * its source, or its port's traffic) and a sighting; marked TLP:AMBER. */
int vg_stix_write(FILE *fp, const vg_site *site, const vg_scan_event *const *ev, size_t n_ev,
		  vg_alerts *al, int64_t since_us);
/* The same as one MISP event (the MISP core format, docs/misp.md): an
 * ip-src attribute per source and a port attribute per port alert without
 * one (and per port a sweep probed), with times, comment, sighting and an
 * ecsirt taxonomy tag; the event tagged tlp:amber. */
int vg_misp_write(FILE *fp, const vg_site *site, const vg_scan_event *const *ev, size_t n_ev,
		  vg_alerts *al, int64_t since_us);
const vg_alert *vg_alerts_get(const vg_alerts *a, size_t i);
/* The end of the data (µs): the start of the last hour seen. */
int64_t vg_alerts_data_end(const vg_alerts *a);
/* Writes the alerts with last_us >= since_us: VG_OUT_JSON (NDJSON, one per
 * line) or VG_OUT_TEXT. */
int vg_alerts_write(vg_alerts *a, FILE *fp, int outfmt, int64_t since_us);
/* One alert as the JSON line vg_alerts_write writes for it (no newline). */
void vg_alert_write_json(const vg_alert *a, FILE *fp);
/* Writes them as one IODEF v2 document (RFC 7970), one Incident each. */
int vg_alerts_write_iodef(vg_alerts *a, FILE *fp, int64_t since_us, const char *csirt_name,
			  const char *contact_email);


/* ---------------------------------------------------------------- store */

/*
 * The store (docs/store.md): day rollups, scan events, alert ids, the
 * inputs already ingested and the pipeline's open tail, built for one site
 * description. Two back ends behind one interface: an SQLite file (a path,
 * the default) and a ClickHouse database (clickhouse://[USER[:PASS]@]HOST
 * :PORT/DATABASE, its HTTP interface; one node or a cluster). Errors:
 * VG_EIO (no such file or server, read-only, another writer, a server that
 * failed), VG_EFORMAT (not a vigil store, damaged), VG_EUNSUP (another
 * schema version), VG_EINVAL (another site description, a bad URL); the
 * message names the store (never its password) and what went wrong.
 */
typedef struct vg_store vg_store;

enum { VG_STORE_READ = 0, VG_STORE_WRITE = 1 };

typedef struct vg_store_opts {
	/* ClickHouse: a writer's sensor name (NULL: "default"); a reader's
	 * comma-separated list of the sensors to read (NULL: all) */
	const char *sensor;
	const char *auth_file;   /* ClickHouse: a file "USER:PASSWORD" (NULL: the URL's) */
	int partial;             /* ClickHouse cluster: read on when a shard is down */
	int raw;                 /* ClickHouse writer: also every merged connection
				  * (table conns), for analysts' own queries */
	int timeout_s;           /* ClickHouse: one request's time limit (0: 300 s) */
	/* ClickHouse, a new store only: the cluster (remote_servers) its
	 * Distributed tables spread over, and each shard's URL, where the
	 * local tables are made */
	const char *cluster;
	const char *const *shards;
	size_t n_shards;
} vg_store_opts;

/* site: checked against the store's (NULL: not checked; a new store
 * needs one). On failure *s is still set for vg_store_errmsg; close it. */
int vg_store_open(vg_store **s, const char *path, int mode, const vg_site *site);
/* The same with options (o NULL: the defaults). */
int vg_store_open_ex(vg_store **s, const char *path, int mode, const vg_site *site,
		     const vg_store_opts *o);
const char *vg_store_errmsg(const vg_store *s);
void vg_store_close(vg_store *s); /* an open transaction is rolled back */
/* The store's name for messages: its path or URL, without a password. */
const char *vg_store_name(const vg_store *s);
/* The back end's name: "sqlite" or "clickhouse". */
const char *vg_store_kind(const vg_store *s);
/* 1 when what was read missed a shard that was down (opts.partial). */
int vg_store_partial(const vg_store *s);
/* Drops every day before before_day (site zone) from the rollups, scan
 * events and inputs; *n_days: the days dropped. */
int vg_store_prune(vg_store *s, int32_t before_day, uint32_t *n_days);

/* One input file as the store remembers it. */
typedef struct vg_store_input {
	const char *name;   /* as given */
	uint64_t size;      /* bytes */
	const char *hash;   /* content hash, hex */
	uint64_t records;   /* flow records read (that passed the filter) */
	int64_t first_us, last_us;
} vg_store_input;

/* A file's size and a 128-bit fingerprint of its content (hex), for
 * vg_store_input. */
int vg_file_hash(const char *path, uint64_t *size, char hex[33]);

/* 1: an input of this name, size and hash was ingested; 0: not; < 0 error. */
int vg_store_input_seen(vg_store *s, const vg_store_input *in);

typedef struct vg_store_info {
	uint64_t n_inputs, records, n_events;
	int32_t first_day, last_day;  /* days with rows (site zone) */
	uint32_t n_days;              /* 0: empty */
	int64_t first_us, last_us;    /* earliest start, latest end of a connection */
} vg_store_info;
int vg_store_summary(vg_store *s, vg_store_info *info);

/* One row of a day-rollup table (docs/store.md, "Schema"), as
 * vg_pipeline_set_rows hands it: the day, the key columns the table has
 * (the others zero) and its counts. */
typedef struct vg_rollup_row {
	int32_t day;
	vg_addr src, host;   /* the outside source, the monitored host */
	uint8_t family;      /* VG_FAM_IP4 or VG_FAM_IP6 */
	uint8_t proto;
	uint16_t port;       /* destination port; ICMP: type * 256 + code */
	uint64_t conns;      /* unsolicited connections */
	uint64_t pkts, bytes; /* their volume, both ways (src_day, port_host; else 0) */
} vg_rollup_row;

/* ------------------------------------------------------------- pipeline */

/*
 * Reader output -> merge/pair -> scans -> day rollups -> sinks. The verbs
 * are choices of sinks: the memory sinks (a study for the report, alerts)
 * take the rows as they are counted; the store sink writes them, with the
 * scan events and the open tail (connections and scan episodes not yet
 * finished), in one transaction per vg_pipeline_commit. A pipeline made
 * with a store to write to starts from the store's open tail, so that
 * inputs ingested one at a time give the store one run over all of them
 * would give.
 *
 * The clock: rows go to the sinks when input time passes the end of a day
 * (and when many are held), so memory is bounded by the open days. Rows of
 * an earlier day that come later (a connection held by the scan detector)
 * combine with the ones already given.
 */
typedef struct vg_pipeline vg_pipeline;

typedef struct vg_pipeline_opts {
	vg_study *study;          /* memory sink: the report (NULL: none) */
	vg_alerts *alerts;        /* memory sink: the alerts (NULL: none) */
	vg_store *store;          /* store sink, opened VG_STORE_WRITE (NULL: none) */
	vg_scan_flow_fn on_flow;  /* each connection with its scan event id (NULL: none) */
	vg_scan_event_fn on_event;/* each scan event (NULL: none) */
	void *user;
	int threads;              /* 1: scan detection in a thread of its own */
	int finished_only;        /* vg_pipeline_load: leave the store's open tail
				   * out (a live view: what has not ended is not
				   * said yet) */
	int overlap_events;       /* vg_pipeline_load: the scan events that overlap
				   * the days, not only those that start in them
				   * (an event ending there that began before) */
} vg_pipeline_opts;

int vg_pipeline_create(vg_pipeline **p, const vg_site *site, const vg_pipeline_opts *o);
const char *vg_pipeline_errmsg(const vg_pipeline *p);
/* Flow records as readers return them (status records, one-way flows). */
int vg_pipeline_add(vg_pipeline *p, const vg_flow *records, size_t n);
/* Store sink: writes what was counted since the last commit, the open tail
 * and in (NULL: no input record) in one transaction. */
int vg_pipeline_commit(vg_pipeline *p, const vg_store_input *in);
/* Records an input read whole as part of the next vg_pipeline_commit, so
 * that several inputs share one transaction (their strings are copied).
 * If that commit does not happen, none of them is in the store. */
int vg_pipeline_add_input(vg_pipeline *p, const vg_store_input *in);
/* In the on_event callback: the event's unsolicited connections (what the
 * report's scan tables count; flows also counts the other classes). */
uint64_t vg_pipeline_event_connections(const vg_pipeline *p);
/* A memory sink of one rollup table: fn gets every row of table
 * ("src_day", "src_port", "host_src", "port_host") as the pipeline counts
 * it (vg_pipeline_add) or loads it (vg_pipeline_load, the open tail
 * included at vg_pipeline_finish); rows of one key may come more than once
 * (sum them). fn returning non-zero stops the pipeline (VG_EINVAL). */
int vg_pipeline_set_rows(vg_pipeline *p, const char *table,
			 int (*fn)(void *user, const vg_rollup_row *row), void *user);
/* End of input: open connections and scan episodes finish, into the
 * memory sinks only (a store keeps its tail open for the next ingest). */
int vg_pipeline_finish(vg_pipeline *p);
/* Finishes the memory sinks (vg_study_finish, vg_alerts_finish) side by
 * side, the alerts on a thread of their own: neither reads the other. The
 * first failure's reason is the pipeline's message. */
int vg_pipeline_finish_sinks(vg_pipeline *p);
/* Feeds the memory sinks from a store: the rows of days [day0, day1] (site
 * zone), the scan events starting in them, the sources' history before
 * day0 (a source seen before is not new), then the store's open tail (as
 * vg_pipeline_finish would close it). alerts_day0 <= day0: the alerts also
 * get the rows from there, for their baselines. */
int vg_pipeline_load(vg_pipeline *p, vg_store *s, int32_t day0, int32_t day1,
		     int32_t alerts_day0);
/* The scan detector's counts (vg_scans_get_stats). */
void vg_pipeline_scan_stats(const vg_pipeline *p, vg_scans_stats *st);
/* Records read by vg_pipeline_load: of the store's inputs (for a range of
 * days, of the inputs with records in it). */
uint64_t vg_pipeline_records(const vg_pipeline *p);
void vg_pipeline_free(vg_pipeline *p);

/* Gives the finished alerts the ids a store knows them by, so that an
 * alert raised by an earlier run keeps its id; record: remember new ones
 * (store opened for writing). */
int vg_alerts_use_store(vg_alerts *a, vg_store *s, int record);
/* The highest alert id the store has given (0: none), so that a caller
 * can tell the alerts vg_alerts_use_store newly named. */
int vg_store_last_alert_id(vg_store *s, uint32_t *id);
/* The scan events stored after position after (0: all): *last the last
 * position (after, when none), *first_us the earliest start among them
 * (INT64_MAX when none) - so that a caller can look at the days of the
 * events an ingest decided late. */
int vg_store_events_after(vg_store *s, int64_t after, int64_t *last, int64_t *first_us);

/* Day numbers (days since 1970-01-01 in the site's zone) and times. */
int32_t vg_site_day(const vg_site *s, int64_t us);
int64_t vg_site_day_start(const vg_site *s, int32_t day);
/* The alerts' look-back in days (site key alert-days). */
int vg_site_alert_days(const vg_site *s);

#ifdef __cplusplus
}
#endif

#endif /* VIGIL_H */
