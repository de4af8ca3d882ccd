import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../server/ledger/canonical-json.js';
import { signCheckpoint } from '../server/ledger/checkpoint.js';
import { leafHash } from '../server/ledger/hash.js';
import { inclusionProof, leafArrayProvider, rootAt } from '../server/ledger/merkle.js';
import { generateSigner } from '../server/ledger/signer.js';
// The verifier under test: plain ESM JavaScript that imports nothing from server/.
import { verifyBundle, type Problem, type VerifyResult } from './lib/verify.mjs';
import { EXPORTED, ORIGIN, VECTOR_DIR, buildBundle, buildEvents, signerFor, type Bundle } from './test-fixtures.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, 'verify-bundle.mjs');

const clone = (b: Bundle): Bundle => structuredClone(b);
const verify = (b: unknown, options = {}): Promise<VerifyResult> => verifyBundle(JSON.stringify(b), options);
const codes = (r: VerifyResult) => r.failures.map((f) => f.code);
const only = (r: VerifyResult, code: string): Problem[] => r.failures.filter((f) => f.code === code);

function flipBase64(b64: string, at: number): string {
  const bytes = Buffer.from(b64, 'base64');
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] = bytes[i]! ^ 0x01;
  return bytes.toString('base64');
}

/** Rewrites the entry at `position` (decoded JSON → edit → canonical bytes). */
function editEntry(b: Bundle, position: number, edit: (text: string) => string): void {
  const e = b.entries[position]!;
  e.data = Buffer.from(edit(Buffer.from(e.data, 'base64').toString('utf8')), 'utf8').toString('base64');
}

const COMBOS = [
  ['sha256', 'ed25519'],
  ['sm3', 'sm2'],
  ['sha256', 'sm2'],
  ['sm3', 'ed25519'],
] as const;

describe.each(COMBOS)('a %s log signed with %s', (suite, algorithm) => {
  const genuine = buildBundle(suite, signerFor(algorithm));

  it('verifies a genuine bundle: checkpoint signature, every entry canonical and included, every snapshot matching', async () => {
    const r = await verify(genuine);
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.exit_code).toBe(0);
    expect(r.checkpoint).toMatchObject({ ok: true, origin: ORIGIN, size: 21, signer: { name: ORIGIN, algorithm } });
    expect(r.entries.map((e) => [e.index, e.ok])).toEqual(EXPORTED.map((i) => [i, true]));
    expect(r.entries[1]).toMatchObject({ event_id: 'evt_0001', type: 'page.displayed', text_version_id: 'txt_01HZX0PRODUCT' });
    expect(r.snapshots.length).toBeGreaterThan(0);
    expect(r.snapshots.every((s) => s.ok && s.referenced_by.length > 0)).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['KEY_NOT_PINNED']);
  });

  it('names the entry when one byte of its data is changed (still canonical JSON, no longer in the tree)', async () => {
    const b = clone(genuine);
    editEntry(b, 3, (t) => t.replace('"evt_0007"', '"evt_0008"'));
    const r = await verify(b);
    expect(r.exit_code).toBe(1);
    expect(r.failures).toEqual([expect.objectContaining({ code: 'ENTRY_NOT_INCLUDED', entry: 3, index: 7 })]);
    expect(r.failures[0]!.en).toMatch(/^entries\[3\] \(leaf 7\): inclusion proof/);
    expect(r.failures[0]!.zh).toMatch(/^第 4 条记录（叶子序号 7）/);
    expect(r.entries.filter((e) => !e.ok).map((e) => e.position)).toEqual([3]);
  });

  it('names the entry whose inclusion proof has one altered hash', async () => {
    const b = clone(genuine);
    b.entries[2]!.proof[1] = flipBase64(b.entries[2]!.proof[1]!, 31);
    const r = await verify(b);
    expect(r.failures).toEqual([expect.objectContaining({ code: 'ENTRY_NOT_INCLUDED', entry: 2, index: 4 })]);
  });

  it('refuses a checkpoint whose root was changed: the signature no longer verifies', async () => {
    const b = clone(genuine);
    const lines = b.checkpoint.split('\n');
    lines[2] = flipBase64(lines[2]!, 0);
    b.checkpoint = lines.join('\n');
    const r = await verify(b);
    expect(r.checkpoint!.ok).toBe(false);
    expect(only(r, 'CHECKPOINT_BAD_SIGNATURE')).toHaveLength(1);
    expect(only(r, 'CHECKPOINT_BAD_SIGNATURE')[0]!.en).toContain(`signature by ${ORIGIN}`);
    // …and no entry leads to the forged root either.
    expect(only(r, 'ENTRY_NOT_INCLUDED')).toHaveLength(EXPORTED.length);
  });

  it('refuses a checkpoint whose tree size was changed', async () => {
    const b = clone(genuine);
    b.checkpoint = b.checkpoint.replace(/\n21\n/, '\n22\n');
    const r = await verify(b);
    expect(codes(r)).toContain('CHECKPOINT_BAD_SIGNATURE');
    expect(r.exit_code).toBe(1);
  });

  it('refuses an altered signature, and only the signature', async () => {
    const b = clone(genuine);
    const [head, sigLine] = [
      b.checkpoint.slice(0, b.checkpoint.lastIndexOf('\n\n') + 2),
      b.checkpoint.slice(b.checkpoint.lastIndexOf('\n\n') + 2),
    ];
    const space = sigLine.lastIndexOf(' ');
    b.checkpoint = head + sigLine.slice(0, space + 1) + flipBase64(sigLine.slice(space + 1, -1), -1) + '\n';
    const r = await verify(b);
    expect(codes(r)).toEqual(['CHECKPOINT_BAD_SIGNATURE']);
    expect(r.entries.every((e) => e.ok)).toBe(true);
  });

  it('refuses the checkpoint when the public key is swapped for another key (key ID mismatch)', async () => {
    for (const other of ['ed25519', 'sm2'] as const) {
      const b = clone(genuine);
      b.public_key = generateSigner(other, ORIGIN).signer.publicKeyPem;
      const r = await verify(b);
      expect(codes(r)).toEqual(['CHECKPOINT_KEY_MISMATCH']);
      expect(r.failures[0]!.en).toMatch(/key ID mismatch/);
    }
  });

  it('catches a bundle re-signed wholesale by a forger, once the auditor pins the log key', async () => {
    const forger = generateSigner(algorithm, ORIGIN).signer;
    const forged = buildBundle(suite, forger);
    expect((await verify(forged)).ok).toBe(true); // self-consistent, so only the key can tell
    const r = await verify(forged, { publicKeyPem: genuine.public_key });
    expect(codes(r)).toEqual(['PUBLIC_KEY_NOT_PINNED']);
    const pinnedOk = await verify(genuine, { publicKeyPem: genuine.public_key });
    expect(pinnedOk.ok).toBe(true);
    expect(pinnedOk.checkpoint!.key_pinned).toBe(true);
    expect(pinnedOk.warnings.map((w) => w.code)).not.toContain('KEY_NOT_PINNED');
  });

  it('names the entry whose leaf index was changed, within and beyond the tree', async () => {
    const b = clone(genuine);
    b.entries[4]!.index = 11; // was 10
    b.entries[5]!.index = 21; // was 13; the tree has 21 leaves
    const r = await verify(b);
    expect(r.failures).toEqual([
      expect.objectContaining({ code: 'ENTRY_NOT_INCLUDED', entry: 4, index: 11 }),
      expect.objectContaining({ code: 'ENTRY_INDEX_OUT_OF_RANGE', entry: 5, index: 21 }),
    ]);
  });

  it('names the snapshot whose content was altered, and every entry that recorded it', async () => {
    const b = clone(genuine);
    const snap = b.snapshots.find((s) => s.id === 'txt_01HZX0NOTICE')!;
    snap.content = snap.content.replace('15', '10');
    const r = await verify(b);
    const referencing = r.entries.filter((e) => e.text_version_id === 'txt_01HZX0NOTICE').map((e) => e.position);
    expect(referencing.length).toBeGreaterThan(0);
    expect(r.failures).toEqual([
      expect.objectContaining({ code: 'SNAPSHOT_HASH_MISMATCH', snapshot: 'txt_01HZX0NOTICE' }),
      ...referencing.map((position) =>
        expect.objectContaining({ code: 'TEXT_VERSION_HASH_MISMATCH', entry: position, snapshot: 'txt_01HZX0NOTICE' }),
      ),
    ]);
  });

  it('catches a snapshot altered together with its content_hash: the entry recorded the original hash', async () => {
    const b = clone(genuine);
    const snap = b.snapshots[0]!;
    snap.title = `${snap.title} (revised)`;
    snap.content_hash = (await import('./lib/verify.mjs')).snapshotHash(snap.title, snap.content);
    const r = await verify(b);
    expect(new Set(codes(r))).toEqual(new Set(['TEXT_VERSION_HASH_MISMATCH']));
    expect(r.failures.every((f) => f.snapshot === snap.id && f.entry !== undefined)).toBe(true);
  });

  it('names the entry and the snapshot id when a snapshot it refers to is missing', async () => {
    const b = clone(genuine);
    const removed = b.snapshots.splice(0, 1)[0]!;
    const r = await verify(b);
    const referencing = r.entries.filter((e) => e.text_version_id === removed.id).map((e) => e.position);
    expect(referencing.length).toBeGreaterThan(0);
    expect(r.failures).toEqual(
      referencing.map((position) => expect.objectContaining({ code: 'SNAPSHOT_MISSING', entry: position, snapshot: removed.id })),
    );
  });

  it('names an entry whose bytes were re-serialised with whitespace (not canonical, and so not the hashed bytes)', async () => {
    const b = clone(genuine);
    editEntry(b, 6, (t) => JSON.stringify(JSON.parse(t), null, 1));
    const r = await verify(b);
    expect(r.failures.map((f) => [f.code, f.entry, f.index])).toEqual([
      ['ENTRY_NOT_CANONICAL', 6, 16],
      ['ENTRY_NOT_INCLUDED', 6, 16],
    ]);
  });

  it('refuses a checkpoint of another log than the bundle claims', async () => {
    const b = clone(genuine);
    b.origin = 'other.example/ledger';
    const r = await verify(b);
    expect(codes(r)).toContain('CHECKPOINT_ORIGIN_MISMATCH');
  });

  it('fails every entry when the hash suite is misstated', async () => {
    const b = clone(genuine);
    b.hash = suite === 'sha256' ? 'sm3' : 'sha256';
    const r = await verify(b);
    expect(only(r, 'ENTRY_NOT_INCLUDED')).toHaveLength(EXPORTED.length);
  });
});

describe('checks that do not depend on the suite', () => {
  it('flags non-canonical bytes even when the log itself holds those exact bytes (inclusion passes, canonical form fails)', async () => {
    const signer = signerFor('ed25519');
    const bytes = buildEvents().map((e) => canonicalBytes(e));
    bytes[5] = Buffer.from(JSON.stringify(buildEvents()[5]), 'utf8'); // JSON.stringify: insertion order, not sorted keys
    expect(bytes[5].equals(canonicalBytes(buildEvents()[5]))).toBe(false);
    const leaves = bytes.map((x) => leafHash('sha256', x));
    const p = leafArrayProvider(leaves);
    const bundle = {
      origin: ORIGIN,
      hash: 'sha256',
      checkpoint: signCheckpoint({ origin: ORIGIN, size: leaves.length, rootHash: rootAt('sha256', p, leaves.length) }, signer),
      public_key: signer.publicKeyPem,
      entries: [5, 6].map((index) => ({
        index,
        data: bytes[index]!.toString('base64'),
        proof: inclusionProof('sha256', p, index, leaves.length).map((h) => h.toString('base64')),
      })),
      snapshots: [],
    };
    const r = await verify(bundle);
    expect(r.failures.map((f) => [f.code, f.entry, f.index])).toEqual([['ENTRY_NOT_CANONICAL', 0, 5]]);
  });

  it('reports a malformed entry (bad base64, short proof hash, negative index) by position without stopping', async () => {
    const b = clone(buildBundle('sha256', signerFor('ed25519')));
    b.entries[0]!.data = b.entries[0]!.data + ' ';
    b.entries[1]!.proof[0] = Buffer.alloc(31).toString('base64');
    (b.entries[2] as { index: number }).index = -1;
    const r = await verify(b);
    expect(r.failures.map((f) => [f.code, f.entry])).toEqual([
      ['ENTRY_MALFORMED', 0],
      ['ENTRY_MALFORMED', 1],
      ['ENTRY_MALFORMED', 2],
    ]);
    expect(r.entries.slice(3).every((e) => e.ok)).toBe(true);
  });

  it('answers exit code 2 for a bundle that is not JSON or lacks a required field', async () => {
    expect((await verifyBundle('{"origin":')).exit_code).toBe(2);
    expect((await verifyBundle(Buffer.from([0xff, 0xfe]))).exit_code).toBe(2);
    const b: Partial<Bundle> = clone(buildBundle('sha256', signerFor('ed25519')));
    delete b.entries;
    const r = await verify(b);
    expect(r.exit_code).toBe(2);
    expect(r.failures[0]).toMatchObject({ code: 'BUNDLE_MALFORMED' });
    expect((await verify({ ...b, entries: [], hash: 'md5' })).exit_code).toBe(2);
  });

  it('refuses a malformed signed note or a public key that is not Ed25519 or SM2', async () => {
    const b = clone(buildBundle('sha256', signerFor('ed25519')));
    const r1 = await verify({ ...b, checkpoint: b.checkpoint.replace('\n\n', '\n') });
    expect(codes(r1)).toContain('CHECKPOINT_MALFORMED');
    const { publicKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    const r2 = await verify({ ...b, public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    expect(codes(r2)).toEqual(['PUBLIC_KEY_INVALID']);
  });
});

describe('the verifier is independent of the server', () => {
  it('imports nothing from server/ and no package but @noble/curves (in the SM2 module only)', () => {
    const files = ['verify-bundle.mjs', ...readdirSync(path.join(HERE, 'lib')).map((f) => `lib/${f}`)].filter((f) => f.endsWith('.mjs'));
    for (const f of files) {
      const src = readFileSync(path.join(HERE, f), 'utf8');
      const specifiers = [...src.matchAll(/(?:^|\n)\s*import\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map(
        (m) => m[1] ?? m[2]!,
      );
      for (const s of specifiers) {
        expect(s, `${f} imports ${s}`).not.toMatch(/server/);
        const allowed = s.startsWith('node:') || s.startsWith('./') || (f === 'lib/sm2.mjs' && s.startsWith('@noble/curves/'));
        expect(allowed, `${f} imports ${s}`).toBe(true);
      }
    }
  });
});

describe('the command line (node verifier/verify-bundle.mjs)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wb-verifier-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

  it('exits 0 with a bilingual report for a genuine bundle, and 0 with --json', () => {
    const file = write('ok.json', buildBundle('sm3', signerFor('sm2')));
    const r = run(file);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('RESULT: VERIFIED');
    expect(r.stdout).toContain('结论：校验通过');
    const j = run('--json', file);
    expect(j.status).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, exit_code: 0, hash: 'sm3', checkpoint: { signer: { algorithm: 'sm2' } } });
  });

  it('exits 1 and names the tampered entry', () => {
    const b = buildBundle('sha256', signerFor('ed25519'));
    editEntry(b, 3, (t) => t.replace('"evt_0007"', '"evt_0008"'));
    const r = run(write('bad.json', b));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[ENTRY_NOT_INCLUDED] entries[3] (leaf 7)');
    expect(r.stdout).toContain('结论：校验失败');
    const j = JSON.parse(run('--json', path.join(dir, 'bad.json')).stdout);
    expect(j.failures).toEqual([expect.objectContaining({ code: 'ENTRY_NOT_INCLUDED', entry: 3, index: 7 })]);
  });

  it('exits 1 when --public-key pins another key, and 0 when it pins the log key', () => {
    const b = buildBundle('sha256', signerFor('ed25519'));
    const file = write('pin.json', b);
    expect(run('--public-key', write('right.pem', b.public_key), file).status).toBe(0);
    const wrong = run('--public-key', write('wrong.pem', generateSigner('ed25519', ORIGIN).signer.publicKeyPem), file);
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain('PUBLIC_KEY_NOT_PINNED');
  });

  it('exits 2 for an unreadable bundle, a missing file and bad usage', () => {
    expect(run(write('junk.json', 'not json')).status).toBe(2);
    expect(run(path.join(dir, 'missing.json')).status).toBe(2);
    expect(run().status).toBe(2);
    expect(run('--frobnicate', 'x.json').status).toBe(2);
  });
});

describe('the sample bundles in test/vectors/bundles', () => {
  it('genuine ones verify and the tampered one fails naming the snapshot', async () => {
    const files = readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const r = await verifyBundle(readFileSync(path.join(VECTOR_DIR, f)));
      if (f.startsWith('genuine-')) expect(r.failures, f).toEqual([]);
      else {
        expect(r.exit_code, f).toBe(1);
        expect(r.failures[0], f).toMatchObject({ code: 'SNAPSHOT_HASH_MISMATCH', snapshot: 'txt_01HZX0PRODUCT' });
      }
    }
  });
});
