/**
 * The verifier's own primitives against references that owe nothing to wangbao's server code: the Certificate
 * Transparency Merkle vectors, the RFC 8785 examples and the cyberphone test data, and the openssl command line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { leafHash } from './lib/hash.mjs';
import { checkCanonical, canonicalize } from './lib/jcs.mjs';
import { keyId, parsePublicKeyPem } from './lib/keys.mjs';
import { verifyInclusion } from './lib/merkle.mjs';
import { parseCheckpointBody, splitNote } from './lib/note.mjs';
import { sm2Verify } from './lib/sm2.mjs';
import { lacks } from '../test/helpers/system-tools.js';

const VECTORS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors');
const h = (x: string) => Buffer.from(x, 'hex');

describe('RFC 9162 §2.1.3.2 inclusion verification', () => {
  const ct = JSON.parse(readFileSync(path.join(VECTORS, 'ct-merkle.json'), 'utf8')) as {
    leaves: string[];
    roots: string[];
    inclusion: { index: number; treeSize: number; proof: string[] }[];
  };

  it('accepts every Certificate Transparency reference inclusion proof', () => {
    expect(ct.inclusion.length).toBeGreaterThan(5);
    for (const v of ct.inclusion) {
      const r = verifyInclusion(
        'sha256',
        leafHash('sha256', h(ct.leaves[v.index]!)),
        v.index,
        v.treeSize,
        v.proof.map(h),
        h(ct.roots[v.treeSize]!),
      );
      expect(r, JSON.stringify(v)).toEqual({ ok: true });
    }
  });

  it('refuses a CT proof with a flipped hash, a wrong index, a wrong size, one hash too many or too few', () => {
    const v = ct.inclusion.find((x) => x.treeSize === 8 && x.proof.length === 3 && x.index === 5)!;
    expect(v).toBeDefined();
    const leaf = leafHash('sha256', h(ct.leaves[5]!));
    const proof = v.proof.map(h);
    const root = h(ct.roots[8]!);
    const flipped = proof.map((p, i) => (i === 1 ? Buffer.from(p.map((b, j) => (j === 0 ? b ^ 1 : b))) : p));
    expect(verifyInclusion('sha256', leaf, 5, 8, flipped, root)).toMatchObject({ ok: false, reason: 'root' });
    expect(verifyInclusion('sha256', leaf, 4, 8, proof, root)).toMatchObject({ ok: false, reason: 'root' });
    expect(verifyInclusion('sha256', leaf, 5, 7, proof, h(ct.roots[7]!))).toMatchObject({ ok: false });
    expect(verifyInclusion('sha256', leaf, 5, 8, [...proof, proof[0]!], root)).toMatchObject({ ok: false, reason: 'shape' });
    expect(verifyInclusion('sha256', leaf, 5, 8, proof.slice(0, 2), root)).toMatchObject({ ok: false, reason: 'shape' });
    expect(verifyInclusion('sha256', leaf, 8, 8, proof, root)).toMatchObject({ ok: false, reason: 'index' });
  });
});

describe('RFC 8785 canonical JSON', () => {
  const jcs = JSON.parse(readFileSync(path.join(VECTORS, 'jcs-rfc8785.json'), 'utf8')) as {
    cases: { name: string; input: string; output: string }[];
  };

  it('writes the RFC 8785 examples and the cyberphone reference outputs byte for byte', () => {
    expect(jcs.cases.length).toBeGreaterThan(2);
    for (const c of jcs.cases) {
      expect(canonicalize(JSON.parse(c.input)), c.name).toBe(c.output);
      expect(checkCanonical(Buffer.from(c.output, 'utf8')).ok, c.name).toBe(true);
    }
  });

  it('serialises numbers as ECMAScript does (RFC 8785 §3.2.2.3)', () => {
    expect(canonicalize([1e21, 1e-7, 0.1, -0, 333333333.3333333, 5e-324])).toBe('[1e+21,1e-7,0.1,0,333333333.3333333,5e-324]');
  });

  it('refuses whitespace, unsorted or duplicate members, non-canonical escapes and numbers, a BOM, bad UTF-8, lone surrogates', () => {
    const bad = [
      '{"a": 1}',
      '{"b":1,"a":2}',
      '{"a":1,"a":1}',
      '{"a":"\\u0041"}',
      '{"a":"\\/"}',
      '{"a":1.0}',
      '{"a":1E2}',
      '{"a":12345678901234567890}',
      '\ufeff{"a":1}',
      '{"a":"\\ud800"}',
      '{"a":1}\n',
    ];
    for (const text of bad) expect(checkCanonical(Buffer.from(text, 'utf8')).ok, text).toBe(false);
    expect(checkCanonical(Buffer.from([0x22, 0xc3, 0x28, 0x22])).ok).toBe(false);
    expect(checkCanonical(Buffer.from('{"a":[1,"\\u001f",null],"b":{}}', 'utf8')).ok).toBe(true);
  });
});

describe('signed notes and checkpoints', () => {
  // From c2sp.org/signed-note and golang.org/x/mod/sumdb/note: the example Ed25519 key and note.
  const vkeyB64 = 'ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'; // vkey PeterNeumann+c74f20a3+…
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(vkeyB64, 'base64').subarray(1)]);
  const pem = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  const note =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

  it('computes the key ID of the signed-note example key and verifies its signature', async () => {
    const key = parsePublicKeyPem(pem);
    expect(key.algorithm).toBe('ed25519');
    expect(keyId('PeterNeumann', key).toString(16)).toBe('c74f20a3');
    const { text, signatures } = splitNote(note);
    expect(signatures).toMatchObject([{ name: 'PeterNeumann', keyId: 0xc74f20a3 }]);
    expect(await key.verify(Buffer.from(text), signatures[0]!.signature)).toEqual({ ok: true });
    expect((await key.verify(Buffer.from(text.replace('answer', 'answers')), signatures[0]!.signature)).ok).toBe(false);
  });

  it('refuses malformed notes and checkpoint bodies', () => {
    expect(() => splitNote('text\n— a AAAAAAE=\n')).toThrow(/blank line/);
    expect(() => splitNote('text\n\n- a AAAAAAE=\n')).toThrow(/em dash/);
    expect(() => splitNote('text\n\n— a AAAAAAE=\n— a AAAAAAI=\n')).toThrow(/second signature/);
    expect(() => splitNote('text\n\n— a AAAAAAE\n')).toThrow(/base64/);
    expect(() => parseCheckpointBody('o\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n')).toThrow(/leading zeros/);
    expect(() => parseCheckpointBody('o\n1\nAAAA\n')).toThrow(/32/);
    expect(parseCheckpointBody('o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n')).toMatchObject({ origin: 'o', size: 1 });
  });
});

describe.skipIf(lacks('openssl'))('SM2 against the openssl command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wb-verifier-sm2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (n: string) => path.join(dir, n);

  it('verifies a signature openssl made (SM3, distid 1234567812345678), and refuses another message or another ID', async () => {
    execFileSync('openssl', ['genpkey', '-algorithm', 'SM2', '-out', file('k.pem')]);
    execFileSync('openssl', ['pkey', '-in', file('k.pem'), '-pubout', '-out', file('pub.pem')]);
    const message = Buffer.from('wangbao.example/ledger/v1\n21\n签名由 openssl 生成\n');
    writeFileSync(file('m.bin'), message);
    const sign = (id: string, out: string) =>
      execFileSync('openssl', [
        'pkeyutl',
        '-sign',
        '-inkey',
        file('k.pem'),
        '-rawin',
        '-in',
        file('m.bin'),
        '-out',
        file(out),
        '-digest',
        'sm3',
        '-pkeyopt',
        `distid:${id}`,
      ]);
    sign('1234567812345678', 'sig.der');
    sign('another-id', 'sig2.der');
    const key = parsePublicKeyPem(readFileSync(file('pub.pem'), 'utf8'));
    expect(key.algorithm).toBe('sm2');
    expect(sm2Verify(key.raw, message, readFileSync(file('sig.der')))).toEqual({ ok: true });
    expect(await key.verify(message, readFileSync(file('sig.der')))).toEqual({ ok: true });
    expect(sm2Verify(key.raw, Buffer.concat([message, Buffer.from('x')]), readFileSync(file('sig.der'))).ok).toBe(false);
    expect(sm2Verify(key.raw, message, readFileSync(file('sig2.der'))).ok).toBe(false);
  });
});
