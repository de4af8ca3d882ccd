import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_NOTE_SIGNATURES,
  formatCheckpoint,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  signCheckpoint,
  signNote,
  splitNote,
} from './checkpoint.js';
import { NoteError, generateSigner, parseVerifierKey, verifierOf, type NoteErrorReason } from './signer.js';
import { lacks } from '../../test/helpers/system-tools.js';

const ORIGIN = 'wangbao.example/ledger';
const root = Buffer.from('6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b', 'hex');
const rootB64 = root.toString('base64');

function reasonOf(fn: () => unknown): NoteErrorReason | 'no error' | 'other error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof NoteError ? e.reason : 'other error';
  }
}

describe('checkpoint body (c2sp.org/tlog-checkpoint)', () => {
  it('writes origin, decimal size and base64 root, each line ending in a newline, and reads them back', () => {
    const text = formatCheckpoint({ origin: ORIGIN, size: 20852163, rootHash: root });
    expect(text).toBe(`${ORIGIN}\n20852163\n${rootB64}\n`);
    expect(parseCheckpoint(text)).toEqual({ origin: ORIGIN, size: 20852163, rootHash: root, extensions: [] });
  });

  it('round-trips extension lines, a bigint size and the empty tree', () => {
    const text = formatCheckpoint({ origin: ORIGIN, size: 0n, rootHash: root, extensions: ['hash sm3', 'x'] });
    expect(text).toBe(`${ORIGIN}\n0\n${rootB64}\nhash sm3\nx\n`);
    const cp = parseCheckpoint(text);
    expect(cp.size).toBe(0);
    expect(cp.extensions).toEqual(['hash sm3', 'x']);
    expect(formatCheckpoint(cp)).toBe(text);
  });

  it('reads back whatever it writes, and writes back whatever it reads (any origin, size, root, extensions)', () => {
    // eslint-disable-next-line no-control-regex -- generated names leave out what the format refuses: control characters
    const origin = fc.string({ unit: 'grapheme', minLength: 1 }).filter((o) => !/[\s\u0085+\u0000-\u001f\u007f]/u.test(o));
    // eslint-disable-next-line no-control-regex -- likewise for extension lines
    const extension = fc.string({ unit: 'grapheme', minLength: 1 }).filter((l) => !/[\u0000-\u001f]/.test(l));
    fc.assert(
      fc.property(
        origin,
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(extension, { maxLength: 3 }),
        (o, size, hash, extensions) => {
          const text = formatCheckpoint({ origin: o, size, rootHash: hash, extensions });
          const cp = parseCheckpoint(text);
          expect(cp).toEqual({ origin: o, size, rootHash: Buffer.from(hash), extensions });
          expect(formatCheckpoint(cp)).toBe(text);
        },
      ),
    );
  });

  it('parses the tlog-checkpoint spec example body', () => {
    const cp = parseCheckpoint('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
    expect(cp.rootHash.length).toBe(32);
  });

  it('refuses CRLF, a missing final newline, non-canonical decimals, bad base64 and a short root', () => {
    const bad = [
      `${ORIGIN}\r\n1\r\n${rootB64}\r\n`, // CRLF
      `${ORIGIN}\n1\n${rootB64}`, // no final newline
      `${ORIGIN}\n01\n${rootB64}\n`, // leading zero
      `${ORIGIN}\n+1\n${rootB64}\n`,
      `${ORIGIN}\n-1\n${rootB64}\n`,
      `${ORIGIN}\n 1\n${rootB64}\n`,
      `${ORIGIN}\n1.0\n${rootB64}\n`,
      `${ORIGIN}\n1e3\n${rootB64}\n`,
      `${ORIGIN}\n0x10\n${rootB64}\n`,
      `${ORIGIN}\n9007199254740992\n${rootB64}\n`, // 2^53: not exact in a JS number
      `${ORIGIN}\n1\n${rootB64.slice(0, -1)}\n`, // missing padding
      `${ORIGIN}\n1\n${rootB64.slice(0, -2)}B=\n`, // non-zero trailing bits: not canonical
      `${ORIGIN}\n1\n${rootB64.replace(/\+|\//g, '-')}_\n`, // base64url
      `${ORIGIN}\n1\n ${rootB64}\n`,
      `${ORIGIN}\n1\n${root.subarray(1).toString('base64')}\n`, // 31 bytes
      `${ORIGIN}\n1\n${Buffer.concat([root, root]).toString('base64')}\n`, // 64 bytes
      `\n1\n${rootB64}\n`, // empty origin
      `${ORIGIN}\n1\n`, // two lines
      `${ORIGIN}\n1\n${rootB64}\n\next\n`, // empty extension line
      `${ORIGIN}\n1\n${rootB64}\n\n`, // a trailing blank line
      `${ORIGIN}\n1\n${rootB64}\n\text\n`, // tab
      '',
    ];
    for (const text of bad)
      expect(
        reasonOf(() => parseCheckpoint(text)),
        JSON.stringify(text),
      ).toBe('malformed-checkpoint');
  });

  it('refuses to write a checkpoint with a bad origin, size, root or extension', () => {
    const ok = { origin: ORIGIN, size: 1, rootHash: root };
    expect(reasonOf(() => formatCheckpoint(ok))).toBe('no error');
    for (const input of [
      { ...ok, origin: '' },
      { ...ok, origin: 'has space' },
      { ...ok, origin: 'a+b' },
      { ...ok, origin: 'a\nb' },
      { ...ok, size: -1 },
      { ...ok, size: 1.5 },
      { ...ok, size: Number.NaN },
      { ...ok, size: 2 ** 53 },
      { ...ok, size: -1n },
      { ...ok, rootHash: root.subarray(1) },
      { ...ok, extensions: [''] },
      { ...ok, extensions: ['a\nb'] },
    ]) {
      expect(
        reasonOf(() => formatCheckpoint(input)),
        JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      ).toBe('malformed-checkpoint');
    }
  });
});

describe('signed checkpoints (c2sp.org/signed-note)', () => {
  const ed = generateSigner('ed25519', ORIGIN).signer;
  const sm2 = generateSigner('sm2', ORIGIN).signer;
  const body = formatCheckpoint({ origin: ORIGIN, size: 42, rootHash: root });

  it('an Ed25519-signed checkpoint opens with the log verifier and parses', () => {
    const note = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: root }, ed);
    expect(note.startsWith(`${body}\n\u2014 ${ORIGIN} `)).toBe(true);
    expect(note.endsWith('\n')).toBe(true);
    const opened = openCheckpoint(note, [verifierOf(ed)], { origin: ORIGIN });
    expect(opened.checkpoint).toEqual({ origin: ORIGIN, size: 42, rootHash: root, extensions: [] });
    expect(opened.verifiedBy.map((v) => v.vkey)).toEqual([ed.vkey]);
  });

  it('an SM2-signed checkpoint opens with the SM2 verifier and with one parsed from its vkey', () => {
    const note = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: root }, sm2);
    expect(openCheckpoint(note, [verifierOf(sm2)]).checkpoint.size).toBe(42);
    expect(openCheckpoint(note, [parseVerifierKey(sm2.vkey)]).verifiedBy[0]!.algorithm).toBe('sm2');
  });

  it('a note signed by both keys opens with either, and reports the other signature as unverified', () => {
    const note = signNote(body, [ed, sm2]);
    const withEd = openNote(note, [verifierOf(ed)]);
    expect(withEd.verifiedBy).toHaveLength(1);
    expect(withEd.unverified.map((s) => s.keyHash)).toEqual([sm2.keyHash]);
    expect(openNote(note, [verifierOf(ed), verifierOf(sm2)]).verifiedBy).toHaveLength(2);
  });

  it('ignores a witness cosignature from an unknown key', () => {
    const witness = generateSigner('ed25519', 'witness.example/w1').signer;
    const note = signNote(body, ed) + signNote(body, witness).slice(body.length + 1);
    const opened = openNote(note, [verifierOf(ed)]);
    expect(opened.unverified.map((s) => s.name)).toEqual(['witness.example/w1']);
  });

  it('refuses a checkpoint whose body was changed after signing (size, root or origin)', () => {
    for (const signer of [ed, sm2]) {
      const note = signNote(body, signer);
      const changed = [
        note.replace('\n42\n', '\n43\n'),
        note.replace(rootB64, Buffer.from(root).fill(0, 0, 1).toString('base64')),
        note.replace(`${ORIGIN}\n42`, `${ORIGIN}x\n42`),
      ];
      for (const text of changed) {
        expect(text).not.toBe(note);
        expect(reasonOf(() => openNote(text, [verifierOf(signer)]))).toBe('bad-signature');
      }
    }
  });

  it('refuses a changed signature byte, and a signature moved onto another checkpoint', () => {
    for (const signer of [ed, sm2]) {
      const note = signNote(body, signer);
      const { signatures } = splitNote(note);
      const raw = Buffer.concat([Buffer.alloc(4), signatures[0]!.signature]);
      raw.writeUInt32BE(signer.keyHash);
      raw[raw.length - 5]! ^= 0x01;
      const flipped = `${body}\n\u2014 ${ORIGIN} ${raw.toString('base64')}\n`;
      expect(reasonOf(() => openNote(flipped, [verifierOf(signer)]))).toBe('bad-signature');
      const other = formatCheckpoint({ origin: ORIGIN, size: 43, rootHash: root });
      const moved = `${other}\n${note.slice(body.length + 1)}`;
      expect(reasonOf(() => openNote(moved, [verifierOf(signer)]))).toBe('bad-signature');
    }
  });

  it('refuses a note no known key signed: a wrong key under the same name, an unknown name, no verifiers', () => {
    const note = signNote(body, ed);
    const impostor = generateSigner('ed25519', ORIGIN).signer;
    expect(reasonOf(() => openNote(note, [verifierOf(impostor)]))).toBe('unverified-note');
    const otherName = generateSigner('ed25519', 'other.example/log').signer;
    expect(reasonOf(() => openNote(signNote(body, otherName), [verifierOf(ed)]))).toBe('unverified-note');
    expect(reasonOf(() => openNote(note, []))).toBe('unverified-note');
  });

  it('refuses a signature by a known key ID under another name, and a known name with a forged key ID', () => {
    const note = signNote(body, ed);
    // Same key ID, different name: an unknown key, ignored; so nothing verified.
    const renamed = note.replace(`\u2014 ${ORIGIN} `, '\u2014 other.example/log ');
    expect(reasonOf(() => openNote(renamed, [verifierOf(ed)]))).toBe('unverified-note');
    // Same name, different key ID: also an unknown key.
    const raw = Buffer.concat([Buffer.alloc(4), splitNote(note).signatures[0]!.signature]);
    raw.writeUInt32BE((ed.keyHash ^ 1) >>> 0);
    expect(reasonOf(() => openNote(`${body}\n\u2014 ${ORIGIN} ${raw.toString('base64')}\n`, [verifierOf(ed)]))).toBe('unverified-note');
  });

  it('refuses duplicated signature lines', () => {
    const note = signNote(body, ed);
    const sigLine = note.slice(body.length + 1);
    expect(reasonOf(() => openNote(note + sigLine, [verifierOf(ed)]))).toBe('duplicate-signature');
    const witness = generateSigner('ed25519', 'witness.example/w1').signer;
    const w = signNote(body, witness).slice(body.length + 1);
    expect(reasonOf(() => openNote(note + w + w, [verifierOf(ed)]))).toBe('duplicate-signature');
    expect(reasonOf(() => signNote(body, [ed, ed]))).toBe('duplicate-signature');
  });

  it('refuses malformed notes: CRLF, no blank line, no signature, a hyphen for the em dash, bad base64, no final newline', () => {
    const note = signNote(body, ed);
    const sigLine = note.slice(body.length + 1);
    const bad = [
      note.replace(/\n/g, '\r\n'),
      body + sigLine, // no blank line
      `${body}\n`, // no signature lines
      `${body}\n${sigLine.replace('\u2014', '-')}`,
      `${body}\n${sigLine.replace('\u2014', '--')}`,
      `${body}\n${sigLine.replace('\u2014 ', '\u2014')}`,
      note.slice(0, -1), // no final newline
      `${body}\n${sigLine.replace(/=?\n$/, '!\n')}`,
      `${body}\n\u2014 ${ORIGIN} AAAA\n`, // shorter than key ID + 1 byte
      `${body}\n\u2014  AAAAAAAA\n`, // empty name
      note + '\n',
      note.replace(ORIGIN, `${ORIGIN}\u0000`),
    ];
    for (const text of bad)
      expect(
        reasonOf(() => openNote(text, [verifierOf(ed)])),
        JSON.stringify(text),
      ).toBe('malformed-note');
  });

  it(`refuses more than ${MAX_NOTE_SIGNATURES} signature lines and more than one verifier for a key`, () => {
    const fake = Array.from(
      { length: MAX_NOTE_SIGNATURES + 1 },
      (_, i) => `\u2014 w${i}.example ${Buffer.alloc(68, i).toString('base64')}\n`,
    ).join('');
    expect(reasonOf(() => openNote(`${body}\n${fake}`, [verifierOf(ed)]))).toBe('too-many-signatures');
    expect(reasonOf(() => openNote(signNote(body, ed), [verifierOf(ed), parseVerifierKey(ed.vkey)]))).toBe('ambiguous-verifiers');
  });

  it('refuses to sign a body without a final newline or with a carriage return', () => {
    expect(reasonOf(() => signNote(body.slice(0, -1), ed))).toBe('malformed-note');
    expect(reasonOf(() => signNote(body.replace('\n', '\r\n'), ed))).toBe('malformed-note');
    expect(reasonOf(() => signNote('', ed))).toBe('malformed-note');
  });

  it('refuses a checkpoint of another origin when the origin is expected, and a note that is not a checkpoint', () => {
    const other = generateSigner('ed25519', 'other.example/log').signer;
    const note = signCheckpoint({ origin: 'other.example/log', size: 1, rootHash: root }, other);
    expect(reasonOf(() => openCheckpoint(note, [verifierOf(other)], { origin: ORIGIN }))).toBe('origin-mismatch');
    expect(reasonOf(() => openCheckpoint(signNote('hello\n', ed), [verifierOf(ed)]))).toBe('malformed-checkpoint');
  });
});

describe.skipIf(lacks('openssl'))('SM2 checkpoint signatures checked by the openssl command line', () => {
  it('openssl verifies the signature of an SM2-signed checkpoint over its body, and refuses a changed body', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wangbao-checkpoint-'));
    try {
      const { signer } = generateSigner('sm2', ORIGIN);
      const note = signCheckpoint({ origin: ORIGIN, size: 1_000_000, rootHash: root }, signer);
      const { body, signatures } = splitNote(note);
      expect(signatures[0]!.keyHash).toBe(signer.keyHash);
      writeFileSync(path.join(dir, 'pub.pem'), signer.publicKeyPem);
      writeFileSync(path.join(dir, 'body.txt'), body);
      writeFileSync(path.join(dir, 'changed.txt'), body.replace('1000000', '1000001'));
      writeFileSync(path.join(dir, 'sig.der'), signatures[0]!.signature);
      const verify = (file: string) =>
        spawnSync(
          'openssl',
          [
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            path.join(dir, 'pub.pem'),
            '-rawin',
            '-in',
            path.join(dir, file),
            '-sigfile',
            path.join(dir, 'sig.der'),
            '-digest',
            'sm3',
            '-pkeyopt',
            'distid:1234567812345678',
          ],
          { encoding: 'utf8' },
        );
      const ok = verify('body.txt');
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('Signature Verified Successfully');
      expect(verify('changed.txt').status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
