import { createHash, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { openNote, signNote } from './checkpoint.js';
import {
  NoteError,
  SM2_SIGNATURE_TYPE,
  computeKeyHash,
  generateSigner,
  isValidKeyName,
  parseVerifierKey,
  signerFromPem,
  verifierFromPem,
  verifierOf,
  type NoteErrorReason,
} from './signer.js';
import { sm2PublicKeyFromPem, sm2PublicKeyToBytes } from '../platform/crypto/sm2.js';
import { lacks } from '../../test/helpers/system-tools.js';

// golang.org/x/mod/sumdb/note (note.go doc and note_test.go): the PeterNeumann and EnochRoot keys and signatures.
const GO_SKEY_SEED = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // from PRIVATE+KEY+PeterNeumann+c74f20a3+…
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
// c2sp.org/signed-note's example key and note.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

function ed25519PemFromSeed(seed: Buffer): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
}

function reasonOf(fn: () => unknown): NoteErrorReason | 'no error' | 'other error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof NoteError ? e.reason : 'other error';
  }
}

describe('Ed25519 note keys', () => {
  const peterPem = ed25519PemFromSeed(Buffer.from(GO_SKEY_SEED, 'base64').subarray(1));

  it("reproduces Go's sumdb/note signature byte for byte and derives Go's verifier key", () => {
    const signer = signerFromPem('PeterNeumann', peterPem);
    expect(signer.algorithm).toBe('ed25519');
    expect(signer.vkey).toBe(PETER_VKEY);
    expect(signer.keyHash).toBe(0xc74f20a3);
    expect(signNote(GO_TEXT, signer)).toBe(`${GO_TEXT}\n${PETER_SIG}`);
  });

  it("opens Go's note signed by two keys, and the signed-note spec's example, from their verifier keys", () => {
    const note = `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    const opened = openNote(note, [parseVerifierKey(PETER_VKEY), parseVerifierKey(ENOCH_VKEY)]);
    expect(opened.body).toBe(GO_TEXT);
    expect(opened.verifiedBy.map((v) => v.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    const spec = openNote(SPEC_NOTE, [parseVerifierKey(SPEC_VKEY)]);
    expect(spec.body).toBe('This is an example message.\n');
  });

  it('signatures verify under an independent Ed25519 implementation (@noble/curves)', () => {
    const { signer } = generateSigner('ed25519', 'wangbao.example/ledger');
    const body = 'wangbao.example/ledger\n7\n' + Buffer.alloc(32, 9).toString('base64') + '\n';
    const note = signNote(body, signer);
    const sigLine = note.slice(body.length + 1).trimEnd();
    const raw = Buffer.from(sigLine.split(' ').at(-1)!, 'base64');
    // The base64 part may itself contain '+': take everything after the second '+'.
    const publicKey = Buffer.from(signer.vkey.split('+').slice(2).join('+'), 'base64').subarray(1);
    expect(publicKey.length).toBe(32);
    expect(ed25519.verify(raw.subarray(4), Buffer.from(body), publicKey)).toBe(true);
    expect(ed25519.verify(raw.subarray(4), Buffer.from(body.replace('7', '8')), publicKey)).toBe(false);
  });

  it('reads its own PEM back: same key ID, verifier key and public key', () => {
    const { signer, privateKeyPem } = generateSigner('ed25519', 'log.example/a');
    const again = signerFromPem('log.example/a', privateKeyPem);
    expect(again.vkey).toBe(signer.vkey);
    const verifier = verifierFromPem('log.example/a', signer.publicKeyPem);
    expect(verifier.keyHash).toBe(signer.keyHash);
    expect(verifier.verify(Buffer.from('x'), signer.sign(Buffer.from('x')))).toBe(true);
    expect(verifier.verify(Buffer.from('y'), signer.sign(Buffer.from('x')))).toBe(false);
    expect('sign' in verifierOf(signer)).toBe(false);
  });
});

describe('SM2 note keys', () => {
  it('key ID is SHA-256(name ‖ 0x0A ‖ 0xff ‖ "wangbao/sm2-sm3/1234567812345678" ‖ 65-byte point)[:4]', () => {
    const { signer } = generateSigner('sm2', 'wangbao.example/ledger');
    const point = sm2PublicKeyToBytes(sm2PublicKeyFromPem(signer.publicKeyPem));
    expect(SM2_SIGNATURE_TYPE.toString('latin1')).toBe('\xffwangbao/sm2-sm3/1234567812345678');
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from('wangbao.example/ledger\n'), SM2_SIGNATURE_TYPE, point]))
      .digest()
      .readUInt32BE(0);
    expect(signer.keyHash).toBe(expected);
    expect(computeKeyHash('wangbao.example/ledger', Buffer.concat([SM2_SIGNATURE_TYPE, point]))).toBe(expected);
    expect(signer.vkey).toBe(
      `wangbao.example/ledger+${expected.toString(16).padStart(8, '0')}+${Buffer.concat([SM2_SIGNATURE_TYPE, point]).toString('base64')}`,
    );
  });

  it('an SM2 verifier key parses back to a verifier of the same key', () => {
    const { signer } = generateSigner('sm2', 'wangbao.example/ledger');
    const verifier = parseVerifierKey(signer.vkey);
    expect(verifier.algorithm).toBe('sm2');
    expect(verifier.keyHash).toBe(signer.keyHash);
    expect(verifier.publicKeyPem).toBe(signer.publicKeyPem);
    const sig = signer.sign(Buffer.from('body\n'));
    expect(verifier.verify(Buffer.from('body\n'), sig)).toBe(true);
    expect(verifier.verify(Buffer.from('body!\n'), sig)).toBe(false);
    expect(verifier.verify(Buffer.from('body\n'), Buffer.from('not DER'))).toBe(false);
  });

  it.skipIf(lacks('openssl'))('signs with an SM2 key from `openssl genpkey -algorithm SM2`', () => {
    const pem = spawnSync('openssl', ['genpkey', '-algorithm', 'SM2'], { encoding: 'utf8' }).stdout;
    const signer = signerFromPem('wangbao.example/ledger', pem);
    expect(signer.algorithm).toBe('sm2');
    const pub = spawnSync('openssl', ['pkey', '-pubout'], { input: pem, encoding: 'utf8' }).stdout;
    expect(signer.publicKeyPem).toBe(pub);
    expect(openNote(signNote('x\n', signer), [verifierFromPem('wangbao.example/ledger', pub)]).body).toBe('x\n');
  });
});

describe('verifier keys and key names', () => {
  it('refuses a verifier key whose key ID does not match, upper-case hex, an unknown type or bad base64', () => {
    const [name, hash, key] = PETER_VKEY.split('+', 3) as [string, string, string];
    const rest = PETER_VKEY.slice(name.length + hash.length + 2);
    expect(key.length).toBeGreaterThan(0);
    expect(reasonOf(() => parseVerifierKey(PETER_VKEY))).toBe('no error');
    expect(reasonOf(() => parseVerifierKey(`${name}+c74f20a4+${rest}`))).toBe('bad-vkey');
    expect(reasonOf(() => parseVerifierKey(`${name}+C74F20A3+${rest}`))).toBe('bad-vkey');
    expect(reasonOf(() => parseVerifierKey(`Peter+c74f20a3+${rest}`))).toBe('bad-vkey');
    const typeAndKey = Buffer.from(rest, 'base64');
    typeAndKey[0] = 0x02;
    expect(reasonOf(() => parseVerifierKey(`${name}+${hash}+${typeAndKey.toString('base64')}`))).toBe('bad-vkey');
    expect(reasonOf(() => parseVerifierKey(`${name}+${hash}+${rest}=`))).toBe('bad-vkey');
    expect(reasonOf(() => parseVerifierKey(`${name}+${hash}+${rest.slice(0, -1)}-`))).toBe('bad-vkey');
    expect(reasonOf(() => parseVerifierKey(`${name}+${hash}+${rest.slice(0, -8)}`))).toBe('bad-vkey');
  });

  it('key names are non-empty with no space, plus or control character', () => {
    for (const good of ['wangbao.example/ledger', 'PeterNeumann', '网保/账本']) expect(isValidKeyName(good)).toBe(true);
    for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u3000b', 'a\u00a0b', 'a\u0085b', 'a\nb', '\ud800'])
      expect(isValidKeyName(bad)).toBe(false);
    expect(reasonOf(() => generateSigner('ed25519', 'bad name'))).toBe('bad-key-name');
  });

  it('refuses a private key PEM that is neither Ed25519 nor SM2', () => {
    const x25519 = generateKeyPairSync('x25519');
    expect(reasonOf(() => signerFromPem('a', x25519.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()))).toBe('bad-key');
    expect(reasonOf(() => verifierFromPem('a', x25519.publicKey.export({ type: 'spki', format: 'pem' }).toString()))).toBe('bad-key');
    expect(reasonOf(() => signerFromPem('a', 'hello'))).toBe('bad-key');
    expect(reasonOf(() => verifierFromPem('a', 'hello'))).toBe('bad-key');
  });
});
