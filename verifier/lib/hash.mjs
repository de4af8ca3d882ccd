// @ts-check
/**
 * RFC 9162 §2.1.1 tree hashing, independent of the server: leaf `H(0x00 ‖ entry)`, node `H(0x01 ‖ left ‖ right)`,
 * with H = SHA-256 or SM3 (GB/T 32905, through Node's OpenSSL). node:crypto only.
 */
import { createHash, getHashes } from 'node:crypto';

/** @typedef {'sha256' | 'sm3'} HashSuite */

export const HASH_BYTES = 32;

/** @param {unknown} v @returns {v is HashSuite} */
export function isHashSuite(v) {
  return v === 'sha256' || v === 'sm3';
}

/** True when this Node.js build can compute SM3 (OpenSSL with SM3; stock Node 20+ builds have it). */
export function hasSm3() {
  return getHashes().includes('sm3');
}

/** @param {HashSuite} suite @param {...Uint8Array} parts @returns {Buffer} */
export function digest(suite, ...parts) {
  const h = createHash(suite);
  for (const p of parts) h.update(p);
  return h.digest();
}

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

/** @param {HashSuite} suite @param {Uint8Array} entry */
export function leafHash(suite, entry) {
  return digest(suite, LEAF, entry);
}

/** @param {HashSuite} suite @param {Uint8Array} left @param {Uint8Array} right */
export function nodeHash(suite, left, right) {
  return digest(suite, NODE, left, right);
}
