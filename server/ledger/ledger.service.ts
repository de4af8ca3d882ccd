import type { Db } from '../db/database.js';
import type { Clock } from '../platform/clock.js';
import { AppError } from '../platform/errors.js';
import { formatCheckpoint, openCheckpoint, signCheckpoint } from './checkpoint.js';
import { emptyRoot, leafHash, type HashSuite } from './hash.js';
import {
  assembleProof,
  consistencyProofPlan,
  frontierNodes,
  inclusionProofPlan,
  MerkleFrontier,
  nodeKey,
  planNodes,
  verifyConsistency,
  verifyInclusion,
  type ProofPlan,
} from './merkle.js';
import * as repo from './ledger.repository.js';
import { verifierOf, type NoteSigner } from './signer.js';

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

  async function assertLogIdentity() {
    const meta = await repo.findMeta(db);
    if (meta && (meta.origin !== origin || meta.hash_suite !== suite))
      throw new Error(`This database holds the ledger ${meta.origin} (${meta.hash_suite}); configured: ${origin} (${suite})`);
    if (!meta) await repo.insertMetaOnce(db, origin, suite, clock.now());
  }

  /**
   * Integrates one batch of queued entries, in one transaction: leaves with consecutive indexes, every perfect
   * subtree they complete, and the new tree head. Killed at any point, the transaction leaves nothing behind and
   * the next run takes the same entries again — nothing lost, nothing twice. Returns 0 when another process leads.
   */
  async function integrateBatch(): Promise<{ integrated: number; treeSize: number; leader: boolean }> {
    return db.transaction().execute(async (trx) => {
      if (!(await repo.tryLeaderLock(trx, SEQUENCER_LOCK))) return { integrated: 0, treeSize: -1, leader: false };
      const head = await repo.latestTreeHead(trx);
      const queued = await repo.nextQueued(trx, batchSize);
      if (queued.length === 0) return { integrated: 0, treeSize: head?.tree_size ?? 0, leader: true };
      const frontier = new MerkleFrontier(suite, head?.tree_size ?? 0, head?.frontier ?? []);
      const now = clock.now();
      const nodes: Array<{ level: number; idx: number; hash: Buffer }> = [];
      const leaves = queued.map((q) => {
        const hash = leafHash(suite, q.entry);
        const index = frontier.append(hash, (node, h) => {
          if (node.level > 0) nodes.push({ level: node.level, idx: node.index, hash: h });
        });
        return { leaf_index: index, entry_id: q.entry_id, entry: q.entry, leaf_hash: hash, ref_type: q.ref_type, ref_id: q.ref_id, queued_at: q.queued_at, sequenced_at: now };
      });
      await repo.insertLeaves(trx, leaves);
      await repo.insertNodes(trx, nodes);
      await repo.insertTreeHead(trx, { tree_size: frontier.size, root_hash: frontier.root(), frontier: frontier.frontier, integrated_at: now });
      await repo.deleteQueued(trx, queued.map((q) => q.seq));
      return { integrated: queued.length, treeSize: frontier.size, leader: true };
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

  async function proofFromPlan(plan: ProofPlan): Promise<Buffer[]> {
    const hashes = await repo.nodeHashes(db, planNodes(plan));
    return assembleProof(suite, plan, (n) => hashes.get(nodeKey(n)));
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
    return (await proofFromPlan([frontierNodes(size)]))[0]!;
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
      const proof = await proofFromPlan(consistencyProofPlan(last.tree_size, head.tree_size));
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

  /** Inclusion proof of leaf `index` in the tree of `treeSize` leaves (default: the latest checkpoint's). */
  async function inclusionProof(index: number, treeSize?: number) {
    const size = treeSize ?? (await latestCheckpoint()).treeSize;
    if (!(index >= 0 && index < size)) throw new AppError('NOT_FOUND', `No leaf ${index} in a tree of size ${size}`);
    const [proof, root, leaf] = await Promise.all([proofFromPlan(inclusionProofPlan(index, size)), rootAt(size), repo.nodeHashes(db, [{ level: 0, index }])]);
    const hash = leaf.get(`0:${index}`)!;
    // Never hand out a proof that does not verify: that would be a corrupted store.
    if (!verifyInclusion(suite, hash, index, size, proof, root)) throw new Error(`Stored tree is corrupt around leaf ${index}`);
    return { index, treeSize: size, leafHash: hash, proof, root };
  }

  async function consistencyProof(from: number, to: number) {
    if (!(from >= 0 && from <= to)) throw new AppError('VALIDATION_FAILED', 'Needs 0 ≤ from ≤ to');
    const [proof, rootFrom, rootTo] = await Promise.all([proofFromPlan(consistencyProofPlan(from, to)), rootAt(from), rootAt(to)]);
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
    /** The checkpoint body the note signs, for tests and tools. */
    formatBody: (size: number, root: Buffer) => formatCheckpoint({ origin, size, rootHash: root }),
  };
}
export type LedgerService = ReturnType<typeof createLedgerService>;
