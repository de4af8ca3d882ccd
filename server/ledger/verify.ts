import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Db } from '../db/database.js';
import { must } from '../platform/errors.js';
import { sha256Hex } from '../platform/text-versions.js';
import { openCheckpoint } from './checkpoint.js';
import { assertHashSuite, HASH_SIZE, type HashSuite } from './hash.js';
import { frontierNodes, MerkleFrontier, type NodeId } from './merkle.js';
import { streamLeaves, streamNodes, type CopyFlow, type LeafView } from './ledger.repository.js';
import { shownTextVersion } from './entry.js';
import { LOWEST_STORED_LEVEL } from './ledger.service.js';
import type { NoteVerifier } from './signer.js';

export interface VerifyProblem {
  kind: 'entry' | 'node' | 'tree_head' | 'checkpoint' | 'snapshot' | 'meta';
  /** Leaf index, tree size, or text version id: what is wrong, named so a person can find it. */
  at: string;
  /** The business record the bad entry belongs to, for entries. */
  ref?: string;
  message: string;
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
 * As many hashing threads as cores (at least two, at most four): the reading thread waits on them and on the
 * server most of the time, so a thread per core lets the system keep every core busy; on 2 cores two measured
 * faster than one.
 */
export function defaultHashingThreads(): number {
  return Math.max(2, Math.min(availableParallelism(), 4));
}

/**
 * Threads that hash blocks of leaves and the perfect subtrees inside them (server/ledger/verify.worker.mjs) while
 * this one reads the database and folds their results into the tree, in log order.
 */
class BlockHashers {
  readonly #workers: Worker[] = [];
  readonly #waiting = new Map<number, { resolve: (r: HashedBlock) => void; reject: (e: unknown) => void }>();
  #sent = 0;

  constructor(threads: number) {
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(new URL('./verify.worker.mjs', import.meta.url));
      worker.on('message', (m: { id: number; nodes: ArrayBuffer; bad: number[] }) => {
        const w = this.#waiting.get(m.id);
        this.#waiting.delete(m.id);
        w?.resolve({ nodes: Buffer.from(m.nodes), bad: m.bad });
      });
      worker.on('error', (e) => this.#failAll(e));
      worker.on('exit', (code) => this.#failAll(new Error(`ledger hashing thread exited with code ${code}`)));
      this.#workers.push(worker);
    }
  }

  #failAll(e: unknown) {
    for (const w of this.#waiting.values()) w.reject(e);
    this.#waiting.clear();
  }

  /** Hashes a packed block; the block's memory moves to the thread. */
  hash(suite: HashSuite, level: number, block: LeafBlock): Promise<HashedBlock> {
    const id = this.#sent++;
    const worker = must(this.#workers[id % this.#workers.length], 'a hashing thread');
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, suite, level, block: block.buf.buffer, bytes: block.bytes, count: block.count }, [
        block.buf.buffer as ArrayBuffer,
      ]);
    });
  }

  async close() {
    await Promise.all(this.#workers.map((w) => w.removeAllListeners('exit').terminate()));
  }
}

/** What a hashing thread returns for a block: levels 0…blockLevel of its complete nodes, and its bad entries. */
interface HashedBlock {
  nodes: Buffer;
  bad: number[];
}

/**
 * Consecutive leaves packed for a hashing thread: per leaf, u32 entry length, 0x00 (the leaf prefix), the entry,
 * u8 stored hash length, the stored hash.
 */
class LeafBlock {
  buf: Buffer;
  bytes = 0;
  count = 0;
  readonly indexes: Float64Array;

  constructor(
    readonly base: number,
    capacity: number,
  ) {
    this.buf = Buffer.allocUnsafeSlow(64 * 1024);
    this.indexes = new Float64Array(capacity);
  }

  add(leaf: LeafView) {
    const entryLength = leaf.entryEnd - leaf.entryStart;
    const hashLength = Math.min(leaf.hashEnd - leaf.hashStart, 255);
    const need = 6 + entryLength + hashLength;
    if (this.bytes + need > this.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.bytes + need));
      this.buf.copy(bigger, 0, 0, this.bytes);
      this.buf = bigger;
    }
    let at = this.buf.writeUInt32BE(entryLength, this.bytes);
    this.buf[at++] = 0x00;
    at += leaf.buf.copy(this.buf, at, leaf.entryStart, leaf.entryEnd);
    this.buf[at++] = hashLength;
    at += leaf.buf.copy(this.buf, at, leaf.hashStart, leaf.hashStart + hashLength);
    this.bytes = at;
    this.indexes[this.count++] = leaf.index;
  }
}

/** Computed hashes of consecutive perfect nodes of one level, waiting to be compared with the stored ones. */
interface NodeRun {
  from: number;
  count: number;
  buf: Buffer;
  offset: number;
}

/**
 * Recomputes the whole tree from the stored entry bytes and checks everything stored against it: each leaf hash,
 * each perfect-subtree hash, each tree head's root and frontier, each checkpoint's signature and root, and each
 * page snapshot's content hash. Never trusts a stored hash it can recompute.
 *
 * The leaves are read in one binary COPY and cut into blocks of 2^blockLevel; each block is a perfect subtree,
 * hashed whole (leaves and every node inside) on another thread while the reading goes on, and its root folded
 * into the tree here, in log order. Stored subtrees are read a batch at a time on a second connection. Memory
 * stays small whatever the size of the log: the COPY is held back while too many blocks wait.
 */
export async function verifyLedger(
  db: Db,
  opts: {
    suite: HashSuite;
    origin: string;
    verifier: NoteVerifier;
    /** Leaves per check of the stored subtrees (and per progress report). */
    batch?: number;
    /** Hashing threads; by default as many as the cores, at least two, at most four. */
    threads?: number;
    /** Leaves per block hashed on a thread, as a power of two (default 2^12). */
    blockLevel?: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<VerifyReport> {
  const { suite } = opts;
  assertHashSuite(suite);
  const batch = opts.batch ?? 65_536;
  const threads = opts.threads ?? defaultHashingThreads();
  const blockLevel = opts.blockLevel ?? 12;
  if (!(Number.isInteger(blockLevel) && blockLevel >= 0 && blockLevel <= 20))
    throw new RangeError(`blockLevel must be 0…20, got ${blockLevel}`);
  const blockLeaves = 2 ** blockLevel;
  const problems: VerifyProblem[] = [];
  const meta = await db.selectFrom('ledger_meta').selectAll().executeTakeFirst();
  if (meta && (meta.hash_suite !== suite || meta.origin !== opts.origin))
    problems.push({
      kind: 'meta',
      at: 'ledger_meta',
      message: `log is ${meta.origin} (${meta.hash_suite}), expected ${opts.origin} (${suite})`,
    });

  // The leaf count for progress comes from the primary key (a count(*) would scan the table once more); the report
  // counts the leaves actually read.
  const maxIndex = (
    await db
      .selectFrom('ledger_leaves')
      .select((eb) => eb.fn.max('leaf_index').as('m'))
      .executeTakeFirst()
  )?.m;
  const total = maxIndex === null || maxIndex === undefined ? 0 : Number(maxIndex) + 1;
  const heads = await db.selectFrom('ledger_tree_heads').selectAll().orderBy('tree_size').execute();
  const checkpoints = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('tree_size').execute();
  const wanted = [...new Set<number>([...heads.map((h) => h.tree_size), ...checkpoints.map((c) => c.tree_size)])].sort((a, b) => a - b);
  let nextWanted = 0;
  /** The next size a head or checkpoint names; Infinity once every one is passed. */
  const nextSize = () => wanted[nextWanted] ?? Infinity;
  const roots = new Map<number, Buffer>();
  const frontiers = new Map<number, Buffer[]>();
  const frontier = new MerkleFrontier(suite);
  /** Records the root and frontier of the tree as it stands, when a head or checkpoint names its size. */
  const recordIfWanted = () => {
    while (nextSize() < frontier.size) nextWanted++;
    if (wanted[nextWanted] === frontier.size) {
      roots.set(frontier.size, frontier.root());
      frontiers.set(frontier.size, frontier.frontier);
      nextWanted++;
    }
  };
  recordIfWanted();
  // The content hash each entry says its page had, to hold every snapshot to what the signed log recorded.
  const shownHashes = new Map<string, { hash: string; leaf: number }>();

  /** Per level, the computed nodes of the current batch, in index order. */
  let computed: NodeRun[][] = [];
  const addRun = (level: number, run: NodeRun) => (computed[level] ??= []).push(run);
  /** Compares one batch's computed subtrees with the stored ones: one range scan per level. */
  const checkNodes = async (runsByLevel: NodeRun[][]) => {
    const ranges = runsByLevel.flatMap((runs, level) => {
      const [first, last] = [runs?.at(0), runs?.at(-1)];
      return first && last ? [{ level, from: first.from, to: last.from + last.count - 1 }] : [];
    });
    const seen = runsByLevel.map((runs) => runs?.map((r) => new Uint8Array(r.count)));
    await streamNodes(db, ranges, (level, idx, buf, start, end) => {
      const runs = runsByLevel[level];
      if (!runs) return;
      let lo = 0;
      let hi = runs.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((runs[mid]?.from ?? Infinity) <= idx) lo = mid;
        else hi = mid - 1;
      }
      const run = runs[lo];
      const marks = seen[level]?.[lo];
      if (!run || !marks) return;
      const i = idx - run.from;
      if (i < 0 || i >= run.count) return;
      marks[i] = 1;
      const at = run.offset + i * HASH_SIZE;
      if (end - start !== HASH_SIZE || run.buf.compare(buf, start, end, at, at + HASH_SIZE) !== 0)
        problems.push({ kind: 'node', at: `node ${level}:${idx}`, message: 'stored subtree hash differs from the recomputed one' });
    });
    // Below LOWEST_STORED_LEVEL a stored subtree is checked when there is one (older logs), and not missed otherwise.
    runsByLevel.forEach(
      (runs, level) =>
        level >= LOWEST_STORED_LEVEL &&
        runs?.forEach((run, r) =>
          seen[level]?.[r]?.forEach((s, i) => {
            if (!s) problems.push({ kind: 'node', at: `node ${level}:${run.from + i}`, message: 'stored subtree hash is missing' });
          }),
        ),
    );
  };
  // Failures of the work running beside the COPY are kept (not left as unhandled rejections) and thrown at the end.
  let failure: unknown;
  const fail = (e: unknown) => void (failure ??= e);
  let nodeChecks: Promise<void> = Promise.resolve();
  let inBatch = 0;
  const flushNodes = () => {
    const runs = computed;
    computed = [];
    inBatch = 0;
    if (runs.length) nodeChecks = nodeChecks.then(() => checkNodes(runs)).catch(fail);
    opts.onProgress?.(frontier.size, total);
  };

  const badEntries: VerifyProblem[] = [];
  /** Folds one hashed block into the tree, in log order. */
  const fold = (block: LeafBlock, { nodes, bad }: HashedBlock) => {
    for (const i of bad) {
      // The thread went on with the stored hash: the rest of the tree is then checked on its own, and one altered
      // entry is reported once instead of as every subtree, head and checkpoint above it. (Were the stored leaf
      // hash altered too, the subtree above it no longer matches and is reported as a node.)
      const problem: VerifyProblem = {
        kind: 'entry',
        at: `leaf ${block.indexes[i]}`,
        message: 'entry bytes do not hash to the stored leaf hash',
      };
      badEntries.push(problem);
      problems.push(problem);
    }
    const { base, count } = block;
    // Where each level's nodes start in `nodes`: the levels follow one another, level l holding count / 2^l hashes.
    const offsets = [0];
    for (let l = 0, at = 0; l < blockLevel; l++) offsets.push((at += Math.floor(count / 2 ** l) * HASH_SIZE));
    const offsetOf = (level: number) => must(offsets[level], `the nodes of level ${level} in a block of ${blockLevel}`);
    const nodeAt = (n: NodeId) => nodes.subarray(offsetOf(n.level) + n.index * HASH_SIZE, offsetOf(n.level) + (n.index + 1) * HASH_SIZE);
    // Heads and checkpoints inside the block: the tree so far, then the block's own perfect nodes up to that size.
    while (nextSize() < base + count) {
      const size = nextSize();
      nextWanted++;
      if (size <= base) continue;
      const sizeFrontier = [...frontier.frontier, ...frontierNodes(size - base).map((n) => Buffer.from(nodeAt(n)))];
      frontiers.set(size, sizeFrontier);
      roots.set(size, new MerkleFrontier(suite, size, sizeFrontier).root());
    }
    for (let l = 1; l <= blockLevel; l++) {
      const n = Math.floor(count / 2 ** l);
      if (n) addRun(l, { from: base / 2 ** l, count: n, buf: nodes, offset: offsetOf(l) });
    }
    const onHigherNode = (node: NodeId, hash: Buffer) => {
      if (node.level > blockLevel) addRun(node.level, { from: node.index, count: 1, buf: hash, offset: 0 });
    };
    // A whole block is one perfect subtree; the last, partial one is the perfect subtrees its size splits into.
    for (const n of count === blockLeaves ? [{ level: blockLevel, index: 0 }] : frontierNodes(count))
      frontier.appendSubtree(n.level, nodeAt(n), onHigherNode);
    recordIfWanted();
    inBatch += count;
    if (inBatch >= batch) flushNodes();
  };

  const hashers = new BlockHashers(threads);
  let read: number;
  let next = 0;
  try {
    const maxWaiting = 2 * threads + 2;
    let waiting = 0;
    let flow: CopyFlow | undefined;
    let paused = false;
    let folded: Promise<void> = Promise.resolve();
    let position = 0;
    let block = new LeafBlock(0, blockLeaves);
    const handOver = () => {
      const b = block;
      block = new LeafBlock(position, blockLeaves);
      const hashed = hashers.hash(suite, blockLevel, b);
      hashed.catch(() => {}); // handled where it is folded, in order
      if (++waiting >= maxWaiting && flow && !paused) {
        paused = true;
        flow.pause();
      }
      folded = folded
        .then(async () => {
          const r = await hashed;
          if (!failure) fold(b, r);
        })
        .catch(fail)
        .finally(() => {
          if (--waiting <= threads && paused) {
            paused = false;
            flow?.resume();
          }
        });
    };
    read = await streamLeaves(
      db,
      0,
      (leaf) => {
        if (failure) return;
        if (leaf.index !== next) {
          problems.push({ kind: 'entry', at: `leaf ${next}`, message: `leaves ${next} to ${leaf.index - 1} are missing` });
          next = leaf.index;
        }
        const shown = shownTextVersion(leaf.buf.subarray(leaf.entryStart, leaf.entryEnd));
        if (shown && !shownHashes.has(shown.id)) shownHashes.set(shown.id, { hash: shown.contentHash, leaf: leaf.index });
        block.add(leaf);
        next++;
        if (++position % blockLeaves === 0) handOver();
      },
      (control) => (flow = control),
    );
    if (block.count) handOver();
    await folded;
    if (inBatch > 0) flushNodes();
    await nodeChecks;
  } finally {
    await hashers.close();
  }
  if (failure) throw failure;
  // Name the business record of each bad entry: read only for the few that failed.
  if (badEntries.length) {
    const leafOf = (p: VerifyProblem) => Number(p.at.slice('leaf '.length));
    const refs = await db
      .selectFrom('ledger_leaves')
      .select(['leaf_index', 'ref_type', 'ref_id'])
      .where('leaf_index', 'in', badEntries.map(leafOf))
      .execute();
    const byIndex = new Map(refs.map((r) => [r.leaf_index, `${r.ref_type}:${r.ref_id}`]));
    for (const p of badEntries) p.ref = byIndex.get(leafOf(p));
  }

  for (const h of heads) {
    const root = roots.get(h.tree_size);
    const recorded = frontiers.get(h.tree_size);
    if (!root) problems.push({ kind: 'tree_head', at: `size ${h.tree_size}`, message: 'tree head is larger than the stored leaves' });
    else if (!root.equals(h.root_hash))
      problems.push({ kind: 'tree_head', at: `size ${h.tree_size}`, message: 'stored root differs from the recomputed root' });
    else if (recorded && !(recorded.length === h.frontier.length && recorded.every((f, i) => h.frontier[i]?.equals(f))))
      problems.push({ kind: 'tree_head', at: `size ${h.tree_size}`, message: 'stored frontier differs from the recomputed one' });
  }
  for (const c of checkpoints) {
    try {
      const { checkpoint } = openCheckpoint(c.note, [opts.verifier], { origin: opts.origin });
      const root = roots.get(checkpoint.size);
      if (checkpoint.size !== c.tree_size)
        problems.push({ kind: 'checkpoint', at: `size ${c.tree_size}`, message: `note says size ${checkpoint.size}` });
      else if (!root || !root.equals(checkpoint.rootHash))
        problems.push({ kind: 'checkpoint', at: `size ${c.tree_size}`, message: 'signed root differs from the recomputed root' });
    } catch (e) {
      problems.push({ kind: 'checkpoint', at: `size ${c.tree_size}`, message: `signature or format: ${(e as Error).message}` });
    }
  }

  // Page snapshots: each shown text must still hash to the content hash its entries carry.
  let snapshots = 0;
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('text_versions')
      .select(['id', 'title', 'content', 'content_hash'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute();
    const last = rows.at(-1);
    if (!last) break;
    for (const t of rows) {
      snapshots++;
      const actual = sha256Hex(`${t.title}\n\n${t.content}`);
      const logged = shownHashes.get(t.id);
      if (actual !== t.content_hash)
        problems.push({ kind: 'snapshot', at: t.id, message: 'snapshot content does not match its content hash' });
      else if (logged && logged.hash !== actual)
        problems.push({ kind: 'snapshot', at: t.id, message: `snapshot differs from the content hash logged at leaf ${logged.leaf}` });
    }
    after = last.id;
  }

  return { ok: problems.length === 0, treeSize: next, entries: read, checkpoints: checkpoints.length, snapshots, problems };
}
