/**
 * Hash suites of the traceability ledger and the RFC 6962 / RFC 9162 §2.1.1 tree hashing:
 * leaf hash `H(0x00 ‖ entry)`, interior node hash `H(0x01 ‖ left ‖ right)`, empty tree `H("")`.
 *
 * Pure and dependency-free (node:crypto only), so the standalone bundle verifier can import it without
 * server code. Hashes are Buffers end to end: hex only at the edges (JSON, logs), never in hot paths.
 */
import crypto from 'node:crypto';

/** One hash suite per log: SHA-256 (default) or SM3 (GB/T 32905). Both give 32-byte digests. */
export type HashSuite = 'sha256' | 'sm3';

export const HASH_SUITES: readonly HashSuite[] = ['sha256', 'sm3'];

/** Digest length in bytes of every suite. */
export const HASH_SIZE = 32;

export function isHashSuite(value: unknown): value is HashSuite {
  return value === 'sha256' || value === 'sm3';
}

/** Throws unless `suite` is a supported hash suite (guards values read from config, bundles or the database). */
export function assertHashSuite(suite: unknown): asserts suite is HashSuite {
  if (!isHashSuite(suite)) throw new TypeError(`unknown hash suite ${JSON.stringify(suite)}: expected 'sha256' or 'sm3'`);
}

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
const EMPTY = Buffer.alloc(0);

// crypto.hash (Node ≥ 20.12 / 21.7) is a one-shot digest about 25% faster than createHash().update().digest()
// for 65-byte inputs; fall back on createHash where it is missing.
type OneShot = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;
const oneShot: OneShot | undefined =
  typeof (crypto as { hash?: unknown }).hash === 'function' ? (crypto.hash as unknown as OneShot) : undefined;

function digestOf(suite: HashSuite, data: Uint8Array): Buffer {
  return oneShot ? oneShot(suite, data, 'buffer') : crypto.createHash(suite).update(data).digest();
}

/** The plain digest of `data` under the suite (no domain prefix). */
export function digest(suite: HashSuite, data: Uint8Array): Buffer {
  assertHashSuite(suite);
  return digestOf(suite, data);
}

/** RFC 9162 §2.1.1: the hash of an empty tree, `H("")`. */
export function emptyRoot(suite: HashSuite): Buffer {
  assertHashSuite(suite);
  return digestOf(suite, EMPTY);
}

/** RFC 9162 §2.1.1: the leaf hash `H(0x00 ‖ entry)` of the exact entry bytes. */
export function leafHash(suite: HashSuite, entry: Uint8Array): Buffer {
  assertHashSuite(suite);
  const buf = Buffer.allocUnsafe(entry.length + 1);
  buf[0] = LEAF_PREFIX;
  buf.set(entry, 1);
  return digestOf(suite, buf);
}

// One scratch buffer per module for node hashing: JavaScript is single-threaded and digestOf copies nothing
// out of it after returning, so reuse is safe and saves an allocation per node.
const scratch = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
scratch[0] = NODE_PREFIX;

/** RFC 9162 §2.1.1: the interior node hash `H(0x01 ‖ left ‖ right)`. Both children must be 32 bytes. */
export function nodeHash(suite: HashSuite, left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new RangeError(`node children must be ${HASH_SIZE}-byte hashes (got ${left.length} and ${right.length} bytes)`);
  }
  assertHashSuite(suite);
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_SIZE);
  return digestOf(suite, scratch);
}

/** Hex of a hash, for JSON and messages. */
export function toHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}

/** A hash from hex; throws unless it is exactly 32 bytes of lower- or upper-case hex. */
export function fromHex(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new RangeError(`expected ${HASH_SIZE * 2} hex digits, got ${JSON.stringify(hex)}`);
  return Buffer.from(hex, 'hex');
}
