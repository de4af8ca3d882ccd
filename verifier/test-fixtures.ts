/**
 * TEST SUPPORT ONLY: builds export bundles with the server's ledger code (canonical JSON, RFC 9162 tree, signed
 * checkpoints), so the tests can check that the independent verifier (verify-bundle.mjs, lib/*.mjs — which import
 * nothing from server/) accepts what the server writes and catches every tamper.
 *
 * `npx tsx verifier/test-fixtures.ts --write` regenerates the sample bundles in test/vectors/bundles/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalBytes } from '../server/ledger/canonical-json.js';
import { signCheckpoint } from '../server/ledger/checkpoint.js';
import { leafHash, type HashSuite } from '../server/ledger/hash.js';
import { inclusionProof, leafArrayProvider, rootAt } from '../server/ledger/merkle.js';
import { generateSigner, type NoteAlgorithm, type NoteSigner } from '../server/ledger/signer.js';
import { sha256Hex } from '../server/platform/text-versions.js';

export const ORIGIN = 'wangbao.example/ledger/v1';

export interface BundleEntry {
  index: number;
  data: string;
  proof: string[];
}
export interface BundleSnapshot {
  id: string;
  content_hash: string;
  title: string;
  content: string;
}
export interface Bundle {
  origin: string;
  hash: HashSuite;
  checkpoint: string;
  public_key: string;
  entries: BundleEntry[];
  snapshots: BundleSnapshot[];
}

export const SNAPSHOTS: { id: string; title: string; content: string }[] = [
  {
    id: 'txt_01HZX0PRODUCT',
    title: '产品说明 · 网保意外险 2026 版',
    content: '保险责任：意外身故、伤残 ¥500,000。\n免责条款见第七条。\r\nTabs\tand "quotes" and emoji 🛡️ stay as written.',
  },
  { id: 'txt_01HZX0NOTICE', title: '投保须知', content: '请如实告知。犹豫期 15 日。' },
  { id: 'txt_01HZX0CONSENT', title: 'Consent to electronic policy', content: 'I agree to receive the policy electronically.' },
];

/** The 21 events of a small log: two applications' purchase journeys interleaved, some showing a page. */
export function buildEvents(): Record<string, unknown>[] {
  const types = ['application.started', 'page.displayed', 'application.consent_given', 'payment.captured', 'policy.issued'];
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 21; i++) {
    const snap = i % 3 === 1 ? SNAPSHOTS[((i - 1) / 3) % SNAPSHOTS.length]! : undefined;
    events.push({
      v: 1,
      id: `evt_${String(i).padStart(4, '0')}`,
      type: types[i % types.length]!,
      at: new Date(Date.UTC(2026, 2, 2, 2, 0, i)).toISOString(),
      actor: { type: 'consumer', id: `csr_${i % 2}` },
      subject: { type: 'application', id: `app_${i % 2}` },
      payload: {
        premiumFen: 12_800 + i,
        element: i % 2 ? '#agree' : null,
        elapsedMs: 1000 * i,
        note: i === 7 ? 'line\nbreak "q" \u2028' : 'ok',
      },
      textVersion: snap ? { id: snap.id, contentHash: sha256Hex(`${snap.title}\n\n${snap.content}`) } : null,
    });
  }
  return events;
}

/** Leaf indexes the sample bundle exports: one application's entries, including the first and the last leaf. */
export const EXPORTED = [0, 1, 4, 7, 10, 13, 16, 19, 20];

export function buildBundle(suite: HashSuite, signer: NoteSigner, options: { exported?: number[] } = {}): Bundle {
  const bytes = buildEvents().map((e) => canonicalBytes(e));
  const leaves = bytes.map((b) => leafHash(suite, b));
  const provider = leafArrayProvider(leaves);
  const size = leaves.length;
  const checkpoint = signCheckpoint({ origin: ORIGIN, size, rootHash: rootAt(suite, provider, size) }, signer);
  const exported = options.exported ?? EXPORTED;
  const entries = exported.map((index) => ({
    index,
    data: bytes[index]!.toString('base64'),
    proof: inclusionProof(suite, provider, index, size).map((h) => h.toString('base64')),
  }));
  const named = new Set(exported.map((i) => (buildEvents()[i]!.textVersion as { id: string } | null)?.id).filter(Boolean));
  const snapshots = SNAPSHOTS.filter((s) => named.has(s.id)).map((s) => ({ ...s, content_hash: sha256Hex(`${s.title}\n\n${s.content}`) }));
  return { origin: ORIGIN, hash: suite, checkpoint, public_key: signer.publicKeyPem, entries, snapshots };
}

const signers = new Map<NoteAlgorithm, NoteSigner>();
/** One signer per algorithm per test run (SM2 key generation is the slow part). */
export function signerFor(algorithm: NoteAlgorithm): NoteSigner {
  let s = signers.get(algorithm);
  if (!s) {
    s = generateSigner(algorithm, ORIGIN).signer;
    signers.set(algorithm, s);
  }
  return s;
}

export const VECTOR_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors', 'bundles');

/** Writes the committed sample bundles (genuine ones and one tampered, for auditors to try the tool on). */
export function writeVectors(): string[] {
  mkdirSync(VECTOR_DIR, { recursive: true });
  const written: string[] = [];
  for (const [suite, alg] of [
    ['sha256', 'ed25519'],
    ['sm3', 'sm2'],
  ] as const) {
    const bundle = buildBundle(suite, signerFor(alg));
    const file = path.join(VECTOR_DIR, `genuine-${suite}-${alg}.json`);
    writeFileSync(file, JSON.stringify(bundle, null, 2) + '\n');
    written.push(file);
    if (suite === 'sha256') {
      const snap = bundle.snapshots[0]!;
      const tampered = {
        ...bundle,
        snapshots: [{ ...snap, content: snap.content.replace('500,000', '50,000') }, ...bundle.snapshots.slice(1)],
      };
      const tf = path.join(VECTOR_DIR, `tampered-snapshot-${suite}-${alg}.json`);
      writeFileSync(tf, JSON.stringify(tampered, null, 2) + '\n');
      written.push(tf);
    }
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  for (const f of writeVectors()) console.log(`wrote ${f}`);
}
