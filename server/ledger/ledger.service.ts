import type { Db } from '../db/database.js';
import type { Clock } from '../platform/clock.js';
import { AppError, must } from '../platform/errors.js';
import { formatCheckpoint, openCheckpoint, signCheckpoint } from './checkpoint.js';
import { emptyRoot, leafHash, type HashSuite } from './hash.js';
import {
  assembleProof,
  consistencyProofPlan,
  frontierNodes,
  inclusionProofPlan,
  MerkleFrontier,
  nodeKey,
  nodeRange,
  planNodes,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
  type ProofPlan,
} from './merkle.js';
import * as repo from './ledger.repository.js';
import { verifierOf, type NoteSigner } from './signer.js';

/**
 * Perfect subtrees of fewer than 2^LOWEST_STORED_LEVEL leaves are not stored: a proof recomputes any of them from at
 * most 16 leaf hashes, read in the same statement as its stored nodes, while storing them would cost the sequencer
 * one more row per entry and verify one more row per entry to check. (Logs written before keep theirs; verify checks
 * whatever is stored.)
 */
export const LOWEST_STORED_LEVEL = 4;

/** One sequencer at a time across every server process: the holder of this advisory lock. */
const SEQUENCER_LOCK = 0x5742_4c47; // "WBLG"

export interface LedgerConfig {
  origin: string;
  suite: HashSuite;
  signer: NoteSigner;
  /** Entries integrated per sequencer transaction. */
  batchSize?: number;
}

/**
 * The traceability ledger (M§33): the sequencer that turns queued entries into leaves of an RFC 9162 Merkle tree,
 * the signed checkpoints published over it, and the proofs anyone can check against them.
 */
export function createLedgerService(deps: { db: Db; clock: Clock; config: LedgerConfig }) {
  const { db, clock } = deps;
  const { origin, suite, signer } = deps.config;
  const batchSize = deps.config.batchSize ?? 5000;
  const verifier = verifierOf(signer);

  /** The log's identity never changes once written: checked once per process, not before every batch. */
  let identityChecked = false;
  async function assertLogIdentity() {
    if (identityChecked) return;
    const meta = await repo.findMeta(db);
    if (meta && (meta.origin !== origin || meta.hash_suite !== suite))
      throw new Error(`This database holds the ledger ${meta.origin} (${meta.hash_suite}); configured: ${origin} (${suite})`);
    if (!meta) await repo.insertMetaOnce(db, origin, suite, clock.now());
    else identityChecked = true;
  }

  /**
   * Integrates one batch of queued entries, in one transaction: leaves with consecutive indexes, every perfect
   * subtree they complete, and the new tree head. Killed at any point, the transaction leaves nothing behind and
   * the next run takes the same entries again — nothing lost, nothing twice. Returns 0 when another process leads.
   *
   * The entries are read by binary COPY and hashed as they arrive; the move from queue to leaves is one statement
   * that copies the entry bytes inside the server, so each entry crosses the wire once, not three times.
   */
  async function integrateBatch(): Promise<{ integrated: number; treeSize: number; leader: boolean }> {
    return db.transaction().execute(async (trx) => {
      if (!(await repo.tryLeaderLock(trx, SEQUENCER_LOCK))) return { integrated: 0, treeSize: -1, leader: false };
      const head = await repo.latestTreeHead(trx);
      const frontier = new MerkleFrontier(suite, head?.tree_size ?? 0, head?.frontier ?? []);
      const firstIndex = frontier.size;
      const seqs: number[] = [];
      const leafHashes: Buffer[] = [];
      const levels: number[] = [];
      const indexes: number[] = [];
      const nodeHashes: Buffer[] = [];
      const onNode = (node: NodeId, h: Buffer) => {
        if (node.level < LOWEST_STORED_LEVEL) return;
        levels.push(node.level);
        indexes.push(node.index);
        nodeHashes.push(h);
      };
      await repo.streamQueued(trx, batchSize, (seq, buf, start, end) => {
        const hash = leafHash(suite, buf.subarray(start, end));
        seqs.push(seq);
        leafHashes.push(hash);
        frontier.append(hash, onNode);
      });
      if (seqs.length === 0) return { integrated: 0, treeSize: frontier.size, leader: true };
      const now = clock.now();
      const moved = await repo.moveQueuedToLeaves(trx, seqs, firstIndex, Buffer.concat(leafHashes), now);
      // Only this leader deletes from the queue, so every entry read is still there; were one not, the leaf
      // indexes after it would be wrong, and the whole batch is rolled back instead.
      if (moved !== seqs.length) throw new Error(`ledger sequencer: ${seqs.length} entries read, ${moved} moved; batch rolled back`);
      await repo.insertNodes(trx, levels, indexes, Buffer.concat(nodeHashes));
      await repo.insertTreeHead(trx, {
        tree_size: frontier.size,
        root_hash: frontier.root(),
        frontier: frontier.frontier,
        integrated_at: now,
      });
      return { integrated: seqs.length, treeSize: frontier.size, leader: true };
    });
  }

  /** Integrates until the queue is empty (or another process leads). */
  async function integratePending(): Promise<number> {
    await assertLogIdentity();
    let total = 0;
    for (;;) {
      const r = await integrateBatch();
      total += r.integrated;
      if (!r.leader || r.integrated < batchSize) return total;
    }
  }

  /**
   * The proof a plan describes; `alsoRead` are more nodes read in the same round trip, returned beside it. Subtrees
   * below LOWEST_STORED_LEVEL are folded from their leaf hashes, read in that same round trip.
   */
  async function proofFromPlan(plan: ProofPlan, alsoRead: NodeId[] = []): Promise<{ proof: Buffer[]; hashes: Map<string, Buffer> }> {
    const wanted = [...planNodes(plan), ...alsoRead];
    const folded = wanted.filter((n) => n.level > 0 && n.level < LOWEST_STORED_LEVEL);
    const leavesBelow = folded.flatMap((n) => {
      const { start, end } = nodeRange(n);
      return Array.from({ length: end - start }, (_, i) => ({ level: 0, index: start + i }));
    });
    const hashes = await repo.nodeHashes(db, [...wanted.filter((n) => n.level === 0 || n.level >= LOWEST_STORED_LEVEL), ...leavesBelow]);
    for (const n of folded) {
      const { start, end } = nodeRange(n);
      const leaves = Array.from({ length: end - start }, (_, i) => hashes.get(`0:${start + i}`));
      if (leaves.every((h) => h)) hashes.set(nodeKey(n), rootFromLeafHashes(suite, leaves as Buffer[]));
    }
    return { proof: assembleProof(suite, plan, (n) => hashes.get(nodeKey(n))), hashes };
  }

  /** Roots never change once computed: a tree of a given size has one root for ever. */
  const roots = new Map<number, Buffer>();

  /** The root of the first `size` leaves: a stored tree head, or folded from the perfect subtrees that make it. */
  async function rootAt(size: number): Promise<Buffer> {
    const known = roots.get(size);
    if (known) return known;
    const root = await computeRootAt(size);
    if (roots.size > 10_000) roots.clear();
    roots.set(size, root);
    return root;
  }

  async function computeRootAt(size: number): Promise<Buffer> {
    if (size === 0) return emptyRoot(suite);
    const head = await repo.treeHeadAt(db, size);
    if (head) return head.root_hash;
    const latest = await repo.latestTreeHead(db);
    if (!latest || latest.tree_size < size) throw new AppError('NOT_FOUND', `The tree has not reached size ${size}`);
    return must((await proofFromPlan([frontierNodes(size)])).proof[0], `the root of size ${size}`);
  }

  /**
   * Signs and publishes a checkpoint of the newest tree head — only after proving the new tree consistent with
   * the last published checkpoint, so a rewritten history is never signed.
   */
  async function publishCheckpoint(): Promise<{ treeSize: number; note: string; published: boolean }> {
    await assertLogIdentity();
    const head = await repo.latestTreeHead(db);
    const last = await repo.latestCheckpoint(db);
    if (!head || (last && last.tree_size >= head.tree_size)) {
      if (last) return { treeSize: last.tree_size, note: last.note, published: false };
      const note = signCheckpoint({ origin, size: 0, rootHash: emptyRoot(suite) }, signer);
      await repo.insertCheckpoint(db, { tree_size: 0, note, published_at: clock.now() });
      return { treeSize: 0, note, published: true };
    }
    if (last && last.tree_size > 0) {
      const previous = openCheckpoint(last.note, [verifier], { origin }).checkpoint;
      const { proof } = await proofFromPlan(consistencyProofPlan(last.tree_size, head.tree_size));
      if (!verifyConsistency(suite, last.tree_size, head.tree_size, proof, previous.rootHash, head.root_hash))
        throw new Error(`Tree of size ${head.tree_size} is not consistent with the checkpoint of size ${last.tree_size}: refusing to sign`);
    }
    const note = signCheckpoint({ origin, size: head.tree_size, rootHash: head.root_hash }, signer);
    await repo.insertCheckpoint(db, { tree_size: head.tree_size, note, published_at: clock.now() });
    return { treeSize: head.tree_size, note, published: true };
  }

  async function latestCheckpoint(): Promise<{ treeSize: number; note: string; publishedAt: Date }> {
    const c = await repo.latestCheckpoint(db);
    if (!c) throw new AppError('NOT_FOUND', 'No checkpoint has been published yet');
    return { treeSize: c.tree_size, note: c.note, publishedAt: c.published_at };
  }

  /** A proof can only be asked of a tree the log has grown to: a larger size is the caller's mistake, not ours. */
  async function assertTreeSizeKnown(size: number): Promise<void> {
    const head = await repo.latestTreeHead(db);
    const grown = head?.tree_size ?? 0;
    if (size > grown) throw new AppError('NOT_FOUND', `The log has ${grown} entries; there is no tree of size ${size}`);
  }

  /** Inclusion proof of leaf `index` in the tree of `treeSize` leaves (default: the latest checkpoint's). */
  async function inclusionProof(index: number, treeSize?: number) {
    const size = treeSize ?? (await latestCheckpoint()).treeSize;
    await assertTreeSizeKnown(size);
    if (!(index >= 0 && index < size)) throw new AppError('NOT_FOUND', `No leaf ${index} in a tree of size ${size}`);
    const [{ proof, hashes }, root] = await Promise.all([
      proofFromPlan(inclusionProofPlan(index, size), [{ level: 0, index }]),
      rootAt(size),
    ]);
    const hash = must(hashes.get(`0:${index}`), `the hash of leaf ${index}`);
    // Never hand out a proof that does not verify: that would be a corrupted store.
    if (!verifyInclusion(suite, hash, index, size, proof, root)) throw new Error(`Stored tree is corrupt around leaf ${index}`);
    return { index, treeSize: size, leafHash: hash, proof, root };
  }

  async function consistencyProof(from: number, to: number) {
    if (!(from >= 0 && from <= to)) throw new AppError('VALIDATION_FAILED', 'Needs 0 ≤ from ≤ to');
    await assertTreeSizeKnown(to);
    const [{ proof }, rootFrom, rootTo] = await Promise.all([proofFromPlan(consistencyProofPlan(from, to)), rootAt(from), rootAt(to)]);
    return { from, to, proof, rootFrom, rootTo };
  }

  return {
    origin,
    suite,
    verifier,
    integrateBatch,
    integratePending,
    publishCheckpoint,
    latestCheckpoint,
    inclusionProof,
    consistencyProof,
    /** The sequenced leaf of an event about a subject (e.g. a policy's issuance), once sequenced. */
    leafOfEvent: (subject: { type: string; id: string }, type: string) => repo.findLeafOfEvent(db, subject, type),
    /** The checkpoint body the note signs, for tests and tools. */
    formatBody: (size: number, root: Buffer) => formatCheckpoint({ origin, size, rootHash: root }),
  };
}
export type LedgerService = ReturnType<typeof createLedgerService>;
