import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CMS_OID,
  loadOrCreateDevCa,
  parseSignedData,
  renderDocument,
  signPdf,
  verifySignedPdf,
  type DevCa,
  type SignatureAlgorithm,
} from '../server/modules/documents/index.js';
import { childrenOf, contentOf, parseDer, readOid } from '../server/platform/crypto/der.js';
import { samplePolicyModel } from '../server/modules/documents/sample-policy.js';
import { lacks } from './helpers/system-tools.js';
import { makeTempDir } from './helpers/temp.js';

const work = makeTempDir('documents-signature');
afterAll(() => rmSync(work, { recursive: true, force: true }));
let seq = 0;
function writeTemp(bytes: Buffer | string, ext = 'pdf'): string {
  const path = join(work, `f-${++seq}.${ext}`);
  writeFileSync(path, bytes);
  return path;
}
const pdfsig = (pdf: Buffer) => spawnSync('pdfsig', [writeTemp(pdf)], { encoding: 'utf8' }).stdout;

const signedAt = new Date('2025-03-01T02:13:00Z');
const cas = new Map<SignatureAlgorithm, DevCa>();
const ca = (algorithm: SignatureAlgorithm) => {
  let found = cas.get(algorithm);
  if (!found) cas.set(algorithm, (found = loadOrCreateDevCa(join(work, 'ca'), { algorithm })));
  return found;
};
let unsigned: Buffer;
beforeAll(async () => {
  unsigned = await renderDocument(samplePolicyModel());
});

async function signed(algorithm: SignatureAlgorithm): Promise<Buffer> {
  return signPdf(unsigned, ca(algorithm).signer, { signedAt, reason: '电子保险单签章', location: '上海' });
}

/** Flips one bit inside compressed page content, well inside the first signed range. */
function tamperContent(pdf: Buffer): Buffer {
  const copy = Buffer.from(pdf);
  const at = copy.indexOf('stream\n', 1000) + 'stream\n'.length + 20;
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

/** Changes one hex digit of the trailer's /ID after the signature value: the second signed range. */
function tamperAfterSignature(pdf: Buffer): Buffer {
  const copy = Buffer.from(pdf);
  const trailer = copy.lastIndexOf('trailer');
  const id = copy.indexOf('/ID [<', trailer) + '/ID [<'.length;
  copy[id] = copy[id] === 0x30 ? 0x31 : 0x30;
  return copy;
}

function signerInfoOf(pdf: Buffer) {
  const [report] = verifySignedPdf(pdf);
  const cms = parseSignedData(report!.cms);
  return { report: report!, cms, si: cms.signerInfos[0]! };
}

describe.skipIf(lacks('pdfsig', 'pdftotext'))('pdfsig (poppler/NSS) on PAdES signatures', () => {
  for (const algorithm of ['ecdsa-p256-sha256', 'rsa-sha256'] as const) {
    it(`M§22 pdfsig reports the ${algorithm} signature valid over the total document`, async () => {
      const out = pdfsig(await signed(algorithm));
      expect(out).toContain('  - Signature Validation: Signature is Valid.\n');
      expect(out).toContain('  - Signature Type: ETSI.CAdES.detached\n');
      expect(out).toContain('  - Total document signed\n');
      expect(out).toContain('  - Signing Hash Algorithm: SHA-256\n');
      expect(out).toContain('  - Signing Time: Mar 01 2025 02:13:00\n');
      expect(out).toContain(`  - Signer Certificate Common Name: wangbao document signing (development, ${algorithm})\n`);
    });

    it(`after one byte of the signed content changes, pdfsig reports the ${algorithm} signature invalid`, async () => {
      const pdf = await signed(algorithm);
      for (const tampered of [tamperContent(pdf), tamperAfterSignature(pdf)]) {
        expect(tampered.equals(pdf)).toBe(false);
        const out = pdfsig(tampered);
        expect(out).toContain('Signature #1:');
        expect(out).not.toContain('Signature is Valid.');
        expect(out).toContain('  - Signature Validation: Digest Mismatch.\n');
      }
    });
  }

  it('a second signature keeps the first one valid, which then no longer covers the whole file', async () => {
    const once = await signed('ecdsa-p256-sha256');
    const twice = await signPdf(once, ca('rsa-sha256').signer, { signedAt: new Date(signedAt.getTime() + 60_000) });
    const out = pdfsig(twice);
    expect(out.match(/Signature is Valid\./g)).toHaveLength(2);
    expect(out).toContain('Signature #2:');
    const [first, second] = out.split('Signature #2:');
    expect(first).not.toContain('Total document signed');
    expect(second).toContain('Total document signed');
    expect(verifySignedPdf(twice).map((r) => [r.fieldName, r.valid, r.coversWholeDocument])).toEqual([
      ['Signature1', true, false],
      ['Signature2', true, true],
    ]);
    // The signed update changes nothing that was rendered: the text is the same.
    const text = (pdf: Buffer) => execFileSync('pdftotext', ['-enc', 'UTF-8', writeTemp(pdf), '-'], { encoding: 'utf8' });
    expect(text(twice)).toBe(text(unsigned));
  });
});

describe('the PAdES B-B CMS signature', () => {
  it('PAdES B-B: signed attributes are content-type, message-digest and signing-certificate-v2, and there is no signing-time', async () => {
    for (const algorithm of ['ecdsa-p256-sha256', 'rsa-sha256'] as const) {
      const { si } = signerInfoOf(await signed(algorithm));
      expect([...si.signedAttributes.keys()].sort()).toEqual(
        [CMS_OID.contentType, CMS_OID.messageDigest, CMS_OID.signingCertificateV2].sort(),
      );
      expect(si.signedAttributes.has(CMS_OID.signingTime)).toBe(false);
      expect(si.signedAttributes.has(CMS_OID.signingCertificate)).toBe(false);
    }
  });

  it('signing-certificate-v2 names the signer certificate by its SHA-256 hash and its issuer serial number', async () => {
    const { si } = signerInfoOf(await signed('ecdsa-p256-sha256'));
    const signer = ca('ecdsa-p256-sha256').signer.certificate;
    const value = parseDer(si.signedAttributes.get(CMS_OID.signingCertificateV2)![0]!);
    const [certs] = childrenOf(value);
    const [essCertIdV2] = childrenOf(certs!);
    const [certHash, issuerSerial] = childrenOf(essCertIdV2!);
    // SHA-256 is the DEFAULT hash algorithm, so DER leaves the AlgorithmIdentifier out and the hash comes first.
    expect(certHash!.tag).toBe(0x04);
    expect(contentOf(certHash!).toString('hex')).toBe(createHash('sha256').update(signer.der).digest('hex'));
    const [, serial] = childrenOf(issuerSerial!);
    expect(contentOf(serial!).equals(signer.serialNumber)).toBe(true);
  });

  it('the signature dictionary is /ETSI.CAdES.detached with /M the signing time, and the byte range is the whole file but /Contents', async () => {
    const pdf = await signed('ecdsa-p256-sha256');
    const { report, cms } = signerInfoOf(pdf);
    expect(report.subFilter).toBe('ETSI.CAdES.detached');
    expect(report.signingTime).toBe('D:20250301021300Z');
    expect(cms.detached).toBe(true);
    expect(cms.encapsulatedContentType).toBe(CMS_OID.data);
    const [a, b, c, d] = report.byteRange;
    expect(a).toBe(0);
    expect(c! + d!).toBe(pdf.length);
    expect(pdf.toString('latin1', b!, b! + 1)).toBe('<');
    expect(pdf.toString('latin1', c! - 1, c!)).toBe('>');
    expect(report.coversWholeDocument).toBe(true);
    // The rendered file is the prefix of the signed one: signing is an incremental update.
    expect(pdf.subarray(0, unsigned.length).equals(unsigned)).toBe(true);
  });

  it('verifies with the chain ending in the development root, and reports a changed byte or appended bytes', async () => {
    const pdf = await signed('ecdsa-p256-sha256');
    const root = ca('ecdsa-p256-sha256').root;
    const [good] = verifySignedPdf(pdf, { trustedRoots: [root], at: new Date() });
    expect(good!.valid).toBe(true);
    expect(good!.verification.trusted).toBe(true);
    expect(good!.verification.chain.map((c) => c.isCa)).toEqual([false, true]);
    expect(verifySignedPdf(tamperContent(pdf))[0]!.valid).toBe(false);
    expect(verifySignedPdf(tamperContent(pdf))[0]!.verification.problems).toContain('the content does not match the message digest');
    const appended = Buffer.concat([pdf, Buffer.from('% appended\n')]);
    expect(verifySignedPdf(appended)[0]).toMatchObject({ valid: true, coversWholeDocument: false });
    // Another CA's root does not make the chain trusted.
    expect(verifySignedPdf(pdf, { trustedRoots: [ca('rsa-sha256').root] })[0]!.verification.trusted).toBe(false);
  });
});

describe('SM2 signatures (GM/T 0003 with SM3, signer ID 1234567812345678)', () => {
  it('GM/T 0003: an SM2 PAdES signature verifies, and a changed byte makes it invalid', async () => {
    const pdf = await signed('sm2-sm3');
    const [report] = verifySignedPdf(pdf, { trustedRoots: [ca('sm2-sm3').root] });
    expect(report).toMatchObject({ valid: true, coversWholeDocument: true, subFilter: 'ETSI.CAdES.detached' });
    expect(report!.verification).toMatchObject({
      algorithm: 'sm2-sm3',
      trusted: true,
      signingCertificateV2: true,
      signingTimeAttribute: false,
    });
    for (const tampered of [tamperContent(pdf), tamperAfterSignature(pdf)]) {
      const [bad] = verifySignedPdf(tampered);
      expect(bad!.valid).toBe(false);
      expect(bad!.verification.problems).toContain('the content does not match the message digest');
    }
  });

  it('names SM3 (1.2.156.10197.1.401) and SM2-with-SM3 (1.2.156.10197.1.501), and hashes the certificate with SM3', async () => {
    const { cms, si } = signerInfoOf(await signed('sm2-sm3'));
    expect(cms.digestAlgorithmOids).toEqual(['1.2.156.10197.1.401']);
    expect(si.digestAlgorithmOid).toBe('1.2.156.10197.1.401');
    expect(si.signatureAlgorithmOid).toBe('1.2.156.10197.1.501');
    expect(si.signedAttributes.has(CMS_OID.signingTime)).toBe(false);
    const essCertIdV2 = childrenOf(childrenOf(parseDer(si.signedAttributes.get(CMS_OID.signingCertificateV2)![0]!))[0]!)[0]!;
    const [hashAlgorithm, certHash] = childrenOf(essCertIdV2);
    expect(readOid(childrenOf(hashAlgorithm!)[0])).toBe('1.2.156.10197.1.401');
    expect(contentOf(certHash!).equals(createHash('sm3').update(ca('sm2-sm3').signer.certificate.der).digest())).toBe(true);
    // The certificates carry the SM2 curve: id-ecPublicKey with sm2p256v1 (1.2.156.10197.1.301).
    expect(cms.certificates.every((c) => c.publicKey.algorithm === 'sm2-sm3')).toBe(true);
  });

  describe.skipIf(lacks('openssl'))('cross-checked with OpenSSL 3', () => {
    // OpenSSL 3 uses an empty SM2 ID unless told otherwise, and `openssl cms -verify` cannot be told; so the CMS
    // pieces are checked one by one with the tools that take a distinguishing ID.
    it('openssl pkeyutl verifies the SignerInfo signature over the signed attributes with ID 1234567812345678', async () => {
      const { si } = signerInfoOf(await signed('sm2-sm3'));
      const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', writeTemp(ca('sm2-sm3').signerCertPem, 'pem')], {
        encoding: 'utf8',
      });
      const verify = (data: Buffer) =>
        spawnSync(
          'openssl',
          [
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            writeTemp(pub, 'pem'),
            '-rawin',
            '-digest',
            'sm3',
            '-pkeyopt',
            'distid:1234567812345678',
            '-in',
            writeTemp(data, 'der'),
            '-sigfile',
            writeTemp(si.signature, 'sig'),
          ],
          { encoding: 'utf8' },
        );
      const good = verify(si.signedAttributesDer);
      expect(good.stdout).toContain('Signature Verified Successfully');
      const changed = Buffer.from(si.signedAttributesDer);
      changed[changed.length - 1] = changed[changed.length - 1]! ^ 0x01;
      expect(verify(changed).stdout).toContain('Signature Verification Failure');
    });

    it('openssl verify accepts the SM2 certificate chain (ID 1234567812345678) and parses the CMS', async () => {
      const dev = ca('sm2-sm3');
      const out = execFileSync(
        'openssl',
        ['verify', '-vfyopt', 'distid:1234567812345678', '-CAfile', writeTemp(dev.rootCertPem, 'pem'), writeTemp(dev.signerCertPem, 'pem')],
        { encoding: 'utf8' },
      );
      expect(out.trim()).toMatch(/: OK$/);
      const pdf = await signed('sm2-sm3');
      const { report } = signerInfoOf(pdf);
      const printed = execFileSync(
        'openssl',
        ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', writeTemp(parseSignedData(report.cms).der, 'der')],
        {
          encoding: 'utf8',
        },
      );
      expect(printed).toContain('eContent: <ABSENT>');
      expect(printed).toContain('SM2-with-SM3 (1.2.156.10197.1.501)');
      expect(printed).toContain('id-smime-aa-signingCertificateV2');
      expect(printed).not.toContain('signingTime');
      // The message digest is OpenSSL's SM3 of the signed byte ranges.
      const [, b, c, d] = report.byteRange;
      const content = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c!, c! + d!)]);
      const dgst = execFileSync('openssl', ['dgst', '-sm3', '-hex', writeTemp(content, 'bin')], { encoding: 'utf8' })
        .trim()
        .split(' ')
        .pop();
      const md = contentOf(parseDer(signerInfoOf(pdf).si.signedAttributes.get(CMS_OID.messageDigest)![0]!));
      expect(md.toString('hex')).toBe(dgst);
    });
  });
});
