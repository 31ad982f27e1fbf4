/*
 * cryptopan.c - Crypto-PAn over AES-128 from nettle (cryptopan.h).
 *
 * One AES block per address bit: 32 for IPv4, 128 for IPv6. The block of
 * step i is the pad with its first i bits replaced by the address's, so
 * each step changes one bit of the block of the step before.
 */
#include <string.h>

#include "core/cryptopan.h"

void vgi_cpan_init(struct vgi_cpan *c, const uint8_t key[32])
{
	aes128_set_encrypt_key(&c->aes, key);
	aes128_encrypt(&c->aes, 16, c->pad, key + 16);
}

void vgi_cpan_bits(const struct vgi_cpan *c, const uint8_t *in, unsigned nbits, uint8_t *out)
{
	uint8_t blk[16], enc[16];
	unsigned i;
	if (nbits > 128)
		nbits = 128;
	memcpy(blk, c->pad, sizeof blk);
	memset(out, 0, (nbits + 7) / 8);
	for (i = 0; i < nbits; i++) {
		unsigned byte = i / 8;
		uint8_t mask = (uint8_t)(0x80u >> (i % 8));
		aes128_encrypt(&c->aes, 16, enc, blk);
		if (((enc[0] & 0x80) != 0) != ((in[byte] & mask) != 0))
			out[byte] |= mask;
		/* the next step sees this bit of the address, not of the pad */
		blk[byte] = (uint8_t)((blk[byte] & ~mask) | (in[byte] & mask));
	}
}

uint32_t vgi_cpan_ip4(const struct vgi_cpan *c, uint32_t addr)
{
	uint8_t in[4], out[4];
	in[0] = (uint8_t)(addr >> 24);
	in[1] = (uint8_t)(addr >> 16);
	in[2] = (uint8_t)(addr >> 8);
	in[3] = (uint8_t)addr;
	vgi_cpan_bits(c, in, 32, out);
	return (uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 | (uint32_t)out[2] << 8 | out[3];
}
