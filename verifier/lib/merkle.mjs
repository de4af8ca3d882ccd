// @ts-check
/**
 * RFC 9162 §2.1.3.2: verifying an inclusion proof, transcribed step by step from the RFC.
 */
import { HASH_BYTES, nodeHash } from './hash.mjs';

/**
 * Why an inclusion proof failed: 'shape' (the proof has the wrong number of hashes for this index and tree size,
 * or the index is outside the tree) or 'root' (the proof leads to a different root).
 * @typedef {{ ok: true } | { ok: false, reason: 'index' | 'shape' | 'root', detail: string, computed?: Buffer }} InclusionResult
 */

/**
 * @param {import('./hash.mjs').HashSuite} suite
 * @param {Uint8Array} leaf the leaf hash H(0x00 ‖ entry)
 * @param {number} index leaf_index
 * @param {number} treeSize tree_size
 * @param {readonly Uint8Array[]} proof inclusion_path
 * @param {Uint8Array} root the root hash of the checkpoint
 * @returns {InclusionResult}
 */
export function verifyInclusion(suite, leaf, index, treeSize, proof, root) {
  // 1. Compare leaf_index against tree_size. If leaf_index is greater than or equal to tree_size, then fail.
  if (!(index < treeSize)) return { ok: false, reason: 'index', detail: `leaf index ${index} is not below the tree size ${treeSize}` };
  for (const p of proof) if (p.length !== HASH_BYTES) return { ok: false, reason: 'shape', detail: 'a proof hash is not 32 bytes' };
  // 2. Set fn to leaf_index and sn to tree_size - 1.
  let fn = index;
  let sn = treeSize - 1;
  // 3. Set r to hash.
  /** @type {Buffer} */
  let r = Buffer.from(leaf);
  // 4. For each value p in the inclusion_path array:
  for (const p of proof) {
    //  a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0)
      return {
        ok: false,
        reason: 'shape',
        detail: `the proof has ${proof.length} hashes, more than the path from leaf ${index} in a tree of ${treeSize}`,
      };
    //  b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (fn % 2 === 1 || fn === sn) {
      //  i. Set r to HASH(0x01 || p || r).
      r = nodeHash(suite, p, r);
      //  ii. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      //  Otherwise: Set r to HASH(0x01 || r || p).
      r = nodeHash(suite, r, p);
    }
    //  c. Finally, right-shift both fn and sn one time.
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the root_hash are equal,
  //    then the log has proven the inclusion of hash. Otherwise, fail the proof verification.
  if (sn !== 0)
    return {
      ok: false,
      reason: 'shape',
      detail: `the proof has ${proof.length} hashes, fewer than the path from leaf ${index} in a tree of ${treeSize}`,
    };
  if (!r.equals(root)) return { ok: false, reason: 'root', detail: 'the proof leads to a different root than the checkpoint', computed: r };
  return { ok: true };
}
