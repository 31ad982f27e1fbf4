// cryptopan.js - a second Crypto-PAn, for the test only: written from the
// paper (Xu, Fan, Ammar, Moon, ICNP 2002) in JavaScript on Node's AES
// (OpenSSL), sharing no code with lib/core/cryptopan.c. Bit i of the
// pseudonym of an n-bit address is bit i of the address XOR the first bit
// of AES-128(the address's first i bits, then the pad's bits i..127), the
// pad being the key's last 16 bytes encrypted under its first 16.
// usage: node cryptopan.js KEYHEX < addresses > "address<TAB>pseudonym" lines
'use strict';
const crypto = require('crypto');
const fs = require('fs');

const key = Buffer.from(fs.readFileSync(process.argv[2], 'utf8').trim(), 'hex');
if (key.length !== 32) throw new Error('key: 32 bytes');
const aes = (block) => {
  const c = crypto.createCipheriv('aes-128-ecb', key.subarray(0, 16), null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
};
const pad = aes(key.subarray(16, 32));
// the pad as a BigInt of 128 bits
const padInt = BigInt('0x' + pad.toString('hex'));

function anon(addr, bits) {
  // addr: BigInt of `bits` bits, placed at the top of 128
  const a = addr << BigInt(128 - bits);
  let out = 0n;
  for (let i = 0; i < bits; i++) {
    const keepMask = i === 0 ? 0n : ((1n << BigInt(i)) - 1n) << BigInt(128 - i);
    const block = (a & keepMask) | (padInt & ~keepMask & ((1n << 128n) - 1n));
    const hex = block.toString(16).padStart(32, '0');
    const first = aes(Buffer.from(hex, 'hex'))[0] >> 7;
    const bit = (addr >> BigInt(bits - 1 - i)) & 1n;
    out = (out << 1n) | (BigInt(first) ^ bit);
  }
  return out;
}

function parse6(s) {
  let [head, tail] = s.includes('::') ? s.split('::') : [s, null];
  const h = head ? head.split(':') : [];
  const t = tail === null ? [] : (tail ? tail.split(':') : []);
  const groups = tail === null ? h : h.concat(Array(8 - h.length - t.length).fill('0'), t);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
function fmt6(v) {
  const g = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(16 * i)) & 0xffffn));
  // the longest run of zero groups (2 or more) becomes '::' (RFC 5952)
  let best = -1, len = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i; while (j < 8 && g[j] === 0) j++;
    if (j - i > len && j - i >= 2) { best = i; len = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + len).join(':');
}

const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
for (const l of lines) {
  const s = l.trim();
  if (s.includes(':')) {
    console.log(s + '\t' + fmt6(anon(parse6(s), 128)));
  } else {
    const v = s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
    const p = anon(v, 32);
    console.log(s + '\t' + [24n, 16n, 8n, 0n].map((k) => (p >> k) & 255n).join('.'));
  }
}
