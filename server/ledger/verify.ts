import type { Db } from '../db/database.js';
import { sha256Hex } from '../platform/text-versions.js';
import { openCheckpoint } from './checkpoint.js';
import { leafHash, type HashSuite } from './hash.js';
import { MerkleFrontier, nodeKey } from './merkle.js';
import { nodeHashesInRanges } from './ledger.repository.js';
import { shownTextVersion } from './entry.js';
import type { NoteVerifier } from './signer.js';

export interface VerifyProblem {
  kind: 'entry' | 'node' | 'tree_head' | 'checkpoint' | 'snapshot' | 'meta';
  /** Leaf index, tree size, or text version id: what is wrong, named so a person can find it. */
  at: string;
  /** The business record the bad entry belongs to, for entries. */
  ref?: string;
  message: string;
}

/** The stored hashes of the nodes a batch completed: one range scan per level, not one lookup per node. */
async function storedNodesLike(db: Db, computed: Map<string, Buffer>): Promise<Map<string, Buffer>> {
  const ranges = new Map<number, { from: number; to: number }>();
  for (const k of computed.keys()) {
    const [level, index] = k.split(':').map(Number) as [number, number];
    const r = ranges.get(level);
    if (!r) ranges.set(level, { from: index, to: index });
    else {
      r.from = Math.min(r.from, index);
      r.to = Math.max(r.to, index);
    }
  }
  return nodeHashesInRanges(db, [...ranges].map(([level, r]) => ({ level, ...r })));
}

export interface VerifyReport {
  ok: boolean;
  treeSize: number;
  entries: number;
  checkpoints: number;
  snapshots: number;
  problems: VerifyProblem[];
}

/**
 * Recomputes the whole tree from the stored entry bytes and checks everything stored against it: each leaf hash,
 * each perfect-subtree hash, each tree head's root and frontier, each checkpoint's signature and root, and each
 * page snapshot's content hash. Reads in batches, so a million entries need little memory. Never trusts a stored
 * hash it can recompute.
 */
export async function verifyLedger(
  db: Db,
  opts: { suite: HashSuite; origin: string; verifier: NoteVerifier; batch?: number; onProgress?: (done: number, total: number) => void },
): Promise<VerifyReport> {
  const { suite } = opts;
  const batch = opts.batch ?? 10_000;
  const problems: VerifyProblem[] = [];
  const meta = await db.selectFrom('ledger_meta').selectAll().executeTakeFirst();
  if (meta && (meta.hash_suite !== suite || meta.origin !== opts.origin))
    problems.push({ kind: 'meta', at: 'ledger_meta', message: `log is ${meta.origin} (${meta.hash_suite}), expected ${opts.origin} (${suite})` });

  const total = Number((await db.selectFrom('ledger_leaves').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const heads = await db.selectFrom('ledger_tree_heads').selectAll().orderBy('tree_size').execute();
  const checkpoints = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('tree_size').execute();
  const rootsWanted = new Set<number>([...heads.map((h) => h.tree_size), ...checkpoints.map((c) => c.tree_size)]);
  const roots = new Map<number, Buffer>();
  const frontiers = new Map<number, Buffer[]>();

  const frontier = new MerkleFrontier(suite);
  if (rootsWanted.has(0)) roots.set(0, frontier.root());
  const computedNodes = new Map<string, Buffer>();
  // The content hash each entry says its page had, to hold every snapshot to what the signed log recorded.
  const shownHashes = new Map<string, { hash: string; leaf: number }>();
  const maxIndex = total ? Number((await db.selectFrom('ledger_leaves').select((eb) => eb.fn.max('leaf_index').as('m')).executeTakeFirstOrThrow()).m) : -1;
  const fetchLeaves = (from: number) =>
    db.selectFrom('ledger_leaves').select(['leaf_index', 'entry', 'leaf_hash']).where('leaf_index', '>=', from).where('leaf_index', '<', from + batch).orderBy('leaf_index').execute();
  /** Compares one batch's completed subtrees with the stored ones. */
  const checkNodes = async (computed: Map<string, Buffer>) => {
    const storedMap = await storedNodesLike(db, computed);
    for (const [k, hash] of computed) {
      const stored = storedMap.get(k);
      if (!stored || !stored.equals(hash)) problems.push({ kind: 'node', at: `node ${k}`, message: stored ? 'stored subtree hash differs from the recomputed one' : 'stored subtree hash is missing' });
    }
  };
  const badEntries: number[] = [];
  let next = 0;
  // Pipelined: the next batch of leaves and this batch's stored subtrees are read while this batch is hashed.
  let pendingLeaves = maxIndex >= 0 ? fetchLeaves(0) : Promise.resolve([]);
  let pendingNodes: Promise<void> = Promise.resolve();
  for (let from = 0; from <= maxIndex; from += batch) {
    const rows = await pendingLeaves;
    if (from + batch <= maxIndex) pendingLeaves = fetchLeaves(from + batch);
    for (const r of rows) {
      if (r.leaf_index !== next) {
        problems.push({ kind: 'entry', at: `leaf ${next}`, message: `leaves ${next} to ${r.leaf_index - 1} are missing` });
        next = r.leaf_index;
      }
      let h = leafHash(suite, r.entry);
      if (!h.equals(r.leaf_hash)) {
        badEntries.push(problems.length);
        problems.push({ kind: 'entry', at: `leaf ${r.leaf_index}`, message: 'entry bytes do not hash to the stored leaf hash' });
        // Go on with the stored hash: the rest of the tree is then checked on its own, and one altered entry is
        // reported once instead of as every subtree, head and checkpoint above it. (Were the stored leaf hash
        // altered too, the subtree above it no longer matches and is reported as a node.)
        h = r.leaf_hash;
      }
      const shown = shownTextVersion(r.entry);
      if (shown && !shownHashes.has(shown.id)) shownHashes.set(shown.id, { hash: shown.contentHash, leaf: r.leaf_index });
      frontier.append(h, (node, hash) => {
        if (node.level > 0) computedNodes.set(nodeKey(node), hash);
      });
      next++;
      if (rootsWanted.has(frontier.size)) {
        roots.set(frontier.size, frontier.root());
        frontiers.set(frontier.size, frontier.frontier);
      }
    }
    await pendingNodes;
    if (computedNodes.size) pendingNodes = checkNodes(new Map(computedNodes));
    computedNodes.clear();
    opts.onProgress?.(next, total);
  }
  await pendingNodes;
  // Name the business record of each bad entry: read only for the few that failed.
  if (badEntries.length) {
    const indexes = badEntries.map((i) => Number(problems[i]!.at.slice('leaf '.length)));
    const refs = await db.selectFrom('ledger_leaves').select(['leaf_index', 'ref_type', 'ref_id']).where('leaf_index', 'in', indexes).execute();
    const byIndex = new Map(refs.map((r) => [r.leaf_index, `${r.ref_type}:${r.ref_id}`]));
    for (const i of badEntries) problems[i]!.ref = byIndex.get(Number(problems[i]!.at.slice('leaf '.length)));
  }

  for (const h of heads) {
    const root = roots.get(h.tree_size);
    if (!root) problems.push({ kind: 'tree_head', at: `size ${h.tree_size}`, message: 'tree head is larger than the stored leaves' });
    else if (!root.equals(h.root_hash)) problems.push({ kind: 'tree_head', at: `size ${h.tree_size}`, message: 'stored root differs from the recomputed root' });
    else if (frontiers.has(h.tree_size) && !frontiers.get(h.tree_size)!.every((f, i) => h.frontier[i]?.equals(f)))
      problems.push({ kind: 'tree_head', at: `size ${h.tree_size}`, message: 'stored frontier differs from the recomputed one' });
  }
  for (const c of checkpoints) {
    try {
      const { checkpoint } = openCheckpoint(c.note, [opts.verifier], { origin: opts.origin });
      const root = roots.get(checkpoint.size);
      if (checkpoint.size !== c.tree_size) problems.push({ kind: 'checkpoint', at: `size ${c.tree_size}`, message: `note says size ${checkpoint.size}` });
      else if (!root || !root.equals(checkpoint.rootHash)) problems.push({ kind: 'checkpoint', at: `size ${c.tree_size}`, message: 'signed root differs from the recomputed root' });
    } catch (e) {
      problems.push({ kind: 'checkpoint', at: `size ${c.tree_size}`, message: `signature or format: ${(e as Error).message}` });
    }
  }

  // Page snapshots: each shown text must still hash to the content hash its entries carry.
  let snapshots = 0;
  let after = '';
  for (;;) {
    const rows = await db.selectFrom('text_versions').select(['id', 'title', 'content', 'content_hash']).where('id', '>', after).orderBy('id').limit(batch).execute();
    if (rows.length === 0) break;
    for (const t of rows) {
      snapshots++;
      const actual = sha256Hex(`${t.title}\n\n${t.content}`);
      const logged = shownHashes.get(t.id);
      if (actual !== t.content_hash) problems.push({ kind: 'snapshot', at: t.id, message: 'snapshot content does not match its content hash' });
      else if (logged && logged.hash !== actual)
        problems.push({ kind: 'snapshot', at: t.id, message: `snapshot differs from the content hash logged at leaf ${logged.leaf}` });
    }
    after = rows.at(-1)!.id;
  }

  return { ok: problems.length === 0, treeSize: next, entries: total, checkpoints: checkpoints.length, snapshots, problems };
}
