import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  certificatesFromPem,
  createDocumentSigner,
  loadOrCreateDevCa,
  renderDocument,
  signPdf,
  verifySignedPdf,
} from '../server/modules/documents/index.js';
import { certificateSignedBy, generatePrivateKeyPem } from '../server/modules/documents/certificates.js';
import { samplePolicyModel } from '../server/modules/documents/sample-policy.js';
import { lacks } from './helpers/system-tools.js';
import { makeTempDir } from './helpers/temp.js';

const work = makeTempDir('documents-ca');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const DAY = 86_400_000;

describe('loadOrCreateDevCa', () => {
  it('creates a root CA and a signing certificate on first start, in a directory it creates, and reuses them afterwards', () => {
    const dir = join(work, 'fresh', 'data', 'documents-ca');
    expect(existsSync(dir)).toBe(false);
    const first = loadOrCreateDevCa(dir);
    expect(first).toMatchObject({ algorithm: 'ecdsa-p256-sha256', created: true, issuedSigner: true });
    const second = loadOrCreateDevCa(dir);
    expect(second).toMatchObject({ created: false, issuedSigner: false });
    expect(second.root.der.equals(first.root.der)).toBe(true);
    expect(second.signer.certificate.der.equals(first.signer.certificate.der)).toBe(true);
    expect(second.signerKeyPem).toBe(first.signerKeyPem);
  });

  it('keeps the private keys readable by the owner only', () => {
    const ca = loadOrCreateDevCa(join(work, 'modes'));
    expect(statSync(join(ca.dir, 'root-ca.key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(ca.dir, 'signing.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(ca.dir, 'root-ca.crt.pem'), 'utf8')).not.toContain('PRIVATE KEY');
  });

  it('issues the signing certificate from the root: a CA root, an end-entity signer whose signature the root made', () => {
    for (const algorithm of ['ecdsa-p256-sha256', 'sm2-sm3'] as const) {
      const ca = loadOrCreateDevCa(join(work, 'chain'), { algorithm });
      expect(ca.root.isCa).toBe(true);
      expect(ca.signer.certificate.isCa).toBe(false);
      expect(ca.signer.certificate.issuer.equals(ca.root.subject)).toBe(true);
      expect(certificateSignedBy(ca.signer.certificate, ca.root)).toBe(true);
      expect(certificateSignedBy(ca.root, ca.root)).toBe(true);
      expect(certificateSignedBy(ca.signer.certificate, ca.signer.certificate)).toBe(false);
      expect(ca.signer.chain.map((c) => c.der.equals(ca.root.der))).toEqual([true]);
    }
  });

  it('replaces a signing certificate about to expire, keeping the root', () => {
    const dir = join(work, 'renew');
    const now = new Date('2025-03-01T00:00:00Z');
    const first = loadOrCreateDevCa(dir, { now });
    const later = new Date(first.signer.certificate.notAfter.getTime() - 10 * DAY);
    const renewed = loadOrCreateDevCa(dir, { now: later });
    expect(renewed).toMatchObject({ created: false, issuedSigner: true });
    expect(renewed.root.der.equals(first.root.der)).toBe(true);
    expect(renewed.signer.certificate.der.equals(first.signer.certificate.der)).toBe(false);
    expect(renewed.signer.certificate.notAfter.getTime()).toBeGreaterThan(later.getTime() + 365 * DAY);
    expect(loadOrCreateDevCa(dir, { now: later }).issuedSigner).toBe(false);
  });

  describe.skipIf(lacks('openssl'))('read by OpenSSL', () => {
    it('writes RSA and ECDSA certificates that openssl parses and verifies against the root', () => {
      for (const algorithm of ['rsa-sha256', 'ecdsa-p256-sha256'] as const) {
        const ca = loadOrCreateDevCa(join(work, 'openssl'), { algorithm });
        const root = join(ca.dir, 'root-ca.crt.pem');
        const leaf = join(work, `${algorithm}-leaf.pem`);
        writeFileSync(leaf, ca.signerCertPem);
        expect(execFileSync('openssl', ['verify', '-CAfile', root, leaf], { encoding: 'utf8' }).trim()).toBe(`${leaf}: OK`);
        const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', leaf], { encoding: 'utf8' });
        expect(text).toContain('Digital Signature, Non Repudiation');
        expect(text).toContain('CA:FALSE');
        expect(text).toContain(algorithm === 'rsa-sha256' ? 'Public-Key: (3072 bit)' : 'ASN1 OID: prime256v1');
      }
    });
  });
});

describe('createDocumentSigner (production PEM configuration)', () => {
  const ca = loadOrCreateDevCa(join(work, 'pem'), { algorithm: 'ecdsa-p256-sha256' });

  it('signs with a certificate, key and chain given as PEM text', async () => {
    const signer = createDocumentSigner({ certPem: ca.signerCertPem, keyPem: ca.signerKeyPem, chainPems: [ca.rootCertPem] });
    expect(signer.algorithm).toBe('ecdsa-p256-sha256');
    expect(signer.certificateSha256).toMatch(/^[0-9a-f]{64}$/);
    const pdf = await signPdf(await renderDocument(samplePolicyModel()), signer, { signedAt: new Date() });
    const [report] = verifySignedPdf(pdf, { trustedRoots: certificatesFromPem(ca.rootCertPem) });
    expect(report).toMatchObject({ valid: true });
    expect(report!.verification.trusted).toBe(true);
  });

  it('takes the chain from the same PEM text as the certificate', () => {
    const signer = createDocumentSigner({ certPem: ca.signerCertPem + ca.rootCertPem, keyPem: ca.signerKeyPem });
    expect(signer.chain).toHaveLength(1);
  });

  it('refuses a key that does not belong to the certificate', () => {
    expect(() => createDocumentSigner({ certPem: ca.signerCertPem, keyPem: generatePrivateKeyPem('ecdsa-p256-sha256') })).toThrow(
      'the private key does not belong to the certificate',
    );
    expect(() => createDocumentSigner({ certPem: ca.signerCertPem, keyPem: generatePrivateKeyPem('sm2-sm3') })).toThrow(
      'the certificate holds a ecdsa-p256-sha256 key, the private key is sm2-sm3',
    );
  });

  it('refuses a mismatched algorithm, a CA certificate and a certificate outside its validity', () => {
    expect(() => createDocumentSigner({ certPem: ca.signerCertPem, keyPem: ca.signerKeyPem, algorithm: 'rsa-sha256' })).toThrow(
      'configured as rsa-sha256',
    );
    const rootKey = readFileSync(join(ca.dir, 'root-ca.key.pem'), 'utf8');
    expect(() => createDocumentSigner({ certPem: ca.rootCertPem, keyPem: rootKey })).toThrow('is a CA certificate');
    const afterExpiry = new Date(ca.signer.certificate.notAfter.getTime() + DAY);
    expect(() => createDocumentSigner({ certPem: ca.signerCertPem, keyPem: ca.signerKeyPem }, afterExpiry)).toThrow('not now');
    expect(() => createDocumentSigner({ certPem: 'no certificate here', keyPem: ca.signerKeyPem })).toThrow('holds no CERTIFICATE');
  });
});
