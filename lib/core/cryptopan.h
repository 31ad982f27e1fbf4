/*
 * cryptopan.h - Crypto-PAn, prefix-preserving address pseudonymisation
 * (Xu, Fan, Ammar, Moon, "Prefix-Preserving IP Address Anonymization:
 * Measurement-based Security Evaluation and a New Cryptography-based
 * Scheme", ICNP 2002), for IPv4 and IPv6.
 *
 * With a 32-byte key K: the first 16 bytes are an AES-128 key, the last 16
 * are encrypted with it to make the pad P. Bit i of the pseudonym of an
 * n-bit address a (MSB first) is a_i XOR the first bit of AES(a_0..a_{i-1}
 * followed by P's bits i..127). Two addresses that share their first k
 * bits get pseudonyms that share their first k bits, and no more. IPv6 is
 * the same function over 128 bits (as in the reference implementation's
 * IPv4 case over 32).
 */
#ifndef VGI_CRYPTOPAN_H
#define VGI_CRYPTOPAN_H

#include <stdint.h>

#include <nettle/aes.h>

struct vgi_cpan {
	struct aes128_ctx aes;
	uint8_t pad[16];
};

void vgi_cpan_init(struct vgi_cpan *c, const uint8_t key[32]);
/* The pseudonym of the first nbits (1..128) of in, MSB first, into out
 * (the same number of bytes; bits past nbits are 0). */
void vgi_cpan_bits(const struct vgi_cpan *c, const uint8_t *in, unsigned nbits, uint8_t *out);
uint32_t vgi_cpan_ip4(const struct vgi_cpan *c, uint32_t addr);

#endif
