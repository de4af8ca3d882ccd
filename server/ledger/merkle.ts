/**
 * The append-only Merkle tree of the traceability ledger, exactly as RFC 9162 §2.1 (= RFC 6962 §2.1) defines it:
 * tree head (MTH), inclusion proofs (PATH), consistency proofs (PROOF/SUBPROOF) and their verification
 * (§2.1.3.2, §2.1.4.2).
 *
 * Storage model for the layers above (the PostgreSQL log, the sequencer, the proof API):
 *  - A *perfect node* `(level, index)` is the root of the perfect subtree over leaves
 *    `[index·2^level, (index+1)·2^level)`; level 0 is the leaf hash itself. Its hash never changes once the tree
 *    has grown past it, so a database may store it forever.
 *  - The sequencer keeps a {@link MerkleFrontier} (the perfect nodes of the current tree, left to right) and
 *    integrates new leaves without re-reading the tree; `append`'s visitor reports every perfect node it completes,
 *    which is exactly what a node table needs.
 *  - Any proof element is the MTH of a range that splits into at most ~log2(n) perfect nodes.
 *    {@link inclusionProofPlan} / {@link consistencyProofPlan} say which; {@link assembleProof} folds the looked-up
 *    hashes into the proof. With stored nodes, a proof costs O(log n) lookups and O(log n) hashes.
 *  - {@link inclusionProof} / {@link consistencyProof} do the same from a synchronous {@link LeafHashProvider}
 *    (in memory, tests, the offline verifier), using any cached subtree roots it offers.
 *
 * Pure and dependency-free apart from ./hash.js. Sizes and indexes are JavaScript numbers and are correct up to
 * Number.MAX_SAFE_INTEGER: no 32-bit bitwise operators are used on them.
 */
import { HASH_SIZE, assertHashSuite, emptyRoot, nodeHash, type HashSuite } from './hash.js';

/** The perfect subtree over leaves `[index·2^level, (index+1)·2^level)`. Level 0 is a leaf. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * What a proof needs, element by element in RFC 9162 order: each element is the MTH of a range, given as the
 * perfect nodes that cover it from left to right. A single node is used as it is; several are folded right to left
 * (`H(1‖n0‖H(1‖n1‖…))`), which is how RFC 9162 hashes a range whose size is not a power of two.
 */
export type ProofPlan = NodeId[][];

/** Reports a perfect node and its hash (see {@link MerkleFrontier.append}). */
export type NodeVisitor = (node: NodeId, hash: Buffer) => void;

/**
 * Leaf hashes by index, for proofs generated in process. `subtreeRoot(start, end)` may return a stored hash of the
 * perfect subtree over `[start, end)` (it is only ever asked for perfect subtrees: `end - start` a power of two,
 * `start` a multiple of it), or undefined to have it computed from the leaves below.
 */
export interface LeafHashProvider {
  leafHash(index: number): Buffer;
  subtreeRoot?(start: number, end: number): Buffer | undefined;
}

/** A proof that does not verify, or arguments no proof can exist for. */
export class MerkleProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MerkleProofError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Arithmetic on tree sizes without 32-bit bitwise operators.

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${n}`);
}

const isOdd = (x: number) => x % 2 === 1;
const half = (x: number) => (x - (x % 2)) / 2;

/** RFC 9162's k: the largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The perfect nodes covering `[start, end)` from left to right, largest first; `start` must be aligned for them. */
function rangeNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    let level = 0;
    while (size * 2 <= end - at) {
      size *= 2;
      level += 1;
    }
    if (at % size !== 0) throw new Error(`internal: range [${start}, ${end}) is not a Merkle subtree range`);
    nodes.push({ level, index: at / size });
    at += size;
  }
  return nodes;
}

/** The leaf range `[start, end)` a perfect node covers. */
export function nodeRange(node: NodeId): { start: number; end: number } {
  const width = 2 ** node.level;
  return { start: node.index * width, end: (node.index + 1) * width };
}

/**
 * The perfect nodes whose hashes make up a tree of `treeSize` leaves, left to right: its frontier. The tree head is
 * their right-to-left fold. Empty for size 0.
 */
export function frontierNodes(treeSize: number): NodeId[] {
  assertCount(treeSize, 'treeSize');
  return rangeNodes(0, treeSize);
}

function checkHash(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_SIZE) throw new MerkleProofError(`${what} must be ${HASH_SIZE} bytes, got ${hash.length}`);
}

/** The left sibling on top of `stack`: an odd index always has one, so an empty stack is a broken tree. */
function popLeft(stack: Buffer[]): Buffer {
  const h = stack.pop();
  if (!h) throw new Error('internal: no left sibling on the stack');
  return h;
}

/** Folds hashes of adjacent perfect subtrees, left to right in `hashes`, into the MTH of their union. */
function foldRight(suite: HashSuite, hashes: readonly Buffer[]): Buffer {
  let acc = hashes.at(-1);
  if (!acc) throw new Error('internal: nothing to fold');
  for (const left of hashes.slice(0, -1).reverse()) acc = nodeHash(suite, left, acc);
  return acc;
}

// ---------------------------------------------------------------------------------------------------------------
// Tree head.

/**
 * RFC 9162 §2.1.1 MTH over the given leaf hashes: `emptyRoot` for none. Iterative, n−1 node hashes and O(log n)
 * memory, so a million leaves is a plain loop.
 */
export function rootFromLeafHashes(suite: HashSuite, leafHashes: readonly Buffer[]): Buffer {
  assertHashSuite(suite);
  if (leafHashes.length === 0) return emptyRoot(suite);
  const stack: Buffer[] = [];
  for (const [i, leafHash] of leafHashes.entries()) {
    let h = leafHash;
    checkHash(h, `leaf hash ${i}`);
    for (let j = i; isOdd(j); j = half(j)) h = nodeHash(suite, popLeft(stack), h);
    stack.push(h);
  }
  return Buffer.from(foldRight(suite, stack));
}

/**
 * The compact range `[0, size)` of an append-only tree: the roots of its perfect subtrees, left to right (one per
 * set bit of `size`, largest first). Appending a leaf costs at most log2(n) node hashes and never reads older
 * leaves; `size` and `frontier` are all there is to persist, and `new MerkleFrontier(suite, size, frontier)` resumes.
 */
export class MerkleFrontier {
  readonly suite: HashSuite;
  #size: number;
  readonly #nodes: Buffer[];

  constructor(suite: HashSuite, size = 0, frontier: readonly Uint8Array[] = []) {
    assertHashSuite(suite);
    assertCount(size, 'size');
    const expected = rangeNodes(0, size).length;
    if (frontier.length !== expected) {
      throw new RangeError(`a tree of size ${size} has ${expected} frontier hashes, got ${frontier.length}`);
    }
    frontier.forEach((h, i) => {
      if (h.length !== HASH_SIZE) throw new RangeError(`frontier hash ${i} must be ${HASH_SIZE} bytes, got ${h.length}`);
    });
    this.suite = suite;
    this.#size = size;
    this.#nodes = frontier.map((h) => Buffer.from(h));
  }

  /** Number of leaves integrated so far; the next leaf gets this index. */
  get size(): number {
    return this.#size;
  }

  /** Copies of the frontier hashes, left to right: persist these with `size`. */
  get frontier(): Buffer[] {
    return this.#nodes.map((h) => Buffer.from(h));
  }

  /** The (level, index) of each frontier hash, in the same order as {@link frontier}. */
  frontierNodes(): NodeId[] {
    return rangeNodes(0, this.#size);
  }

  /**
   * Integrates one leaf hash and returns its leaf index. `onNode`, if given, sees every perfect node this append
   * completes, from the leaf itself (level 0) upwards: a storage layer that records them can later answer any proof
   * with O(log n) lookups.
   */
  append(leafHash: Uint8Array, onNode?: NodeVisitor): number {
    if (leafHash.length !== HASH_SIZE) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes, got ${leafHash.length}`);
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new RangeError('tree size would exceed Number.MAX_SAFE_INTEGER');
    const leafIndex = this.#size;
    let h: Buffer = Buffer.from(leafHash);
    let index = leafIndex;
    let level = 0;
    onNode?.({ level, index }, h);
    while (isOdd(index)) {
      h = nodeHash(this.suite, popLeft(this.#nodes), h);
      index = half(index);
      level += 1;
      onNode?.({ level, index }, h);
    }
    this.#nodes.push(h);
    this.#size = leafIndex + 1;
    return leafIndex;
  }

  /**
   * Integrates a whole perfect subtree of 2^level leaves, given its root (its leaves hashed elsewhere: another
   * thread, a stored node), as if its leaves had been appended one by one. The tree size must be a multiple of
   * 2^level. Returns the index of its first leaf. `onNode` sees the subtree's root and every node above it that this
   * completes — not the nodes below its root.
   */
  appendSubtree(level: number, rootHash: Uint8Array, onNode?: NodeVisitor): number {
    if (!Number.isSafeInteger(level) || level < 0 || level > 52) throw new RangeError(`subtree level must be 0…52, got ${level}`);
    if (rootHash.length !== HASH_SIZE) throw new RangeError(`subtree hash must be ${HASH_SIZE} bytes, got ${rootHash.length}`);
    const width = 2 ** level;
    if (this.#size % width !== 0) throw new RangeError(`a subtree of ${width} leaves cannot start at leaf ${this.#size}`);
    if (this.#size + width > Number.MAX_SAFE_INTEGER) throw new RangeError('tree size would exceed Number.MAX_SAFE_INTEGER');
    const first = this.#size;
    let h: Buffer = Buffer.from(rootHash);
    let index = first / width;
    let at = level;
    onNode?.({ level: at, index }, h);
    // The tree size being a multiple of 2^level, every frontier hash is at least that high, and the last one is this
    // subtree's left sibling exactly when its index is odd: the same carry as appending a leaf, `level` rows up.
    while (isOdd(index)) {
      h = nodeHash(this.suite, popLeft(this.#nodes), h);
      index = half(index);
      at += 1;
      onNode?.({ level: at, index }, h);
    }
    this.#nodes.push(h);
    this.#size = first + width;
    return first;
  }

  /** Appends leaf hashes in order; returns the index of the first (the size before appending). */
  appendMany(leafHashes: Iterable<Uint8Array>, onNode?: NodeVisitor): number {
    const first = this.#size;
    for (const h of leafHashes) this.append(h, onNode);
    return first;
  }

  /** The tree head (RFC 9162 MTH) of the current size. */
  root(): Buffer {
    return this.#size === 0 ? emptyRoot(this.suite) : Buffer.from(foldRight(this.suite, this.#nodes));
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier(this.suite, this.#size, this.#nodes);
  }

  /** JSON form for persistence: hex hashes. */
  toJSON(): { suite: HashSuite; size: number; frontier: string[] } {
    return { suite: this.suite, size: this.#size, frontier: this.#nodes.map((h) => h.toString('hex')) };
  }

  static fromJSON(json: { suite: HashSuite; size: number; frontier: readonly string[] }): MerkleFrontier {
    return new MerkleFrontier(
      json.suite,
      json.size,
      json.frontier.map((hex) => {
        if (!/^[0-9a-f]{64}$/i.test(hex)) throw new RangeError(`frontier hash is not 32 bytes of hex: ${JSON.stringify(hex)}`);
        return Buffer.from(hex, 'hex');
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Proof plans: which perfect nodes a proof needs.

/**
 * RFC 9162 §2.1.3.1 PATH(index, D[n]) as a plan: for each proof element, bottom (leaf sibling) first, the perfect
 * nodes whose fold gives it. At most one element is not a single node (the right edge of the tree), so the plan
 * names O(log n) nodes in all. Throws unless 0 ≤ index < treeSize.
 */
export function inclusionProofPlan(index: number, treeSize: number): ProofPlan {
  assertCount(index, 'index');
  assertCount(treeSize, 'treeSize');
  if (index >= treeSize) throw new RangeError(`leaf index ${index} is outside a tree of size ${treeSize}`);
  const ranges: Array<[number, number]> = [];
  let lo = 0;
  let hi = treeSize;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
    }
  }
  return ranges.reverse().map(([a, b]) => rangeNodes(a, b));
}

/**
 * RFC 9162 §2.1.4.1 PROOF(m, D[n]) as a plan (see {@link inclusionProofPlan}). Empty when m = 0 or m = n (no proof
 * is needed: an empty tree is consistent with every tree, a tree with itself). Throws unless 0 ≤ m ≤ n.
 */
export function consistencyProofPlan(m: number, n: number): ProofPlan {
  assertCount(m, 'm');
  assertCount(n, 'n');
  if (m > n) throw new RangeError(`a consistency proof needs m ≤ n, got m = ${m}, n = ${n}`);
  if (m === 0 || m === n) return [];
  const ranges: Array<[number, number]> = [];
  let lo = 0;
  let hi = n;
  let haveRootM = true; // SUBPROOF's b: whether the subtree for m is the old tree's own root (known to the verifier)
  for (;;) {
    if (m === hi) {
      if (!haveRootM) ranges.push([lo, hi]);
      break;
    }
    const k = splitPoint(hi - lo);
    if (m <= lo + k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
      haveRootM = false;
    }
  }
  return ranges.reverse().map(([a, b]) => rangeNodes(a, b));
}

/** Every node a plan names, in plan order (no node appears twice in a plan). */
export function planNodes(plan: ProofPlan): NodeId[] {
  return plan.flat();
}

/**
 * Builds the proof from a plan and the hashes of its nodes. `lookup` answers a node's hash (from a Map keyed by
 * `${level}:${index}`, a database result, …); a missing or malformed hash throws.
 */
export function assembleProof(suite: HashSuite, plan: ProofPlan, lookup: (node: NodeId) => Uint8Array | undefined): Buffer[] {
  assertHashSuite(suite);
  return plan.map((step) => {
    const hashes = step.map((node) => {
      const h = lookup(node);
      if (!h) throw new Error(`no hash for node (level ${node.level}, index ${node.index})`);
      if (h.length !== HASH_SIZE) throw new RangeError(`node (level ${node.level}, index ${node.index}) hash must be ${HASH_SIZE} bytes`);
      return Buffer.from(h);
    });
    return Buffer.from(foldRight(suite, hashes));
  });
}

/** `${level}:${index}`: a convenient Map key for node hashes. */
export function nodeKey(node: NodeId): string {
  return `${node.level}:${node.index}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Proofs from a provider.

function perfectNodeHash(suite: HashSuite, provider: LeafHashProvider, level: number, index: number): Buffer {
  const width = 2 ** level;
  const start = index * width;
  if (level === 0) {
    const h = provider.leafHash(start);
    checkHash(h, `leaf hash ${start}`);
    return h;
  }
  const stored = provider.subtreeRoot?.(start, start + width);
  if (stored) {
    checkHash(stored, `subtree root [${start}, ${start + width})`);
    return stored;
  }
  return nodeHash(
    suite,
    perfectNodeHash(suite, provider, level - 1, 2 * index),
    perfectNodeHash(suite, provider, level - 1, 2 * index + 1),
  );
}

function proveFrom(suite: HashSuite, provider: LeafHashProvider, plan: ProofPlan): Buffer[] {
  return assembleProof(suite, plan, (node) => perfectNodeHash(suite, provider, node.level, node.index));
}

/** RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of the first `treeSize` leaves. */
export function inclusionProof(suite: HashSuite, provider: LeafHashProvider, index: number, treeSize: number): Buffer[] {
  assertHashSuite(suite);
  return proveFrom(suite, provider, inclusionProofPlan(index, treeSize));
}

/** RFC 9162 §2.1.4.1 consistency proof between the trees of the first `m` and the first `n` leaves. */
export function consistencyProof(suite: HashSuite, provider: LeafHashProvider, m: number, n: number): Buffer[] {
  assertHashSuite(suite);
  return proveFrom(suite, provider, consistencyProofPlan(m, n));
}

/** The tree head of the first `treeSize` leaves, using the provider's stored subtree roots where it has them. */
export function rootAt(suite: HashSuite, provider: LeafHashProvider, treeSize: number): Buffer {
  assertHashSuite(suite);
  const nodes = frontierNodes(treeSize);
  if (nodes.length === 0) return emptyRoot(suite);
  return Buffer.from(
    foldRight(
      suite,
      nodes.map((n) => perfectNodeHash(suite, provider, n.level, n.index)),
    ),
  );
}

/** A provider over an in-memory array of leaf hashes (tests, the offline verifier, small trees). */
export function leafArrayProvider(leafHashes: readonly Buffer[]): LeafHashProvider {
  return {
    leafHash(index) {
      const h = leafHashes[index];
      if (!h) throw new RangeError(`no leaf ${index} (have ${leafHashes.length})`);
      return h;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Verification.

/**
 * RFC 9162 §2.1.3.2: the root an inclusion proof implies for `leafHash` at `index` in a tree of `treeSize`.
 * Throws MerkleProofError when the proof has the wrong shape for that position and size.
 */
export function rootFromInclusionProof(
  suite: HashSuite,
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Buffer {
  assertHashSuite(suite);
  if (!Number.isSafeInteger(index) || index < 0 || !Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new MerkleProofError(`invalid index ${index} or tree size ${treeSize}`);
  }
  if (index >= treeSize) throw new MerkleProofError(`leaf index ${index} is outside a tree of size ${treeSize}`);
  checkHash(leafHash, 'leaf hash');
  proof.forEach((p, i) => checkHash(p, `proof[${i}]`));
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) throw new MerkleProofError('proof is longer than the path for this index and tree size');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(suite, p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(suite, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new MerkleProofError('proof is shorter than the path for this index and tree size');
  return r;
}

/** RFC 9162 §2.1.3.2, throwing MerkleProofError with the reason when `proof` does not show inclusion under `root`. */
export function assertInclusion(
  suite: HashSuite,
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash(root, 'root');
  const computed = rootFromInclusionProof(suite, leafHash, index, treeSize, proof);
  if (!computed.equals(root))
    throw new MerkleProofError(`inclusion proof for leaf ${index} does not lead to the given root of size ${treeSize}`);
}

/** RFC 9162 §2.1.3.2: true iff `proof` shows the leaf hash at `index` in the tree of `treeSize` with head `root`. */
export function verifyInclusion(
  suite: HashSuite,
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    assertInclusion(suite, leafHash, index, treeSize, proof, root);
    return true;
  } catch (e) {
    if (e instanceof MerkleProofError) return false;
    throw e;
  }
}

/**
 * RFC 9162 §2.1.4.2, throwing MerkleProofError with the reason when `proof` does not show that the tree of size `m`
 * with head `rootM` is a prefix of the tree of size `n` with head `rootN`.
 *
 * Sizes the RFC leaves open: m = n needs an empty proof and equal roots; m = 0 needs an empty proof and `rootM` the
 * empty-tree hash (stricter than the Go reference, which ignores the roots there: a checkpoint of size 0 has one
 * possible root, and anything else is a forgery).
 */
export function assertConsistency(
  suite: HashSuite,
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  rootM: Uint8Array,
  rootN: Uint8Array,
): void {
  assertHashSuite(suite);
  if (!Number.isSafeInteger(m) || m < 0 || !Number.isSafeInteger(n) || n < 0) throw new MerkleProofError(`invalid sizes ${m}, ${n}`);
  if (m > n) throw new MerkleProofError(`the older tree (${m}) is larger than the newer (${n})`);
  checkHash(rootM, 'first root');
  checkHash(rootN, 'second root');
  proof.forEach((p, i) => checkHash(p, `proof[${i}]`));
  if (m === 0) {
    if (proof.length !== 0) throw new MerkleProofError('a proof from the empty tree must be empty');
    if (!emptyRoot(suite).equals(rootM)) throw new MerkleProofError('the root of an empty tree must be the empty-tree hash');
    if (n === 0 && !emptyRoot(suite).equals(rootN)) throw new MerkleProofError('the root of an empty tree must be the empty-tree hash');
    return;
  }
  if (m === n) {
    if (proof.length !== 0) throw new MerkleProofError('a proof between equal sizes must be empty');
    if (!Buffer.from(rootM).equals(rootN)) throw new MerkleProofError(`two different roots for the same size ${m}`);
    return;
  }
  // 0 < m < n: the RFC 9162 §2.1.4.2 algorithm.
  if (proof.length === 0) throw new MerkleProofError('empty consistency proof');
  const path: Uint8Array[] = isPowerOfTwo(m) ? [rootM, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const [first, ...rest] = path;
  if (!first) throw new MerkleProofError('empty consistency proof');
  let fr: Buffer = Buffer.from(first);
  let sr: Buffer = Buffer.from(first);
  for (const c of rest) {
    if (sn === 0) throw new MerkleProofError('proof is longer than needed for these sizes');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(suite, c, fr);
      sr = nodeHash(suite, c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(suite, sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new MerkleProofError('proof is shorter than needed for these sizes');
  if (!fr.equals(rootM)) throw new MerkleProofError(`proof does not lead to the root of size ${m}`);
  if (!sr.equals(rootN)) throw new MerkleProofError(`proof does not lead to the root of size ${n}`);
}

/** RFC 9162 §2.1.4.2: true iff `proof` shows the tree (m, rootM) is a prefix of the tree (n, rootN). */
export function verifyConsistency(
  suite: HashSuite,
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  rootM: Uint8Array,
  rootN: Uint8Array,
): boolean {
  try {
    assertConsistency(suite, m, n, proof, rootM, rootN);
    return true;
  } catch (e) {
    if (e instanceof MerkleProofError) return false;
    throw e;
  }
}

function isPowerOfTwo(x: number): boolean {
  if (x < 1) return false;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}
