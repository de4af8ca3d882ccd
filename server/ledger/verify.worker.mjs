// @ts-check
/**
 * Hashing for `wangbao ledger verify`, off the thread that reads the database. A block is a run of consecutive
 * leaves starting on a multiple of 2^level (every block but the last has exactly 2^level leaves), so everything
 * inside it is a perfect subtree of the log: this thread computes the RFC 9162 §2.1.1 leaf hashes `H(0x00 ‖ entry)`,
 * compares each with the leaf hash stored beside it, and hashes every perfect node `H(0x01 ‖ left ‖ right)` inside
 * the block. The reading thread folds the block's top nodes into the tree, in log order, and checks what is stored.
 * Plain JavaScript with nothing but node:crypto: worker threads do not get the TypeScript loader under every runner.
 *
 * A block, as the reading thread packs it, is for each leaf: u32 entry length, one 0x00 byte, the entry bytes,
 * u8 stored hash length, the stored hash. The 0x00 before the entry is the leaf prefix, so an entry is hashed
 * where it lies, without a copy.
 *
 * In:  { id, suite: 'sha256' | 'sm3', level, block: ArrayBuffer, bytes: number, count: number }
 * Out: { id, nodes: ArrayBuffer, bad: number[] }. `nodes` holds level 0 (the leaf hashes: the stored one where the
 *      entry does not hash to it and it is 32 bytes, so that the rest of the tree is checked on its own), then level
 *      1, … up to `level`: at level l, the floor(count / 2^l) complete nodes, 32 bytes each. `bad` lists the
 *      positions whose entry does not hash to its stored leaf hash.
 */
import crypto from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const HASH_SIZE = 32;
/** @type {((algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer) | undefined} */
const oneShot = typeof (/** @type {any} */ (crypto).hash) === 'function' ? /** @type {any} */ (crypto).hash : undefined;

/** @param {string} suite @param {Uint8Array} data */
function digest(suite, data) {
  return oneShot ? oneShot(suite, data, 'buffer') : crypto.createHash(suite).update(data).digest();
}

/**
 * @param {'sha256' | 'sm3'} suite
 * @param {number} level
 * @param {Buffer} block
 * @param {number} count
 */
function hashBlock(suite, level, block, count) {
  let size = 0;
  for (let l = 0; l <= level; l++) size += Math.floor(count / 2 ** l) * HASH_SIZE;
  const nodes = Buffer.allocUnsafeSlow(size);
  /** @type {number[]} */
  const bad = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = block.readUInt32BE(at);
    const prefixed = block.subarray(at + 4, at + 5 + length);
    at += 5 + length;
    const storedLength = block[at];
    const storedAt = at + 1;
    at = storedAt + storedLength;
    const h = digest(suite, prefixed);
    if (storedLength === HASH_SIZE && h.compare(block, storedAt, at) === 0) h.copy(nodes, i * HASH_SIZE);
    else {
      bad.push(i);
      if (storedLength === HASH_SIZE) block.copy(nodes, i * HASH_SIZE, storedAt, at);
      else h.copy(nodes, i * HASH_SIZE);
    }
  }
  const pair = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
  pair[0] = 0x01;
  let below = 0;
  let here = count * HASH_SIZE;
  for (let l = 1; l <= level; l++) {
    const n = Math.floor(count / 2 ** l);
    for (let j = 0; j < n; j++) {
      nodes.copy(pair, 1, below + 2 * j * HASH_SIZE, below + (2 * j + 2) * HASH_SIZE);
      digest(suite, pair).copy(nodes, here + j * HASH_SIZE);
    }
    below = here;
    here += n * HASH_SIZE;
  }
  return { nodes, bad };
}

parentPort?.on(
  'message',
  (/** @type {{ id: number; suite: 'sha256' | 'sm3'; level: number; block: ArrayBuffer; bytes: number; count: number }} */ m) => {
    const { nodes, bad } = hashBlock(m.suite, m.level, Buffer.from(m.block, 0, m.bytes), m.count);
    const out = /** @type {ArrayBuffer} */ (nodes.buffer);
    parentPort?.postMessage({ id: m.id, nodes: out, bad }, [out]);
  },
);
