/*
 * test_anon.c - Crypto-PAn as properties (the reference vectors are in
 * tests/anon/run.sh): prefix preservation over random pairs of IPv4 and of
 * IPv6 addresses (the pseudonyms share exactly as many leading bits as the
 * addresses), a bijection on a /16, and other keys giving other pseudonyms.
 */
#include <stdlib.h>
#include <string.h>

#include "core/cryptopan.h"
#include "harness.h"

static uint64_t st = 0x243F6A8885A308D3ull;

static uint64_t rnd64(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return st;
}

/* leading bits two byte strings share */
static unsigned common_bits(const uint8_t *a, const uint8_t *b, unsigned nbits)
{
	unsigned i;
	for (i = 0; i < nbits; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i % 8));
		if ((a[i / 8] & m) != (b[i / 8] & m))
			break;
	}
	return i;
}

static void make_key(struct vgi_cpan *c)
{
	uint8_t key[32];
	size_t i;
	for (i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)rnd64();
	vgi_cpan_init(c, key);
}

TEST(cryptopan_prefix_preserving)
{
	struct vgi_cpan c;
	int pair, bad = 0;
	make_key(&c);
	for (pair = 0; pair < 4000 && bad < 5; pair++) {
		unsigned nbits = pair % 2 ? 128 : 32, nbytes = nbits / 8, k, want, got;
		uint8_t a[16], b[16], pa[16], pb[16];
		for (k = 0; k < nbytes; k++)
			a[k] = (uint8_t)rnd64();
		/* b shares a random number of leading bits with a, then differs */
		want = (unsigned)(rnd64() % nbits);
		memcpy(b, a, nbytes);
		for (k = want; k < nbits; k++)
			if (k == want || (rnd64() & 1))
				b[k / 8] ^= (uint8_t)(0x80u >> (k % 8));
		vgi_cpan_bits(&c, a, nbits, pa);
		vgi_cpan_bits(&c, b, nbits, pb);
		got = common_bits(pa, pb, nbits);
		if (got != want) {
			vgt_fail(__FILE__, __LINE__, "%u-bit pair %d: addresses share %u bits, "
				 "pseudonyms %u", nbits, pair, want, got);
			bad++;
		}
	}
}

TEST(cryptopan_bijection_on_a_slash16)
{
	struct vgi_cpan c;
	uint8_t *hit = calloc(1u << 16, 1);
	uint32_t i, base = 0xC6330000u, first = 0;
	int dup = 0;
	CHECK(hit != NULL);
	if (!hit)
		return;
	make_key(&c);
	for (i = 0; i < (1u << 16); i++) {
		uint32_t p = vgi_cpan_ip4(&c, base + i);
		if (i == 0)
			first = p & 0xffff0000u;
		/* the /16 maps onto one /16, each address onto its own */
		CHECK((p & 0xffff0000u) == first);
		if (hit[p & 0xffff]++)
			dup++;
	}
	CHECK_EQ_INT(dup, 0);
	free(hit);
}

TEST(cryptopan_keys_differ)
{
	struct vgi_cpan c1, c2;
	uint32_t a, same = 0;
	make_key(&c1);
	make_key(&c2);
	for (a = 0; a < 1000; a++)
		same += vgi_cpan_ip4(&c1, 0x0a000000u + a * 7919u) ==
			vgi_cpan_ip4(&c2, 0x0a000000u + a * 7919u);
	CHECK(same < 5);
}
