/**
 * Reference vectors: test/vectors/ct-merkle.json, the 8-leaf Certificate Transparency vectors as kept by
 * transparency-dev/merkle in testonly/constants.go, testonly/reference_test.go and proof/verify_test.go
 * (https://github.com/transparency-dev/merkle). The corruption probes below follow corruptInclusionProof and
 * corruptConsistencyProof of proof/verify_test.go.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyRoot, leafHash, nodeHash, type HashSuite } from './hash.js';
import {
  MerkleFrontier,
  MerkleProofError,
  assembleProof,
  assertConsistency,
  assertInclusion,
  consistencyProof,
  consistencyProofPlan,
  frontierNodes,
  inclusionProof,
  inclusionProofPlan,
  leafArrayProvider,
  nodeKey,
  nodeRange,
  planNodes,
  rootAt,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
  type LeafHashProvider,
  type NodeId,
} from './merkle.js';
import { lacks } from '../../test/helpers/system-tools.js';

interface CtVectors {
  hash: 'sha256';
  leaves: string[];
  roots: string[];
  nodeHashes: string[][];
  compactTrees: Array<Array<[number, number]>>;
  inclusion: Array<{ index: number; treeSize: number; proof: string[] }>;
  consistency: Array<{ m: number; n: number; proof: string[] }>;
}

const ct = JSON.parse(readFileSync(new URL('../../test/vectors/ct-merkle.json', import.meta.url), 'utf8')) as CtVectors;
const hex = (s: string) => Buffer.from(s, 'hex');
const hexes = (list: readonly Buffer[]) => list.map((b) => b.toString('hex'));
const S: HashSuite = 'sha256';
const ctLeafHashes = ct.leaves.map((l) => leafHash(S, hex(l)));
const someHash = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

// --- An independent reference: RFC 9162 §2.1 written as literally (and recursively) as the RFC reads, over the ----
// slice D[lo:hi] of one leaf array; MTH results are memoised per slice so the sweeps below stay fast.
function refK(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function reference(suite: HashSuite, d: readonly Buffer[]) {
  const memo = new Map<string, Buffer>();
  const MTH = (lo: number, hi: number): Buffer => {
    const key = `${lo}:${hi}`;
    let h = memo.get(key);
    if (!h) {
      if (hi - lo === 0) h = createHash(suite).digest();
      else if (hi - lo === 1) h = d[lo]!;
      else {
        const k = refK(hi - lo);
        h = nodeHash(suite, MTH(lo, lo + k), MTH(lo + k, hi));
      }
      memo.set(key, h);
    }
    return h;
  };
  const PATH = (m: number, lo: number, hi: number): Buffer[] => {
    if (hi - lo === 1) return [];
    const k = refK(hi - lo);
    return m < k ? [...PATH(m, lo, lo + k), MTH(lo + k, hi)] : [...PATH(m - k, lo + k, hi), MTH(lo, lo + k)];
  };
  const SUBPROOF = (m: number, lo: number, hi: number, b: boolean): Buffer[] => {
    if (m === hi - lo) return b ? [] : [MTH(lo, hi)];
    const k = refK(hi - lo);
    return m <= k ? [...SUBPROOF(m, lo, lo + k, b), MTH(lo + k, hi)] : [...SUBPROOF(m - k, lo + k, hi, false), MTH(lo, lo + k)];
  };
  return {
    mth: (n: number) => MTH(0, n),
    path: (m: number, n: number) => PATH(m, 0, n),
    proof: (m: number, n: number) => SUBPROOF(m, 0, n, true),
  };
}
function refMTH(suite: HashSuite, d: readonly Buffer[]): Buffer {
  return reference(suite, d).mth(d.length);
}

/** Deterministic distinct leaf hashes: the leaf hash of the 4-byte big-endian index. */
function syntheticLeaves(suite: HashSuite, count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(i);
    return leafHash(suite, b);
  });
}

function flipBit(proof: readonly Buffer[], i: number, bit: number): Buffer[] {
  return proof.map((p, j) => {
    if (j !== i) return p;
    const c = Buffer.from(p);
    c[0] = c[0]! ^ bit;
    return c;
  });
}

describe('Certificate Transparency reference vectors (RFC 6962 / RFC 9162 §2.1)', () => {
  it('computes the reference root of every tree size 0..8', () => {
    for (let n = 0; n <= 8; n++) {
      expect(rootFromLeafHashes(S, ctLeafHashes.slice(0, n)).toString('hex'), `size ${n}`).toBe(ct.roots[n]);
    }
    expect(emptyRoot(S).toString('hex')).toBe(ct.roots[0]);
  });

  it('hashes each reference leaf and every perfect subtree as the reference does', () => {
    expect(hexes(ctLeafHashes)).toEqual(ct.nodeHashes[0]);
    const seen = new Map<string, Buffer>();
    new MerkleFrontier(S).appendMany(ctLeafHashes, (node, h) => seen.set(nodeKey(node), h));
    ct.nodeHashes.forEach((level, l) =>
      level.forEach((h, i) => expect(seen.get(nodeKey({ level: l, index: i }))?.toString('hex'), `node ${l}:${i}`).toBe(h)),
    );
    expect(seen.size).toBe(8 + 4 + 2 + 1);
  });

  it('keeps the reference compact tree (frontier) at every size', () => {
    const f = new MerkleFrontier(S);
    for (let n = 0; n <= 8; n++) {
      const expected = ct.compactTrees[n]!.map(([level, index]) => ct.nodeHashes[level]![index]!);
      expect(hexes(f.frontier), `size ${n}`).toEqual(expected);
      expect(f.frontierNodes()).toEqual(ct.compactTrees[n]!.map(([level, index]) => ({ level, index })));
      expect(f.root().toString('hex')).toBe(ct.roots[n]);
      if (n < 8) f.append(ctLeafHashes[n]!);
    }
  });

  it('generates exactly the reference inclusion proofs, and they verify', () => {
    const provider = leafArrayProvider(ctLeafHashes);
    for (const v of ct.inclusion) {
      const proof = inclusionProof(S, provider, v.index, v.treeSize);
      expect(hexes(proof), `${v.index} in ${v.treeSize}`).toEqual(v.proof);
      expect(verifyInclusion(S, ctLeafHashes[v.index]!, v.index, v.treeSize, v.proof.map(hex), hex(ct.roots[v.treeSize]!))).toBe(true);
    }
  });

  it('generates exactly the reference consistency proofs, and they verify', () => {
    const provider = leafArrayProvider(ctLeafHashes);
    for (const v of ct.consistency) {
      expect(hexes(consistencyProof(S, provider, v.m, v.n)), `${v.m} → ${v.n}`).toEqual(v.proof);
      expect(verifyConsistency(S, v.m, v.n, v.proof.map(hex), hex(ct.roots[v.m]!), hex(ct.roots[v.n]!))).toBe(true);
    }
  });

  it('refuses every corruption of the reference inclusion proofs (the Go probes)', () => {
    for (const v of ct.inclusion.filter((x) => x.treeSize > 1)) {
      const proof = v.proof.map(hex);
      const root = hex(ct.roots[v.treeSize]!);
      const leaf = ctLeafHashes[v.index]!;
      const { index: i, treeSize: n } = v;
      const probes: Array<[string, number, number, Buffer, Buffer[], Buffer]> = [
        ['index - 1', i - 1, n, leaf, proof, root],
        ['index + 1', i + 1, n, leaf, proof, root],
        ['index ^ 2', i ^ 2, n, leaf, proof, root],
        ['treeSize * 2', i, n * 2, leaf, proof, root],
        ['treeSize / 2', i, Math.floor(n / 2), leaf, proof, root],
        ['wrong leaf', i, n, Buffer.from('WrongLeaf'), proof, root],
        ['empty root', i, n, leaf, proof, emptyRoot(S)],
        ['random root', i, n, leaf, proof, someHash],
        ['trailing garbage', i, n, leaf, [...proof, Buffer.alloc(0)], root],
        ['trailing root', i, n, leaf, [...proof, root], root],
        ['preceding garbage', i, n, leaf, [Buffer.alloc(0), ...proof], root],
        ['preceding root', i, n, leaf, [root, ...proof], root],
        ['removed component', i, n, leaf, proof.slice(0, -1), root],
        ...proof.map((_, j): [string, number, number, Buffer, Buffer[], Buffer] => [
          `proof[${j}] bit 3`,
          i,
          n,
          leaf,
          flipBit(proof, j, 8),
          root,
        ]),
      ];
      if (proof.length > 1) probes.push(['inserted component', i, n, leaf, [proof[0]!, someHash, ...proof.slice(1)], root]);
      for (const [desc, pi, pn, pl, pp, pr] of probes) {
        expect(verifyInclusion(S, pl, pi, pn, pp, pr), `${i} in ${n}: ${desc}`).toBe(false);
      }
    }
  });

  it('refuses every corruption of the reference consistency proofs (the Go probes)', () => {
    for (const v of ct.consistency.filter((x) => x.proof.length > 0)) {
      const proof = v.proof.map(hex);
      const r1 = hex(ct.roots[v.m]!);
      const r2 = hex(ct.roots[v.n]!);
      const { m, n } = v;
      const wrong = Buffer.from('WrongRoot');
      const probes: Array<[string, number, number, Buffer, Buffer, Buffer[]]> = [
        ['m - 1', m - 1, n, r1, r2, proof],
        ['m + 1', m + 1, n, r1, r2, proof],
        ['m ^ 2', m ^ 2, n, r1, r2, proof],
        ['n * 2', m, n * 2, r1, r2, proof],
        ['n / 2', m, Math.floor(n / 2), r1, r2, proof],
        ['wrong root1', m, n, wrong, r2, proof],
        ['wrong root2', m, n, r1, wrong, proof],
        ['swapped roots', m, n, r2, r1, proof],
        ['empty proof', m, n, r1, r2, []],
        ['trailing garbage', m, n, r1, r2, [...proof, Buffer.alloc(0)]],
        ['trailing root1', m, n, r1, r2, [...proof, r1]],
        ['trailing root2', m, n, r1, r2, [...proof, r2]],
        ['preceding garbage', m, n, r1, r2, [Buffer.alloc(0), ...proof]],
        ['preceding root1', m, n, r1, r2, [r1, ...proof]],
        ['preceding root2', m, n, r1, r2, [r2, ...proof]],
        ['preceding proof[0]', m, n, r1, r2, [proof[0]!, ...proof]],
        ['truncated proof', m, n, r1, r2, proof.slice(0, -1)],
        ...proof.map((_, j): [string, number, number, Buffer, Buffer, Buffer[]] => [
          `proof[${j}] bit 4`,
          m,
          n,
          r1,
          r2,
          flipBit(proof, j, 16),
        ]),
      ];
      for (const [desc, pm, pn, p1, p2, pp] of probes) {
        expect(verifyConsistency(S, pm, pn, pp, p1, p2), `${m} → ${n}: ${desc}`).toBe(false);
      }
    }
  });

  it('answers the edge sizes: empty trees, equal sizes, a single leaf', () => {
    const e = emptyRoot(S);
    const r1 = hex(ct.roots[1]!);
    expect(verifyConsistency(S, 0, 0, [], e, e)).toBe(true);
    expect(verifyConsistency(S, 0, 5, [], e, hex(ct.roots[5]!))).toBe(true);
    expect(verifyConsistency(S, 0, 5, [someHash], e, hex(ct.roots[5]!))).toBe(false);
    expect(verifyConsistency(S, 0, 5, [], someHash, hex(ct.roots[5]!))).toBe(false);
    expect(verifyConsistency(S, 1, 1, [], r1, r1)).toBe(true);
    expect(verifyConsistency(S, 1, 1, [], r1, someHash)).toBe(false);
    expect(verifyConsistency(S, 1, 1, [e], r1, r1)).toBe(false);
    expect(verifyConsistency(S, 2, 1, [], r1, r1)).toBe(false);
    expect(verifyConsistency(S, 1, 2, [], r1, hex(ct.roots[2]!))).toBe(false);
    // A one-leaf tree: the root is the leaf hash and the proof is empty.
    expect(verifyInclusion(S, ctLeafHashes[0]!, 0, 1, [], r1)).toBe(true);
    expect(verifyInclusion(S, ctLeafHashes[0]!, 0, 1, [], Buffer.alloc(0))).toBe(false);
    expect(verifyInclusion(S, Buffer.alloc(0), 0, 1, [], r1)).toBe(false);
    for (const [i, n] of [
      [0, 0],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusion(S, someHash, i, n, [], e)).toBe(false);
    }
    expect(consistencyProof(S, leafArrayProvider(ctLeafHashes), 0, 8)).toEqual([]);
    expect(consistencyProof(S, leafArrayProvider(ctLeafHashes), 8, 8)).toEqual([]);
    expect(() => inclusionProofPlan(8, 8)).toThrow(RangeError);
    expect(() => consistencyProofPlan(9, 8)).toThrow(RangeError);
  });

  it('says why a proof fails', () => {
    const proof = ct.inclusion[4]!.proof.map(hex);
    expect(() => assertInclusion(S, ctLeafHashes[1]!, 1, 5, proof.slice(0, -1), hex(ct.roots[5]!))).toThrow(/shorter/);
    expect(() => assertInclusion(S, ctLeafHashes[1]!, 1, 5, [...proof, someHash], hex(ct.roots[5]!))).toThrow(/longer/);
    expect(() => assertInclusion(S, ctLeafHashes[2]!, 1, 5, proof, hex(ct.roots[5]!))).toThrow(MerkleProofError);
    expect(() => assertConsistency(S, 6, 8, ct.consistency[2]!.proof.map(hex), someHash, hex(ct.roots[8]!))).toThrow(/root of size 6/);
    expect(() => assertConsistency(S, 6, 8, ct.consistency[2]!.proof.map(hex), hex(ct.roots[6]!), someHash)).toThrow(/root of size 8/);
    expect(rootFromInclusionProof(S, ctLeafHashes[1]!, 1, 5, proof).toString('hex')).toBe(ct.roots[5]);
  });
});

describe('proofs for every tree up to 64 leaves', () => {
  const N = 64;
  const leaves = syntheticLeaves(S, N);
  const provider = leafArrayProvider(leaves);
  const ref = reference(S, leaves);
  const roots = Array.from({ length: N + 1 }, (_, n) => ref.mth(n));

  it('the iterative root equals the RFC-literal recursive MTH for every size', () => {
    for (let n = 0; n <= N; n++) expect(rootFromLeafHashes(S, leaves.slice(0, n)).equals(roots[n]!), `size ${n}`).toBe(true);
  });

  it('generates the RFC PATH for every index < n ≤ 64, which verifies, and every tampering fails', () => {
    let checked = 0;
    const wrong: string[] = []; // collected rather than asserted one by one: ~40,000 checks stay fast
    for (let n = 1; n <= N; n++) {
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(S, provider, i, n);
        if (hexes(proof).join() !== hexes(ref.path(i, n)).join()) wrong.push(`${i} in ${n}: not the RFC PATH`);
        const root = roots[n]!;
        const leaf = leaves[i]!;
        if (!verifyInclusion(S, leaf, i, n, proof, root)) wrong.push(`${i} in ${n}: does not verify`);
        const fails = (what: string, ok: boolean) => ok && wrong.push(`${i} in ${n}: ${what} verifies`);
        fails('tampered leaf', verifyInclusion(S, flipBit([leaf], 0, 1)[0]!, i, n, proof, root));
        fails('another leaf', verifyInclusion(S, leaves[(i + 1) % N]!, i, n, proof, root));
        proof.forEach((_, j) => {
          for (const bit of [1, 128]) fails(`proof[${j}] flipped`, verifyInclusion(S, leaf, i, n, flipBit(proof, j, bit), root));
        });
        if (i > 0) fails('index - 1', verifyInclusion(S, leaf, i - 1, n, proof, root));
        fails('index + 1', verifyInclusion(S, leaf, i + 1, n, proof, root));
        // A wrong size, claimed with that size's true root (what a mixed-up checkpoint would look like).
        if (n > i + 1) fails('size - 1', verifyInclusion(S, leaf, i, n - 1, proof, roots[n - 1]!));
        if (n < N) fails('size + 1', verifyInclusion(S, leaf, i, n + 1, proof, roots[n + 1]!));
        if (proof.length > 0) fails('truncated', verifyInclusion(S, leaf, i, n, proof.slice(0, -1), root));
        fails('extended', verifyInclusion(S, leaf, i, n, [...proof, someHash], root));
        fails('extended by the root', verifyInclusion(S, leaf, i, n, [...proof, root], root));
        fails('wrong root', verifyInclusion(S, leaf, i, n, proof, roots[n - 1]!));
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe((N * (N + 1)) / 2);
  });

  it('generates the RFC PROOF for every m < n ≤ 64, which verifies, and every tampering fails', () => {
    let checked = 0;
    const wrong: string[] = [];
    for (let n = 1; n <= N; n++) {
      for (let m = 0; m < n; m++) {
        const proof = consistencyProof(S, provider, m, n);
        const expected = m === 0 ? [] : ref.proof(m, n);
        if (hexes(proof).join() !== hexes(expected).join()) wrong.push(`${m} → ${n}: not the RFC PROOF`);
        const rM = roots[m]!;
        const rN = roots[n]!;
        if (!verifyConsistency(S, m, n, proof, rM, rN)) wrong.push(`${m} → ${n}: does not verify`);
        const fails = (what: string, ok: boolean) => ok && wrong.push(`${m} → ${n}: ${what} verifies`);
        fails('wrong old root', verifyConsistency(S, m, n, proof, someHash, rN));
        // From the empty tree every tree is consistent: the new root can only be checked once m > 0.
        if (m > 0) {
          fails('wrong new root', verifyConsistency(S, m, n, proof, rM, someHash));
          fails('a forked new tree', verifyConsistency(S, m, n, proof, rM, refMTH(S, [...leaves.slice(0, n - 1), someHash])));
          fails('a rewritten old entry', verifyConsistency(S, m, n, proof, refMTH(S, [someHash, ...leaves.slice(1, m)]), rN));
          fails('swapped roots', verifyConsistency(S, m, n, proof, rN, rM));
          proof.forEach((_, j) => fails(`proof[${j}] flipped`, verifyConsistency(S, m, n, flipBit(proof, j, 2), rM, rN)));
          fails('truncated', verifyConsistency(S, m, n, proof.slice(0, -1), rM, rN));
          fails('extended', verifyConsistency(S, m, n, [...proof, someHash], rM, rN));
          fails('empty', verifyConsistency(S, m, n, [], rM, rN));
          fails('m - 1', verifyConsistency(S, m - 1, n, proof, roots[m - 1]!, rN));
          fails('m + 1', verifyConsistency(S, m + 1, n, proof, roots[m + 1]!, rN));
          if (n < N) fails('n + 1', verifyConsistency(S, m, n + 1, proof, rM, roots[n + 1]!));
          if (n - 1 > m) fails('n - 1', verifyConsistency(S, m, n - 1, proof, rM, roots[n - 1]!));
        }
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe((N * (N + 1)) / 2);
  });

  it('assembles the same proofs from stored perfect-subtree hashes, one lookup per planned node', () => {
    const stored = new Map<string, Buffer>();
    new MerkleFrontier(S).appendMany(leaves, (node, h) => stored.set(nodeKey(node), h));
    // Every perfect subtree of 64 leaves: 64 + 32 + … + 1.
    expect(stored.size).toBe(127);
    let lookups = 0;
    const wrong: string[] = [];
    const lookup = (node: NodeId) => {
      lookups++;
      return stored.get(nodeKey(node));
    };
    for (let n = 1; n <= N; n++) {
      for (let i = 0; i < n; i++) {
        lookups = 0;
        const plan = inclusionProofPlan(i, n);
        const same = hexes(assembleProof(S, plan, lookup)).join() === hexes(inclusionProof(S, provider, i, n)).join();
        if (!same || lookups !== planNodes(plan).length) wrong.push(`inclusion ${i} in ${n}`);
      }
      for (let m = 0; m <= n; m++) {
        const same =
          hexes(assembleProof(S, consistencyProofPlan(m, n), lookup)).join() === hexes(consistencyProof(S, provider, m, n)).join();
        if (!same) wrong.push(`consistency ${m} → ${n}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('plans only perfect nodes inside the tree, never the same one twice', () => {
    const wrong: string[] = [];
    for (let n = 1; n <= N; n++) {
      const plans = [
        ...Array.from({ length: n }, (_, i) => inclusionProofPlan(i, n)),
        ...Array.from({ length: n + 1 }, (_, m) => consistencyProofPlan(m, n)),
      ];
      for (const plan of plans) {
        const nodes = planNodes(plan);
        if (new Set(nodes.map(nodeKey)).size !== nodes.length) wrong.push(`size ${n}: a node twice`);
        for (const node of nodes) if (nodeRange(node).end > n) wrong.push(`size ${n}: node ${nodeKey(node)} outside`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('proofs on a large tree', () => {
  it('needs O(log n) stored nodes for any proof in a tree of a million leaves', () => {
    const n = 1_000_000;
    for (const i of [0, 1, 499_999, 524_287, 524_288, 999_998, 999_999]) {
      const nodes = planNodes(inclusionProofPlan(i, n));
      expect(nodes.length, `leaf ${i}`).toBeLessThanOrEqual(2 * 20);
      const covered = nodes.reduce((sum, node) => sum + (nodeRange(node).end - nodeRange(node).start), 0);
      expect(covered).toBe(n - 1); // the proof covers every leaf but the proven one, exactly once
    }
    for (const m of [1, 2, 3, 65_536, 999_999]) {
      expect(planNodes(consistencyProofPlan(m, n)).length, `m ${m}`).toBeLessThanOrEqual(2 * 20);
    }
  });

  it('uses stored subtree roots instead of re-reading leaves', () => {
    const n = 5000;
    const leaves = syntheticLeaves(S, n);
    const stored = new Map<string, Buffer>();
    new MerkleFrontier(S).appendMany(leaves, (node, h) => {
      if (node.level > 0) stored.set(`${nodeRange(node).start}-${nodeRange(node).end}`, h);
    });
    let leafReads = 0;
    const cached: LeafHashProvider = {
      leafHash: (i) => {
        leafReads++;
        return leaves[i]!;
      },
      subtreeRoot: (start, end) => stored.get(`${start}-${end}`),
    };
    const plain = leafArrayProvider(leaves);
    for (const i of [0, 1234, 4095, 4096, 4999]) {
      leafReads = 0;
      expect(hexes(inclusionProof(S, cached, i, n))).toEqual(hexes(inclusionProof(S, plain, i, n)));
      expect(leafReads).toBeLessThanOrEqual(1);
    }
    // Only the leaves the plans name themselves (level-0 nodes) are read.
    const levelZero = (nodes: NodeId[]) => nodes.filter((node) => node.level === 0).length;
    leafReads = 0;
    expect(hexes(consistencyProof(S, cached, 3333, n))).toEqual(hexes(consistencyProof(S, plain, 3333, n)));
    expect(leafReads).toBe(levelZero(planNodes(consistencyProofPlan(3333, n))));
    leafReads = 0;
    expect(rootAt(S, cached, 3333).equals(rootFromLeafHashes(S, leaves.slice(0, 3333)))).toBe(true);
    expect(leafReads).toBe(levelZero(frontierNodes(3333)));
  });

  it('folds 1,000,000 leaf hashes into the root (sanity, not a timing)', () => {
    // All leaves equal, so the expected root has a closed form computed independently of the tree code: a perfect
    // subtree of 2^l such leaves hashes to h_l = H(1‖h_{l-1}‖h_{l-1}), and the tree is the right-to-left fold of the
    // perfect subtrees given by the binary digits of n.
    const n = 1_000_000;
    const leaf = leafHash(S, Buffer.from('wangbao'));
    const perLevel = [leaf];
    for (let l = 1; l < 20; l++) perLevel.push(nodeHash(S, perLevel[l - 1]!, perLevel[l - 1]!));
    const parts = frontierNodes(n).map((node) => perLevel[node.level]!);
    let expected = parts[parts.length - 1]!;
    for (let j = parts.length - 2; j >= 0; j--) expected = nodeHash(S, parts[j]!, expected);
    const leaves = new Array<Buffer>(n).fill(leaf);
    expect(rootFromLeafHashes(S, leaves).equals(expected)).toBe(true);
  });
});

describe('MerkleFrontier', () => {
  const leaves = syntheticLeaves(S, 340);
  const roots = Array.from({ length: 341 }, (_, n) => rootFromLeafHashes(S, leaves.slice(0, n)));

  it('appending one by one gives the tree head of every size up to 300', () => {
    const f = new MerkleFrontier(S);
    expect(f.root().equals(emptyRoot(S))).toBe(true);
    for (let n = 1; n <= 300; n++) {
      expect(f.append(leaves[n - 1]!)).toBe(n - 1);
      expect(f.size).toBe(n);
      expect(f.root().equals(roots[n]!), `size ${n}`).toBe(true);
      expect(f.frontierNodes()).toEqual(frontierNodes(n));
    }
  });

  it('restored from its serialised form at any size, continues exactly as the original', () => {
    const original = new MerkleFrontier(S);
    for (let s = 0; s <= 300; s++) {
      const restored = MerkleFrontier.fromJSON(JSON.parse(JSON.stringify(original)));
      const raw = new MerkleFrontier(S, original.size, original.frontier);
      expect(restored.size).toBe(s);
      expect(restored.root().equals(roots[s]!)).toBe(true);
      restored.appendMany(leaves.slice(s, s + 40));
      raw.appendMany(leaves.slice(s, s + 40));
      expect(restored.root().equals(roots[s + 40]!), `restored at ${s}`).toBe(true);
      expect(raw.root().equals(roots[s + 40]!)).toBe(true);
      original.append(leaves[s]!);
    }
  });

  it('is not changed through the copies it hands out', () => {
    const f = new MerkleFrontier(S);
    f.appendMany(leaves.slice(0, 7));
    const before = f.root();
    f.frontier[0]![0] = f.frontier[0]![0]! ^ 1;
    const copy = f.frontier;
    copy[0]![0] = copy[0]![0]! ^ 1;
    const clone = f.clone();
    clone.append(leaves[7]!);
    expect(f.root().equals(before)).toBe(true);
    expect(f.size).toBe(7);
  });

  it('reports each perfect node once, when it is completed', () => {
    const seen: string[] = [];
    const f = new MerkleFrontier(S);
    f.append(leaves[0]!, (node) => seen.push(nodeKey(node)));
    f.append(leaves[1]!, (node) => seen.push(nodeKey(node)));
    f.append(leaves[2]!, (node) => seen.push(nodeKey(node)));
    f.append(leaves[3]!, (node) => seen.push(nodeKey(node)));
    expect(seen).toEqual(['0:0', '0:1', '1:0', '0:2', '0:3', '1:1', '2:0']);
  });

  it('integrates a perfect subtree given by its root exactly as its leaves one by one, reporting the nodes above it', () => {
    // Leaves 0…299 cut into aligned perfect subtrees of mixed heights (as verify folds blocks hashed elsewhere).
    const byLeaf = new Map<string, Buffer>();
    new MerkleFrontier(S).appendMany(leaves.slice(0, 300), (node, h) => byLeaf.set(nodeKey(node), h));
    for (const level of [0, 1, 3, 5]) {
      const f = new MerkleFrontier(S);
      const seen = new Map<string, Buffer>();
      const width = 2 ** level;
      for (let start = 0; start + width <= 300; start += width) {
        const reported: NodeId[] = [];
        expect(
          f.appendSubtree(level, byLeaf.get(`${level}:${start / width}`)!, (node, h) => (reported.push(node), seen.set(nodeKey(node), h))),
        ).toBe(start);
        expect(reported[0]).toEqual({ level, index: start / width });
        expect(reported.every((n) => n.level >= level)).toBe(true);
        expect(f.root().equals(roots[start + width]!), `level ${level}, size ${start + width}`).toBe(true);
        expect(f.frontierNodes()).toEqual(frontierNodes(start + width));
      }
      for (const [k, h] of seen) expect(h.equals(byLeaf.get(k)!), k).toBe(true);
    }
    // A partial tail: what is left after 256 leaves, as its own perfect subtrees, largest first.
    const f = new MerkleFrontier(S);
    f.appendSubtree(8, byLeaf.get('8:0')!);
    for (const n of frontierNodes(300 - 256)) f.appendSubtree(n.level, byLeaf.get(`${n.level}:${256 / 2 ** n.level + n.index}`)!);
    expect(f.root().equals(roots[300]!)).toBe(true);
  });

  it('refuses a subtree that does not start on its own boundary, or is not 32 bytes', () => {
    const f = new MerkleFrontier(S);
    f.appendMany(leaves.slice(0, 2));
    expect(() => f.appendSubtree(2, leaves[0]!)).toThrow(/cannot start at leaf 2/);
    expect(() => f.appendSubtree(1, Buffer.alloc(31))).toThrow(/32 bytes/);
    expect(() => f.appendSubtree(-1, leaves[0]!)).toThrow(RangeError);
    expect(f.appendSubtree(1, leaves[0]!)).toBe(2);
    expect(f.size).toBe(4);
  });

  it('refuses a frontier that does not fit its size, and hashes that are not 32 bytes', () => {
    const f = new MerkleFrontier(S);
    f.appendMany(leaves.slice(0, 6)); // 6 = 4 + 2: two frontier hashes
    expect(() => new MerkleFrontier(S, 6, f.frontier.slice(0, 1))).toThrow(/2 frontier hashes/);
    expect(() => new MerkleFrontier(S, 7, f.frontier)).toThrow(/3 frontier hashes/);
    expect(() => new MerkleFrontier(S, 6, [f.frontier[0]!, Buffer.alloc(31)])).toThrow(/32 bytes/);
    expect(() => new MerkleFrontier(S, -1, [])).toThrow(RangeError);
    expect(() => new MerkleFrontier(S, 1.5, [])).toThrow(RangeError);
    expect(() => new MerkleFrontier('md5' as HashSuite)).toThrow(/hash suite/);
    expect(() => f.append(Buffer.alloc(33))).toThrow(/32 bytes/);
    expect(() => MerkleFrontier.fromJSON({ suite: S, size: 1, frontier: ['zz'] })).toThrow(/hex/);
  });

  it('handles sizes beyond 2^32 without 32-bit overflow', () => {
    // A frontier restored at 2^32 + 3 leaves (three perfect subtrees: 2^32, 2, 1), as a sequencer would after years.
    const size = 2 ** 32 + 3;
    const nodes = frontierNodes(size);
    expect(nodes).toEqual([
      { level: 32, index: 0 },
      { level: 1, index: 2 ** 31 },
      { level: 0, index: 2 ** 32 + 2 },
    ]);
    const f = new MerkleFrontier(S, size, [leaves[0]!, leaves[1]!, leaves[2]!]);
    const visited: NodeId[] = [];
    expect(f.append(leaves[3]!, (node) => visited.push(node))).toBe(size);
    expect(visited).toEqual([
      { level: 0, index: 2 ** 32 + 3 },
      { level: 1, index: 2 ** 31 + 1 },
      { level: 2, index: 2 ** 30 },
    ]);
    expect(f.frontierNodes()).toEqual([
      { level: 32, index: 0 },
      { level: 2, index: 2 ** 30 },
    ]);
    const top = nodeHash(S, leaves[0]!, nodeHash(S, leaves[1]!, nodeHash(S, leaves[2]!, leaves[3]!)));
    expect(f.root().equals(top)).toBe(true);
    // A proof for the last leaf of such a tree: its siblings, then the 2^32 subtree.
    const plan = inclusionProofPlan(size, size + 1);
    expect(plan).toEqual([[{ level: 0, index: 2 ** 32 + 2 }], [{ level: 1, index: 2 ** 31 }], [{ level: 32, index: 0 }]]);
  });
});

/** SM3 of the exact bytes, computed by the openssl command line rather than by Node. */
function opensslSm3(bytes: Buffer): Buffer {
  return execFileSync('openssl', ['dgst', '-sm3', '-binary'], { input: bytes });
}

describe('SM3 suite', () => {
  it.skipIf(lacks('openssl'))('gives the root that `openssl dgst -sm3` computes independently over the same bytes', () => {
    const entries = ['{"a":1}', '{"b":"网保"}', '', '{"c":[true,null]}', 'e'].map((s) => Buffer.from(s, 'utf8'));
    // openssl: leaf = SM3(0x00 ‖ entry), node = SM3(0x01 ‖ left ‖ right); 5 leaves = H(H(H(l0,l1),H(l2,l3)), l4).
    const l = entries.map((e) => opensslSm3(Buffer.concat([Buffer.from([0]), e])));
    const node = (a: Buffer, b: Buffer) => opensslSm3(Buffer.concat([Buffer.from([1]), a, b]));
    const expected = node(node(node(l[0]!, l[1]!), node(l[2]!, l[3]!)), l[4]!);
    const leafHashes = entries.map((e) => leafHash('sm3', e));
    expect(hexes(leafHashes)).toEqual(hexes(l));
    expect(rootFromLeafHashes('sm3', leafHashes).toString('hex')).toBe(expected.toString('hex'));
    expect(emptyRoot('sm3').toString('hex')).toBe(opensslSm3(Buffer.alloc(0)).toString('hex'));
    // And an inclusion proof made of openssl's node hashes verifies under Node's SM3.
    expect(verifyInclusion('sm3', l[2]!, 2, 5, [l[3]!, node(l[0]!, l[1]!), l[4]!], expected)).toBe(true);
  });

  it('builds and verifies trees and proofs with SM3 just as with SHA-256', () => {
    const leaves = syntheticLeaves('sm3', 21);
    const provider = leafArrayProvider(leaves);
    const f = new MerkleFrontier('sm3');
    f.appendMany(leaves);
    expect(f.root().equals(refMTH('sm3', leaves))).toBe(true);
    expect(f.root().equals(rootFromLeafHashes('sha256', leaves))).toBe(false);
    const r13 = rootFromLeafHashes('sm3', leaves.slice(0, 13));
    for (let i = 0; i < 21; i++) {
      expect(verifyInclusion('sm3', leaves[i]!, i, 21, inclusionProof('sm3', provider, i, 21), f.root())).toBe(true);
      expect(verifyInclusion('sha256', leaves[i]!, i, 21, inclusionProof('sm3', provider, i, 21), f.root())).toBe(false);
    }
    expect(verifyConsistency('sm3', 13, 21, consistencyProof('sm3', provider, 13, 21), r13, f.root())).toBe(true);
    expect(verifyConsistency('sm3', 0, 21, [], emptyRoot('sm3'), f.root())).toBe(true);
    expect(verifyConsistency('sm3', 0, 21, [], emptyRoot('sha256'), f.root())).toBe(false);
  });
});
