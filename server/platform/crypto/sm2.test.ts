import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SM2_P256_PARAMS,
  createSm2Curve,
  generateSm2KeyPair,
  sm2PrivateKeyFromPem,
  sm2PrivateKeyToPem,
  sm2PublicKeyFromPem,
  sm2PublicKeyOf,
  sm2PublicKeyToPem,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  sm3,
  type Sm2Signature,
} from './sm2.js';
import { lacks } from '../../../test/helpers/system-tools.js';

const hex = (x: bigint) => x.toString(16).toUpperCase().padStart(64, '0');
const msg = Buffer.from('message digest', 'ascii');

describe('SM2 known answers', () => {
  it('SM3 of "abc" is the GM/T 0004-2012 Appendix A.1 example', () => {
    expect(sm3(Buffer.from('abc')).toString('hex')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('signs the GM/T 0003.5 (GB/T 32918.5) Annex A example on the recommended curve to the published r and s', () => {
    const d = 0x3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8n;
    const k = 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n;
    const pub = sm2PublicKeyOf(d).toAffine();
    expect(hex(pub.x)).toBe('09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020');
    expect(hex(pub.y)).toBe('CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13');
    const sig = sm2Sign(d, msg, { id: '1234567812345678', k });
    expect(hex(sig.r)).toBe('F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3');
    expect(hex(sig.s)).toBe('B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA');
    expect(sm2Verify(sm2PublicKeyOf(d), msg, sig)).toBe(true);
  });

  it('signs the GM/T 0003.2 example (ID ALICE123@YAHOO.COM, Fp-256 sample curve) to the published r and s', () => {
    const curve = createSm2Curve({
      p: 0x8542d69e4c044f18e8b92435bf6ff7de457283915c45517d722edb8b08f1dfc3n,
      a: 0x787968b4fa32c3fd2417842e73bbfeff2f3c848b6831d7e0ec65228b3937e498n,
      b: 0x63e4c6d3b23b0c849cf84241484bfe48f61d59a5b16ba06e6e12d1da27c5249an,
      n: 0x8542d69e4c044f18e8b92435bf6ff7dd297720630485628d5ae74ee7c32e79b7n,
      Gx: 0x421debd61b62eab6746434ebc3cc315e32220b3badd50bdc4c4e6c147fedd43dn,
      Gy: 0x0680512bcbb42c07d47349d2153b70c4e5d7fdfcbfa36ea1a85841b9e46e09a2n,
    });
    const d = 0x128b2fa8bd433c6c068c8d803dff79792a519a55171b1b650c23661d15897263n;
    const k = 0x6cb28d99385c175c94f94e934817663fc176d925dd72b727260dbaae1fb2f96fn;
    const pub = sm2PublicKeyOf(d, curve);
    expect(hex(pub.toAffine().x)).toBe('0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A');
    const sig = sm2Sign(d, msg, { id: 'ALICE123@YAHOO.COM', k, curve });
    expect(hex(sig.r)).toBe('40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1');
    expect(hex(sig.s)).toBe('6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7');
    expect(sm2Verify(pub, msg, sig, { id: 'ALICE123@YAHOO.COM', curve })).toBe(true);
    expect(sm2Verify(pub, msg, sig, { id: '1234567812345678', curve })).toBe(false);
  });
});

describe('SM2 sign and verify', () => {
  const d = 0x3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8n;
  const pub = sm2PublicKeyOf(d);
  const sig = sm2Sign(d, msg);
  const n = SM2_P256_PARAMS.n;

  it('verifies its own signature and draws a fresh k each time', () => {
    expect(sm2Verify(pub, msg, sig)).toBe(true);
    const again = sm2Sign(d, msg);
    expect(again.r).not.toBe(sig.r);
    expect(sm2Verify(pub, msg, again)).toBe(true);
  });

  it('refuses a changed message, a changed r or s, a wrong signer ID and another key', () => {
    expect(sm2Verify(pub, Buffer.from('message digesT'), sig)).toBe(false);
    expect(sm2Verify(pub, msg, { r: sig.r + 1n, s: sig.s })).toBe(false);
    expect(sm2Verify(pub, msg, { r: sig.r, s: sig.s ^ 1n })).toBe(false);
    expect(sm2Verify(pub, msg, sig, { id: '1234567812345679' })).toBe(false);
    expect(sm2Verify(pub, msg, sig, { id: '' })).toBe(false);
    expect(sm2Verify(sm2PublicKeyOf(d + 1n), msg, sig)).toBe(false);
  });

  it('refuses r or s outside [1, n-1] and r + s = n', () => {
    const bad: Sm2Signature[] = [
      { r: 0n, s: sig.s },
      { r: sig.r, s: 0n },
      { r: sig.r + n, s: sig.s },
      { r: sig.r, s: sig.s + n },
      { r: sig.r, s: n - sig.r },
    ];
    for (const b of bad) expect(sm2Verify(pub, msg, b)).toBe(false);
  });

  it('encodes the signature as strict DER and refuses any other encoding', () => {
    const der = sm2SignatureToDer(sig);
    expect(sm2SignatureFromDer(der)).toEqual(sig);
    const small = sm2SignatureToDer({ r: 1n, s: 0x80n });
    expect(small.toString('hex')).toBe('3007020101020200' + '80');
    expect(() => sm2SignatureFromDer(Buffer.concat([der, Buffer.from([0])]))).toThrow(/trailing/);
    expect(() => sm2SignatureFromDer(Buffer.from('30080202000102020080', 'hex'))).toThrow(/non-minimal/);
    expect(() => sm2SignatureFromDer(Buffer.from('3006020181020101', 'hex'))).toThrow(/negative/);
    expect(() => sm2SignatureFromDer(Buffer.from('3009020101020101020101', 'hex'))).toThrow(/two INTEGERs/);
    expect(() => sm2SignatureFromDer(Buffer.from('30810602010102010101', 'hex'))).toThrow(/non-minimal length/);
  });

  it('writes keys as PEM that read back to the same key, and refuses a public key that does not match', () => {
    const { privateKeyPem, publicKeyPem } = generateSm2KeyPair();
    const key = sm2PrivateKeyFromPem(privateKeyPem);
    expect(sm2PublicKeyFromPem(publicKeyPem).equals(sm2PublicKeyOf(key))).toBe(true);
    expect(sm2PrivateKeyToPem(key)).toBe(privateKeyPem);
    expect(sm2PublicKeyToPem(sm2PublicKeyFromPem(publicKeyPem))).toBe(publicKeyPem);
    // Swap the embedded public key of one PKCS#8 for another's.
    const other = sm2PrivateKeyToPem(key === 5n ? 6n : 5n);
    const a = Buffer.from(privateKeyPem.replace(/-----[^-]+-----|\n/g, ''), 'base64');
    const b = Buffer.from(other.replace(/-----[^-]+-----|\n/g, ''), 'base64');
    const spliced = Buffer.concat([a.subarray(0, a.length - 65), b.subarray(b.length - 65)]);
    const splicedPem = `-----BEGIN PRIVATE KEY-----\n${spliced.toString('base64')}\n-----END PRIVATE KEY-----\n`;
    expect(() => sm2PrivateKeyFromPem(splicedPem)).toThrow(/does not match/);
  });
});

describe.skipIf(lacks('openssl'))('SM2 interop with the openssl command line', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });
  const ID = '1234567812345678';

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wangbao-sm2-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SM3 equals openssl dgst -sm3', () => {
    const data = Buffer.from('账本 checkpoint\n'.repeat(100));
    writeFileSync(file('data.bin'), data);
    const out = execFileSync('openssl', ['dgst', '-sm3', '-r', file('data.bin')], { encoding: 'utf8' });
    expect(out.split(' ')[0]).toBe(sm3(data).toString('hex'));
  });

  it('openssl verifies our signature with distid 1234567812345678, and refuses it with another ID or message', () => {
    const { privateKeyPem, publicKeyPem } = generateSm2KeyPair();
    const message = Buffer.from('wangbao.example/ledger\n42\n' + 'A'.repeat(43) + '=\n');
    const sig = sm2SignatureToDer(sm2Sign(sm2PrivateKeyFromPem(privateKeyPem), message));
    writeFileSync(file('pub.pem'), publicKeyPem);
    writeFileSync(file('msg.bin'), message);
    writeFileSync(file('other.bin'), Buffer.concat([message, Buffer.from('x')]));
    writeFileSync(file('sig.der'), sig);
    const pkeyutl = (msgFile: string, id: string) =>
      openssl(
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        file('pub.pem'),
        '-rawin',
        '-in',
        msgFile,
        '-sigfile',
        file('sig.der'),
        '-digest',
        'sm3',
        '-pkeyopt',
        `distid:${id}`,
      );
    const ok = pkeyutl(file('msg.bin'), ID);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Signature Verified Successfully');
    expect(pkeyutl(file('msg.bin'), '1234567812345679').status).not.toBe(0);
    expect(pkeyutl(file('other.bin'), ID).status).not.toBe(0);
    const dgst = openssl(
      'dgst',
      '-sm3',
      '-verify',
      file('pub.pem'),
      '-sigopt',
      `distid:${ID}`,
      '-signature',
      file('sig.der'),
      file('msg.bin'),
    );
    expect(dgst.status, dgst.stderr).toBe(0);
    expect(dgst.stdout).toContain('Verified OK');
  });

  it('verifies a signature openssl made with a key openssl generated, and not with another ID or message', () => {
    expect(openssl('genpkey', '-algorithm', 'SM2', '-out', file('os-priv.pem')).status).toBe(0);
    expect(openssl('pkey', '-in', file('os-priv.pem'), '-pubout', '-out', file('os-pub.pem')).status).toBe(0);
    const message = Buffer.from('签名由 openssl 生成\n');
    writeFileSync(file('os-msg.bin'), message);
    const signed = openssl(
      'pkeyutl',
      '-sign',
      '-inkey',
      file('os-priv.pem'),
      '-rawin',
      '-in',
      file('os-msg.bin'),
      '-out',
      file('os-sig.der'),
      '-digest',
      'sm3',
      '-pkeyopt',
      `distid:${ID}`,
    );
    expect(signed.status, signed.stderr).toBe(0);
    const pub = sm2PublicKeyFromPem(readFileSync(file('os-pub.pem'), 'utf8'));
    const sig = sm2SignatureFromDer(readFileSync(file('os-sig.der')));
    expect(sm2Verify(pub, message, sig)).toBe(true);
    expect(sm2Verify(pub, message, sig, { id: 'ALICE123@YAHOO.COM' })).toBe(false);
    expect(sm2Verify(pub, Buffer.from('签名由 openssl 生成?\n'), sig)).toBe(false);
    // The key files read and write back byte for byte as openssl wrote them.
    const d = sm2PrivateKeyFromPem(readFileSync(file('os-priv.pem'), 'utf8'));
    expect(sm2PrivateKeyToPem(d)).toBe(readFileSync(file('os-priv.pem'), 'utf8'));
    expect(sm2PublicKeyToPem(pub)).toBe(readFileSync(file('os-pub.pem'), 'utf8'));
  });

  it('openssl reads our private key PEM and its signatures verify here', () => {
    const { privateKeyPem, publicKeyPem } = generateSm2KeyPair();
    writeFileSync(file('our-priv.pem'), privateKeyPem);
    const derived = openssl('pkey', '-in', file('our-priv.pem'), '-pubout');
    expect(derived.status, derived.stderr).toBe(0);
    expect(derived.stdout).toBe(publicKeyPem);
    writeFileSync(file('our-msg.bin'), 'hello\n');
    const signed = openssl(
      'pkeyutl',
      '-sign',
      '-inkey',
      file('our-priv.pem'),
      '-rawin',
      '-in',
      file('our-msg.bin'),
      '-out',
      file('our-sig.der'),
      '-digest',
      'sm3',
      '-pkeyopt',
      `distid:${ID}`,
    );
    expect(signed.status, signed.stderr).toBe(0);
    expect(
      sm2Verify(sm2PublicKeyFromPem(publicKeyPem), Buffer.from('hello\n'), sm2SignatureFromDer(readFileSync(file('our-sig.der')))),
    ).toBe(true);
  });

  it('refuses a key on another curve (P-256) written by openssl', () => {
    expect(openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file('p256.pem')).status).toBe(0);
    expect(openssl('pkey', '-in', file('p256.pem'), '-pubout', '-out', file('p256-pub.pem')).status).toBe(0);
    expect(() => sm2PrivateKeyFromPem(readFileSync(file('p256.pem'), 'utf8'))).toThrow(/not an SM2 key/);
    expect(() => sm2PublicKeyFromPem(readFileSync(file('p256-pub.pem'), 'utf8'))).toThrow(/not an SM2 key/);
  });
});
