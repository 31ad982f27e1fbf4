/*
 * filter.c - compiles tcpdump-style filter expressions ("tcp and dst port
 * 445") and runs them over vg_flow records. It filters flow records, not
 * packets: every primitive is a test on fields of vg_flow.
 *
 * Grammar (docs/filter.md); precedence not > and > or, left-associative:
 *
 *   expr    := andexpr { ("or" | "||") andexpr }
 *   andexpr := notexpr { ("and" | "&&") notexpr }
 *   notexpr := { "not" | "!" } primary
 *   primary := "(" expr ")" | prim | VALUE
 *   prim    := [pqual] [dir] ("host" ADDR | "net" NET | "port" N
 *                             | "portrange" N-N)
 *            | [ip | ip6] "proto" (N | NAME)
 *            | "state" WORD | "icmp-type" N | "icmp-code" N
 *            | counter cmp N | pqual | PROTONAME | "man"
 *   pqual   := ip | ip4 | ipv4 | ip6 | ipv6 | arp | rarp | tcp | udp | sctp
 *   dir     := src | dst | src (or | and) dst | dst (or | and) src
 *   NET     := ADDR "/" LEN | ADDR [ "mask" DOTTED-QUAD ]
 *   counter := pkts | bytes | spkts | dpkts | sbytes | dbytes
 *   cmp     := ">" | "<" | ">=" | "<=" | "=" | "==" | "!="
 *
 * A bare VALUE where a primitive is expected repeats the qualifiers and the
 * keyword of the primitive just before it: "dst port 22 or 23".
 *
 * The parser builds a small tree (and/or nodes with any number of children)
 * and then lays its leaves out in source order as tests, each with a jump
 * for "true" and one for "false", as BPF does. Every jump goes forward, so
 * a match is a single short-circuit pass over at most n tests: no recursion,
 * no allocation, no string work.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/core.h"

#define MAX_EXPR_LEN 65536 /* bytes */
#define MAX_DEPTH 64       /* nested parentheses */
#define NIL UINT32_MAX     /* no tree node */
#define J_ACCEPT UINT32_MAX
#define J_REJECT (UINT32_MAX - 1)

/* ------------------------------------------------------------ the program */

enum op {
	OP_FAMILY,   /* flow->family == val */
	OP_PROTO,    /* an IP flow of protocol val */
	OP_KIND,     /* flow->kind == val */
	OP_NET4,     /* IPv4 (or ARP) address in net/mask */
	OP_NET6,     /* IPv6 address in net/mask */
	OP_PORT,     /* TCP/UDP/SCTP port in lo..hi */
	OP_STATE,    /* flow->state == val */
	OP_ICMPTYPE, /* ICMP(v6) type == val */
	OP_ICMPCODE, /* ICMP(v6) code == val */
	OP_COUNT,    /* counter cmp num */
};

enum dir { DIR_ANY, DIR_SRC, DIR_DST, DIR_BOTH };
enum cmp { CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQ, CMP_NE };
enum counter { CNT_PKTS, CNT_BYTES, CNT_SPKTS, CNT_DPKTS, CNT_SBYTES,
	       CNT_DBYTES };

/* One test. jt/jf are indices of later tests, or J_ACCEPT / J_REJECT. */
struct insn {
	uint8_t op;    /* enum op */
	uint8_t dir;   /* enum dir, for addresses and ports */
	uint8_t cmp;   /* enum cmp, for OP_COUNT */
	uint8_t field; /* enum counter, for OP_COUNT */
	uint32_t jt;   /* where to go when the test is true */
	uint32_t jf;   /* ... and when it is false */
	union {
		unsigned val; /* family, protocol, kind, state, ICMP value */
		uint64_t num; /* OP_COUNT operand */
		struct {
			uint16_t lo, hi;
		} port;
		struct {
			uint32_t net, mask; /* host order */
		} v4;
		struct {
			uint64_t net[2], mask[2]; /* big-endian halves */
		} v6;
	} u;
};

struct vg_filter {
	uint32_t entry;   /* first test, or J_ACCEPT for an empty filter */
	uint32_t n_insns;
	struct insn insns[];
};

/* -------------------------------------------------------------- matching */

static int is_ip(const vg_flow *f)
{
	return f->family == VG_FAM_IP4 || f->family == VG_FAM_IP6;
}

static int has_ports(unsigned proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static int is_icmp(const vg_flow *f)
{
	return is_ip(f) && (f->proto == 1 || f->proto == 58);
}

static int by_dir(unsigned dir, int s, int d)
{
	switch (dir) {
	case DIR_SRC: return s;
	case DIR_DST: return d;
	case DIR_BOTH: return s && d;
	}
	return s || d;
}

static int in_net4(const struct insn *in, const vg_addr *a)
{
	return (vgi_be32(a->a + 12) & in->u.v4.mask) == in->u.v4.net;
}

static int in_net6(const struct insn *in, const vg_addr *a)
{
	return (vgi_be64(a->a) & in->u.v6.mask[0]) == in->u.v6.net[0] &&
	       (vgi_be64(a->a + 8) & in->u.v6.mask[1]) == in->u.v6.net[1];
}

static int in_range(const struct insn *in, unsigned port)
{
	return port >= in->u.port.lo && port <= in->u.port.hi;
}

static uint64_t counter(const vg_flow *f, unsigned field)
{
	uint64_t a, b;
	switch (field) {
	case CNT_SPKTS: return f->spkts;
	case CNT_DPKTS: return f->dpkts;
	case CNT_SBYTES: return f->sbytes;
	case CNT_DBYTES: return f->dbytes;
	case CNT_PKTS: a = f->spkts; b = f->dpkts; break;
	default: a = f->sbytes; b = f->dbytes; break;
	}
	return a + b < a ? UINT64_MAX : a + b; /* saturate */
}

static int compare(uint64_t v, unsigned cmp, uint64_t n)
{
	switch (cmp) {
	case CMP_LT: return v < n;
	case CMP_LE: return v <= n;
	case CMP_GT: return v > n;
	case CMP_GE: return v >= n;
	case CMP_EQ: return v == n;
	}
	return v != n;
}

static int run(const struct insn *in, const vg_flow *f)
{
	switch (in->op) {
	case OP_FAMILY:
		return f->family == in->u.val;
	case OP_PROTO:
		return is_ip(f) && f->proto == in->u.val;
	case OP_KIND:
		return f->kind == in->u.val;
	case OP_NET4:
		/* IPv4 and ARP flows hold ::ffff:a.b.c.d; an IPv6 flow
		 * never matches an IPv4 pattern, mapped address or not. */
		if (f->family != VG_FAM_IP4 && f->family != VG_FAM_ARP &&
		    f->family != VG_FAM_RARP)
			return 0;
		return by_dir(in->dir, in_net4(in, &f->saddr),
			      in_net4(in, &f->daddr));
	case OP_NET6:
		if (f->family != VG_FAM_IP6)
			return 0;
		return by_dir(in->dir, in_net6(in, &f->saddr),
			      in_net6(in, &f->daddr));
	case OP_PORT:
		if (!is_ip(f) || !has_ports(f->proto))
			return 0;
		return by_dir(in->dir, in_range(in, f->sport),
			      in_range(in, f->dport));
	case OP_STATE:
		return f->state == in->u.val;
	case OP_ICMPTYPE:
		return is_icmp(f) && f->sport == in->u.val;
	case OP_ICMPCODE:
		return is_icmp(f) && f->dport == in->u.val;
	case OP_COUNT:
		return compare(counter(f, in->field), in->cmp, in->u.num);
	}
	return 0;
}

int vg_filter_match(const vg_filter *f, const vg_flow *flow)
{
	uint32_t pc;

	if (!f)
		return 1;
	/* Jumps only go forward (see gen()), so this ends. */
	pc = f->entry;
	while (pc < f->n_insns) {
		const struct insn *in = &f->insns[pc];
		pc = run(in, flow) ? in->jt : in->jf;
	}
	return pc == J_ACCEPT;
}

void vg_filter_free(vg_filter *f)
{
	free(f);
}

/* ----------------------------------------------------------------- lexer */

enum tk { TK_END, TK_WORD, TK_LPAREN, TK_RPAREN, TK_AND, TK_OR, TK_NOT,
	  TK_CMP, TK_BAD };

enum kw {
	KW_NONE,      /* not a keyword: a value */
	KW_SRC,
	KW_DST,
	KW_HOST,
	KW_NET,
	KW_PORT,
	KW_PORTRANGE,
	KW_PROTO,
	KW_STATE,
	KW_ICMPTYPE,
	KW_ICMPCODE,
	KW_MASK,
	KW_MAN,
	KW_FAMILY,    /* val = enum vg_family */
	KW_PROTONAME, /* val = IP protocol number */
	KW_COUNTER,   /* val = enum counter */
};

static const struct keyword {
	const char *word;
	uint8_t kw;
	uint8_t val;
} keywords[] = {
	{"src", KW_SRC, 0},
	{"dst", KW_DST, 0},
	{"host", KW_HOST, 0},
	{"net", KW_NET, 0},
	{"port", KW_PORT, 0},
	{"portrange", KW_PORTRANGE, 0},
	{"proto", KW_PROTO, 0},
	{"state", KW_STATE, 0},
	{"icmp-type", KW_ICMPTYPE, 0},
	{"icmp-code", KW_ICMPCODE, 0},
	{"mask", KW_MASK, 0},
	{"man", KW_MAN, 0},
	{"ip", KW_FAMILY, VG_FAM_IP4},
	{"ip4", KW_FAMILY, VG_FAM_IP4},
	{"ipv4", KW_FAMILY, VG_FAM_IP4},
	{"ip6", KW_FAMILY, VG_FAM_IP6},
	{"ipv6", KW_FAMILY, VG_FAM_IP6},
	{"arp", KW_FAMILY, VG_FAM_ARP},
	{"rarp", KW_FAMILY, VG_FAM_RARP},
	{"tcp", KW_PROTONAME, 6},
	{"udp", KW_PROTONAME, 17},
	{"icmp", KW_PROTONAME, 1},
	{"icmp6", KW_PROTONAME, 58},
	{"icmpv6", KW_PROTONAME, 58},
	{"ipv6-icmp", KW_PROTONAME, 58},
	{"sctp", KW_PROTONAME, 132},
	{"gre", KW_PROTONAME, 47},
	{"esp", KW_PROTONAME, 50},
	{"ah", KW_PROTONAME, 51},
	{"pkts", KW_COUNTER, CNT_PKTS},
	{"bytes", KW_COUNTER, CNT_BYTES},
	{"spkts", KW_COUNTER, CNT_SPKTS},
	{"dpkts", KW_COUNTER, CNT_DPKTS},
	{"sbytes", KW_COUNTER, CNT_SBYTES},
	{"dbytes", KW_COUNTER, CNT_DBYTES},
};

struct tok {
	uint8_t type; /* enum tk */
	uint8_t kw;   /* enum kw, for TK_WORD */
	uint8_t val;  /* the keyword's value; enum cmp for TK_CMP */
	size_t pos;   /* byte offset in the expression */
	size_t len;   /* bytes */
};

/* Qualifiers of a value primitive, kept for the abbreviation rule. */
struct qual {
	uint8_t pq_kw;  /* KW_NONE, KW_FAMILY or KW_PROTONAME */
	uint8_t pq_val; /* its family or protocol */
	uint8_t dir;    /* enum dir */
	uint8_t kw;     /* KW_HOST ... KW_ICMPCODE */
};

enum nkind { N_LEAF, N_AND, N_OR, N_NOT };

/* A node of the parse tree. Children of and/or are linked through next,
 * the last parsed first, which is the order gen() wants them in. */
struct tnode {
	uint8_t kind; /* enum nkind */
	uint32_t arg; /* N_LEAF: test index; N_NOT: child; else first child */
	uint32_t next;
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;     /* lexer position, just after tok */
	struct tok tok; /* the current token */
	int depth;      /* open parentheses */
	int status;     /* VG_OK, or the first error */
	char *errbuf;
	size_t errlen;

	struct insn *tests; /* leaves, in source order */
	uint32_t n_tests, cap_tests;
	struct tnode *nodes;
	uint32_t n_nodes, cap_nodes;

	struct qual last; /* the previous primitive, if have_last */
	int have_last;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '/' ||
	       c == '-' || c == '_' || c == '+';
}

static int word_is(const char *w, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(w, lit, len) == 0;
}

static void classify(struct tok *t, const char *w)
{
	size_t i;

	if (word_is(w, t->len, "and")) {
		t->type = TK_AND;
		return;
	}
	if (word_is(w, t->len, "or")) {
		t->type = TK_OR;
		return;
	}
	if (word_is(w, t->len, "not")) {
		t->type = TK_NOT;
		return;
	}
	for (i = 0; i < VGI_ARRAY_LEN(keywords); i++) {
		if (word_is(w, t->len, keywords[i].word)) {
			t->kw = keywords[i].kw;
			t->val = keywords[i].val;
			return;
		}
	}
}

/* Reads the next token into p->tok. */
static void lex(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->pos, n = p->len;
	struct tok *t = &p->tok;
	char c, c2;

	while (i < n && is_space(s[i]))
		i++;
	t->pos = i;
	t->len = 1;
	t->kw = KW_NONE;
	t->val = 0;
	if (i >= n) {
		t->type = TK_END;
		t->len = 0;
		p->pos = i;
		return;
	}
	c = s[i];
	c2 = i + 1 < n ? s[i + 1] : '\0';
	switch (c) {
	case '(':
		t->type = TK_LPAREN;
		break;
	case ')':
		t->type = TK_RPAREN;
		break;
	case '&':
		t->type = c2 == '&' ? TK_AND : TK_BAD;
		t->len = c2 == '&' ? 2 : 1;
		break;
	case '|':
		t->type = c2 == '|' ? TK_OR : TK_BAD;
		t->len = c2 == '|' ? 2 : 1;
		break;
	case '!':
		if (c2 == '=') {
			t->type = TK_CMP;
			t->val = CMP_NE;
			t->len = 2;
		} else {
			t->type = TK_NOT;
		}
		break;
	case '<':
	case '>':
	case '=':
		t->type = TK_CMP;
		if (c2 == '=')
			t->len = 2;
		if (c == '<')
			t->val = c2 == '=' ? CMP_LE : CMP_LT;
		else if (c == '>')
			t->val = c2 == '=' ? CMP_GE : CMP_GT;
		else
			t->val = CMP_EQ;
		break;
	default:
		if (!is_word(c)) {
			t->type = TK_BAD;
			break;
		}
		t->type = TK_WORD;
		while (i + t->len < n && is_word(s[i + t->len]))
			t->len++;
		classify(t, s + i);
		break;
	}
	p->pos = i + t->len;
}

/* ---------------------------------------------------------------- errors */

/* The token as it appears in a message: at most 40 bytes, with quotes,
 * backslashes and unprintable bytes escaped. */
static void show_token(const char *s, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && i < 40 && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < len && o + 4 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Records the first error: "filter: at column C ("TOKEN"): message". */
__attribute__((format(printf, 3, 4)))
static void fail(struct parser *p, const struct tok *t, const char *fmt, ...)
{
	char msg[192], shown[192];
	va_list ap;

	if (p->status)
		return;
	p->status = VG_EINVAL;
	if (!p->errbuf || p->errlen == 0)
		return;
	if (t->type == TK_BAD) {
		snprintf(msg, sizeof msg, "unexpected character");
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
	}
	if (t->type == TK_END) {
		snprintf(p->errbuf, p->errlen,
			 "filter: at column %zu (end of expression): %s",
			 t->pos + 1, msg);
		return;
	}
	show_token(p->s + t->pos, t->len, shown, sizeof shown);
	snprintf(p->errbuf, p->errlen, "filter: at column %zu (\"%s\"): %s",
		 t->pos + 1, shown, msg);
}

static void fail_nomem(struct parser *p)
{
	if (p->status)
		return;
	p->status = VG_ENOMEM;
	if (p->errbuf && p->errlen)
		snprintf(p->errbuf, p->errlen, "filter: out of memory");
}

/* ------------------------------------------------------------ tree nodes */

static uint32_t add_node(struct parser *p, unsigned kind, uint32_t arg)
{
	struct tnode *n;

	if (p->n_nodes == p->cap_nodes) {
		uint32_t cap = p->cap_nodes ? p->cap_nodes * 2 : 32;
		n = realloc(p->nodes, (size_t)cap * sizeof *n);
		if (!n) {
			fail_nomem(p);
			return NIL;
		}
		p->nodes = n;
		p->cap_nodes = cap;
	}
	n = &p->nodes[p->n_nodes];
	n->kind = (uint8_t)kind;
	n->arg = arg;
	n->next = NIL;
	return p->n_nodes++;
}

/* Appends a test and returns its leaf node. */
static uint32_t add_leaf(struct parser *p, const struct insn *in)
{
	if (p->n_tests == p->cap_tests) {
		uint32_t cap = p->cap_tests ? p->cap_tests * 2 : 16;
		struct insn *t = realloc(p->tests, (size_t)cap * sizeof *t);
		if (!t) {
			fail_nomem(p);
			return NIL;
		}
		p->tests = t;
		p->cap_tests = cap;
	}
	p->tests[p->n_tests] = *in;
	return add_node(p, N_LEAF, p->n_tests++);
}

/* Adds child as the newest child of the and/or node parent. */
static void add_child(struct parser *p, uint32_t parent, uint32_t child)
{
	p->nodes[child].next = p->nodes[parent].arg;
	p->nodes[parent].arg = child;
}

/* Joins a (parsed first) and b under a new node of kind (N_AND/N_OR). */
static uint32_t join(struct parser *p, unsigned kind, uint32_t a, uint32_t b)
{
	uint32_t n = add_node(p, kind, NIL);

	if (n == NIL)
		return NIL;
	add_child(p, n, a);
	add_child(p, n, b);
	return n;
}

/* ---------------------------------------------------------------- values */

/* Decimal digits only; 1 ok, 0 not a number, -1 over max. */
static int parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

static const char *tok_text(const struct parser *p, const struct tok *t)
{
	return p->s + t->pos;
}

/* Parses the current token as a number in 0..max, or fails with what. */
static int want_uint(struct parser *p, uint64_t max, const char *what,
		     uint64_t *out)
{
	const struct tok *t = &p->tok;
	int r = 0;

	if (t->type == TK_WORD)
		r = parse_uint(tok_text(p, t), t->len, max, out);
	if (r == 1) {
		lex(p);
		return 1;
	}
	if (r < 0)
		fail(p, t, "%s must be at most %llu", what,
		     (unsigned long long)max);
	else
		fail(p, t, "expected %s", what);
	return 0;
}

static int all_digits_dots(const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++)
		if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
			return 0;
	return len > 0;
}

/* Network mask words of a /plen IPv6 prefix. */
static void mask6(unsigned plen, uint64_t m[2])
{
	m[0] = plen == 0 ? 0 : plen >= 64 ? UINT64_MAX : ~(UINT64_MAX >> plen);
	m[1] = plen <= 64 ? 0 : plen >= 128 ? UINT64_MAX
					    : ~(UINT64_MAX >> (plen - 64));
}

/* host ADDR, net ADDR/LEN, net ADDR [mask M]. */
static int val_addr(struct parser *p, const struct qual *q, struct insn *in)
{
	struct tok v = p->tok;
	const char *s = tok_text(p, &v), *slash;
	size_t alen;
	uint64_t plen = 0;
	vg_addr a, m;
	int ver, has_mask = 0;

	if (v.type != TK_WORD) {
		fail(p, &v, "expected %s", q->kw == KW_NET
			? "a network such as 10.0.0.0/8 or 2001:db8::/32"
			: "an IPv4 or IPv6 address");
		return 0;
	}
	slash = memchr(s, '/', v.len);
	alen = slash ? (size_t)(slash - s) : v.len;
	if (slash && q->kw == KW_HOST) {
		fail(p, &v, "a host is one address; use net for a prefix");
		return 0;
	}
	ver = vg_addr_parse(&a, s, alen);
	if (!ver) {
		if (q->kw == KW_NET && all_digits_dots(s, alen))
			fail(p, &v, "partial networks are not supported; "
				    "write a prefix such as 10.1.0.0/16");
		else if (q->kw == KW_NET)
			fail(p, &v, "expected a network such as 10.0.0.0/8 "
				    "or 2001:db8::/32");
		else
			fail(p, &v, "expected an IPv4 or IPv6 address "
				    "(host names are not looked up)");
		return 0;
	}
	if (slash) {
		size_t rest = v.len - alen - 1;
		if (parse_uint(slash + 1, rest, ver == 4 ? 32 : 128, &plen) !=
		    1) {
			fail(p, &v, "prefix length must be 0-%d for an IPv%d "
				    "network", ver == 4 ? 32 : 128, ver);
			return 0;
		}
	} else {
		plen = ver == 4 ? 32 : 128;
	}
	if (q->pq_kw == KW_FAMILY &&
	    (q->pq_val == VG_FAM_IP6) != (ver == 6)) {
		fail(p, &v, "%s flows carry only IPv%d addresses",
		     q->pq_val == VG_FAM_IP6 ? "IPv6"
		     : q->pq_val == VG_FAM_IP4 ? "IPv4"
		     : q->pq_val == VG_FAM_ARP ? "ARP" : "RARP",
		     ver == 6 ? 4 : 6);
		return 0;
	}
	lex(p);

	if (q->kw == KW_NET && !slash && p->tok.kw == KW_MASK) {
		struct tok mt;
		lex(p);
		mt = p->tok;
		if (ver != 4) {
			fail(p, &v, "mask applies to IPv4 networks only; "
				    "write a /prefix");
			return 0;
		}
		if (mt.type != TK_WORD ||
		    vg_addr_parse(&m, tok_text(p, &mt), mt.len) != 4) {
			fail(p, &mt, "expected a dotted IPv4 mask such as "
				     "255.255.0.0");
			return 0;
		}
		has_mask = 1;
		lex(p);
	}

	if (ver == 4) {
		in->op = OP_NET4;
		in->u.v4.net = vg_addr_ip4(&a);
		if (has_mask)
			in->u.v4.mask = vg_addr_ip4(&m);
		else
			in->u.v4.mask = plen == 0 ? 0
				: UINT32_MAX << (32 - (unsigned)plen);
		if (in->u.v4.net & ~in->u.v4.mask) {
			fail(p, &v, "the address has bits set outside the %s",
			     has_mask ? "mask" : "prefix length");
			return 0;
		}
	} else {
		in->op = OP_NET6;
		mask6((unsigned)plen, in->u.v6.mask);
		in->u.v6.net[0] = vgi_be64(a.a);
		in->u.v6.net[1] = vgi_be64(a.a + 8);
		if ((in->u.v6.net[0] & ~in->u.v6.mask[0]) ||
		    (in->u.v6.net[1] & ~in->u.v6.mask[1])) {
			fail(p, &v, "the address has bits set outside the "
				    "prefix length");
			return 0;
		}
	}
	return 1;
}

static int val_port(struct parser *p, const struct qual *q, struct insn *in)
{
	const struct tok *t = &p->tok;
	const char *s = tok_text(p, t), *dash;
	uint64_t lo, hi;
	int r1, r2;

	in->op = OP_PORT;
	if (q->kw == KW_PORT) {
		if (!want_uint(p, 65535, "a port number", &lo))
			return 0;
		in->u.port.lo = in->u.port.hi = (uint16_t)lo;
		return 1;
	}
	dash = t->type == TK_WORD ? memchr(s, '-', t->len) : NULL;
	if (!dash) {
		fail(p, t, "expected a port range such as 1024-65535");
		return 0;
	}
	r1 = parse_uint(s, (size_t)(dash - s), 65535, &lo);
	r2 = parse_uint(dash + 1, t->len - (size_t)(dash - s) - 1, 65535, &hi);
	if (r1 != 1 || r2 != 1) {
		if (r1 < 0 || r2 < 0)
			fail(p, t, "port numbers must be at most 65535");
		else
			fail(p, t, "expected a port range such as 1024-65535");
		return 0;
	}
	if (lo > hi) { /* as tcpdump: 90-80 is 80-90 */
		uint64_t x = lo;
		lo = hi;
		hi = x;
	}
	in->u.port.lo = (uint16_t)lo;
	in->u.port.hi = (uint16_t)hi;
	lex(p);
	return 1;
}

static int val_proto(struct parser *p, struct insn *in)
{
	const struct tok *t = &p->tok;
	int v = -1;

	if (t->type == TK_WORD)
		v = vg_proto_parse(tok_text(p, t), t->len);
	if (v < 0) {
		uint64_t dummy;
		if (t->type == TK_WORD &&
		    parse_uint(tok_text(p, t), t->len, UINT64_MAX, &dummy))
			fail(p, t, "a protocol number must be at most 255");
		else
			fail(p, t, "expected a protocol number or name");
		return 0;
	}
	in->op = OP_PROTO;
	in->u.val = (unsigned)v;
	lex(p);
	return 1;
}

static int val_state(struct parser *p, struct insn *in)
{
	const struct tok *t = &p->tok;
	char up[8];
	size_t i;
	int v = -1;

	if (t->type == TK_WORD && t->len < sizeof up) {
		for (i = 0; i < t->len; i++) {
			char c = tok_text(p, t)[i];
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			up[i] = c;
		}
		v = vg_state_parse(up, t->len);
	}
	if (v <= VG_ST_NONE) {
		fail(p, t, "expected a state such as CON, REQ, RST or FIN");
		return 0;
	}
	in->op = OP_STATE;
	in->u.val = (unsigned)v;
	lex(p);
	return 1;
}

static int val_icmp(struct parser *p, const struct qual *q, struct insn *in)
{
	uint64_t v;
	int is_type = q->kw == KW_ICMPTYPE;

	if (!want_uint(p, 255, is_type ? "an ICMP type number"
				       : "an ICMP code number", &v))
		return 0;
	in->op = (uint8_t)(is_type ? OP_ICMPTYPE : OP_ICMPCODE);
	in->u.val = (unsigned)v;
	return 1;
}

/*
 * Parses the value of a primitive qualified by q (the current token) and
 * returns its node; a protocol qualifier becomes a test and-ed in front.
 */
static uint32_t parse_value(struct parser *p, const struct qual *qp)
{
	struct qual q = *qp; /* qp may be &p->last */
	struct insn in;
	int ok = 0;
	uint32_t n;

	memset(&in, 0, sizeof in);
	in.dir = q.dir;
	switch (q.kw) {
	case KW_HOST:
	case KW_NET:
		ok = val_addr(p, &q, &in);
		break;
	case KW_PORT:
	case KW_PORTRANGE:
		ok = val_port(p, &q, &in);
		break;
	case KW_PROTO:
		ok = val_proto(p, &in);
		break;
	case KW_STATE:
		ok = val_state(p, &in);
		break;
	case KW_ICMPTYPE:
	case KW_ICMPCODE:
		ok = val_icmp(p, &q, &in);
		break;
	default:
		fail(p, &p->tok, "expected a primitive such as host or port");
		break;
	}
	if (!ok)
		return NIL;
	p->last = q;
	p->have_last = 1;
	if (q.pq_kw != KW_NONE) {
		struct insn pq;
		uint32_t a;
		memset(&pq, 0, sizeof pq);
		pq.op = q.pq_kw == KW_FAMILY ? OP_FAMILY : OP_PROTO;
		pq.u.val = q.pq_val;
		if ((a = add_leaf(p, &pq)) == NIL ||
		    (n = add_leaf(p, &in)) == NIL)
			return NIL;
		return join(p, N_AND, a, n);
	}
	return add_leaf(p, &in);
}

/* ---------------------------------------------------------------- parser */

static int is_value_kw(unsigned kw)
{
	return kw == KW_HOST || kw == KW_NET || kw == KW_PORT ||
	       kw == KW_PORTRANGE || kw == KW_PROTO || kw == KW_STATE ||
	       kw == KW_ICMPTYPE || kw == KW_ICMPCODE;
}

static int takes_dir(unsigned kw)
{
	return kw == KW_HOST || kw == KW_NET || kw == KW_PORT ||
	       kw == KW_PORTRANGE;
}

/* May protocol/family qualifier (pq_kw, pq_val) stand before kw? */
static int pq_allows(unsigned pq_kw, unsigned pq_val, unsigned kw)
{
	int ipfam = pq_kw == KW_FAMILY &&
		    (pq_val == VG_FAM_IP4 || pq_val == VG_FAM_IP6);

	if (kw == KW_HOST || kw == KW_NET)
		return pq_kw == KW_FAMILY;
	if (kw == KW_PORT || kw == KW_PORTRANGE)
		return ipfam || (pq_kw == KW_PROTONAME && has_ports(pq_val));
	if (kw == KW_PROTO)
		return ipfam;
	return 0;
}

/* src, dst, src or dst, src and dst (either order); the current token is
 * src or dst. */
static int parse_dir(struct parser *p, uint8_t *dir)
{
	unsigned first = p->tok.kw, other = first == KW_SRC ? KW_DST : KW_SRC;
	unsigned join_tk;

	lex(p);
	if (p->tok.type != TK_AND && p->tok.type != TK_OR) {
		*dir = first == KW_SRC ? DIR_SRC : DIR_DST;
		return 1;
	}
	join_tk = p->tok.type;
	lex(p);
	if (p->tok.type != TK_WORD || p->tok.kw != other) {
		fail(p, &p->tok, "expected '%s' (as in 'src %s dst')",
		     other == KW_DST ? "dst" : "src",
		     join_tk == TK_AND ? "and" : "or");
		return 0;
	}
	*dir = join_tk == TK_AND ? DIR_BOTH : DIR_ANY;
	lex(p);
	return 1;
}

/*
 * [dir] keyword value, after an optional protocol qualifier (pq, a copy of
 * its token, or NULL). The current token is the dir or the keyword.
 */
static uint32_t parse_qualified(struct parser *p, const struct tok *pq)
{
	struct qual q;
	struct tok dirtok = p->tok, kwtok;
	int has_dir = 0;

	memset(&q, 0, sizeof q);
	q.dir = DIR_ANY;
	if (pq) {
		q.pq_kw = pq->kw;
		q.pq_val = pq->val;
	}
	if (p->tok.kw == KW_SRC || p->tok.kw == KW_DST) {
		if (!parse_dir(p, &q.dir))
			return NIL;
		has_dir = 1;
	}
	kwtok = p->tok;
	if (has_dir && (kwtok.type != TK_WORD || !takes_dir(kwtok.kw))) {
		fail(p, &kwtok, "expected host, net, port or portrange "
				"after '%.*s'", (int)dirtok.len,
		     tok_text(p, &dirtok));
		return NIL;
	}
	if (kwtok.type != TK_WORD || !is_value_kw(kwtok.kw)) {
		fail(p, &kwtok, "expected a primitive such as host or port");
		return NIL;
	}
	if (pq && !pq_allows(pq->kw, pq->val, kwtok.kw)) {
		fail(p, &kwtok, "'%.*s' cannot qualify '%.*s'", (int)pq->len,
		     tok_text(p, pq), (int)kwtok.len, tok_text(p, &kwtok));
		return NIL;
	}
	q.kw = kwtok.kw;
	lex(p);
	return parse_value(p, &q);
}

static uint32_t parse_or(struct parser *p);

static uint32_t parse_primary(struct parser *p)
{
	struct tok t = p->tok;
	struct insn in;
	uint32_t n;

	if (t.type == TK_LPAREN) {
		if (++p->depth > MAX_DEPTH) {
			fail(p, &t, "parentheses nested deeper than %d",
			     MAX_DEPTH);
			return NIL;
		}
		lex(p);
		if ((n = parse_or(p)) == NIL)
			return NIL;
		if (p->tok.type != TK_RPAREN) {
			if (p->tok.type == TK_END)
				fail(p, &p->tok, "the '(' at column %zu is "
						 "not closed", t.pos + 1);
			else
				fail(p, &p->tok, "expected 'and', 'or' or "
						 "')'");
			return NIL;
		}
		p->depth--;
		lex(p);
		return n;
	}
	if (t.type != TK_WORD) {
		fail(p, &t, "expected a primitive such as tcp, host, net or "
			    "port");
		return NIL;
	}

	memset(&in, 0, sizeof in);
	switch (t.kw) {
	case KW_NONE:
		/* a bare value: "port 80 or 443" */
		if (p->have_last)
			return parse_value(p, &p->last);
		fail(p, &t, "expected a primitive such as tcp, host, net or "
			    "port");
		return NIL;
	case KW_MASK:
		fail(p, &t, "'mask' must follow the address of a net");
		return NIL;
	case KW_FAMILY:
	case KW_PROTONAME:
		lex(p);
		if (p->tok.type == TK_WORD &&
		    (p->tok.kw == KW_SRC || p->tok.kw == KW_DST ||
		     is_value_kw(p->tok.kw)))
			return parse_qualified(p, &t);
		in.op = t.kw == KW_FAMILY ? OP_FAMILY : OP_PROTO;
		in.u.val = t.val;
		break;
	case KW_MAN:
		lex(p);
		in.op = OP_KIND;
		in.u.val = VG_REC_MAN;
		break;
	case KW_COUNTER:
		lex(p);
		if (p->tok.type != TK_CMP) {
			fail(p, &p->tok, "expected a comparison: > < >= <= = "
					 "== !=");
			return NIL;
		}
		in.op = OP_COUNT;
		in.field = t.val;
		in.cmp = p->tok.val;
		lex(p);
		if (!want_uint(p, UINT64_MAX, "a number", &in.u.num))
			return NIL;
		break;
	default:
		return parse_qualified(p, NULL);
	}
	p->have_last = 0;
	return add_leaf(p, &in);
}

/* notexpr: a run of nots counts only by its parity. */
static uint32_t parse_not(struct parser *p)
{
	unsigned nots = 0;
	uint32_t n;

	while (p->tok.type == TK_NOT) {
		nots ^= 1;
		lex(p);
	}
	n = parse_primary(p);
	if (n == NIL || !nots)
		return n;
	return add_node(p, N_NOT, n);
}

/* andexpr and expr: one node with all the operands as children. */
static uint32_t parse_and(struct parser *p)
{
	uint32_t n, c, parent = NIL;

	if ((n = parse_not(p)) == NIL)
		return NIL;
	while (p->tok.type == TK_AND) {
		lex(p);
		if ((c = parse_not(p)) == NIL)
			return NIL;
		if (parent == NIL) {
			if ((parent = join(p, N_AND, n, c)) == NIL)
				return NIL;
			n = parent;
		} else {
			add_child(p, parent, c);
		}
	}
	return n;
}

static uint32_t parse_or(struct parser *p)
{
	uint32_t n, c, parent = NIL;

	if ((n = parse_and(p)) == NIL)
		return NIL;
	while (p->tok.type == TK_OR) {
		lex(p);
		if ((c = parse_and(p)) == NIL)
			return NIL;
		if (parent == NIL) {
			if ((parent = join(p, N_OR, n, c)) == NIL)
				return NIL;
			n = parent;
		} else {
			add_child(p, parent, c);
		}
	}
	return n;
}

/*
 * Sets the jumps of the tests under node n so that the subtree goes to jt
 * when true and jf when false; returns its first test. Children come last
 * first, so each one's entry is known when its left sibling is wired to it.
 * Tests are numbered in source order and a subtree only jumps to its right
 * siblings or out, so every jump goes to a higher index. The recursion
 * depth is the tree's, bounded by MAX_DEPTH.
 */
static uint32_t gen(struct parser *p, uint32_t n, uint32_t jt, uint32_t jf)
{
	const struct tnode *t = &p->nodes[n];
	uint32_t c, e;

	switch (t->kind) {
	case N_LEAF:
		p->tests[t->arg].jt = jt;
		p->tests[t->arg].jf = jf;
		return t->arg;
	case N_NOT:
		return gen(p, t->arg, jf, jt);
	case N_AND:
		e = jt;
		for (c = t->arg; c != NIL; c = p->nodes[c].next)
			e = gen(p, c, e, jf);
		return e;
	default:
		e = jf;
		for (c = t->arg; c != NIL; c = p->nodes[c].next)
			e = gen(p, c, jt, e);
		return e;
	}
}

int vg_filter_compile(vg_filter **fp, const char *expr, char *errbuf,
		      size_t errlen)
{
	struct parser p;
	vg_filter *f = NULL;
	uint32_t root = NIL;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!fp)
		return VG_EINVAL;
	*fp = NULL;
	if (!expr) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "filter: no expression");
		return VG_EINVAL;
	}

	memset(&p, 0, sizeof p);
	p.s = expr;
	p.len = strnlen(expr, MAX_EXPR_LEN + 1);
	p.errbuf = errbuf;
	p.errlen = errlen;
	if (p.len > MAX_EXPR_LEN) {
		struct tok t = {TK_WORD, KW_NONE, 0, MAX_EXPR_LEN, 1};
		fail(&p, &t, "the expression is longer than %d bytes",
		     MAX_EXPR_LEN);
		goto fail;
	}

	lex(&p);
	if (p.tok.type != TK_END) {
		root = parse_or(&p);
		if (root != NIL && p.tok.type == TK_RPAREN)
			fail(&p, &p.tok, "unbalanced ')'");
		else if (root != NIL && p.tok.type != TK_END)
			fail(&p, &p.tok, "expected 'and', 'or' or the end of "
					 "the expression");
	}
	if (p.status)
		goto fail;

	f = malloc(sizeof *f + (size_t)p.n_tests * sizeof f->insns[0]);
	if (!f) {
		fail_nomem(&p);
		goto fail;
	}
	f->n_insns = p.n_tests;
	f->entry = root == NIL ? J_ACCEPT : gen(&p, root, J_ACCEPT, J_REJECT);
	if (p.n_tests)
		memcpy(f->insns, p.tests, (size_t)p.n_tests * sizeof *p.tests);
	free(p.tests);
	free(p.nodes);
	*fp = f;
	return VG_OK;

fail:
	free(p.tests);
	free(p.nodes);
	return p.status ? p.status : VG_EINVAL;
}
