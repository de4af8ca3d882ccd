/**
 * The development CA: on first start a root CA and a document-signing certificate issued by it, kept in a
 * directory so later starts (and other processes) reuse them. Signatures made with it validate cryptographically
 * everywhere; viewers report the issuer as unknown unless root-ca.crt.pem is imported as trusted. Production never
 * uses this: it configures its certificates through createDocumentSigner.
 *
 * Layout of `<dir>/<algorithm>/`:
 *   root-ca.crt.pem   the root certificate (public; import it into a viewer to trust development signatures)
 *   root-ca.key.pem   the root key (0600)
 *   signing.pem       the signing certificate followed by its key (0600), one file so it is replaced atomically
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  certificatesFromPem,
  certificateToPem,
  generatePrivateKeyPem,
  issueCertificate,
  loadPrivateKey,
  publicKeyInfoOf,
  type ParsedCertificate,
  type SignatureAlgorithm,
} from './certificates.js';
import { pemBlocks } from '../../platform/crypto/der.js';
import { createDocumentSigner, type DocumentSigner } from './signer.js';

const DAY = 86_400_000;
const ROOT_VALIDITY_DAYS = 25 * 365;
const SIGNER_VALIDITY_DAYS = 5 * 365;
/** A signing certificate this close to expiry is replaced on start. */
const RENEW_BEFORE_DAYS = 30;

export interface DevCaOptions {
  algorithm?: SignatureAlgorithm;
  /** The injected clock's now. */
  now?: Date;
  /** Organization in the certificates' names. */
  organization?: string;
}

export interface DevCa {
  algorithm: SignatureAlgorithm;
  dir: string;
  /** True when this call created the CA (first start), false when it loaded an existing one. */
  created: boolean;
  /** True when this call issued a new signing certificate (first start or renewal). */
  issuedSigner: boolean;
  root: ParsedCertificate;
  rootCertPem: string;
  signerCertPem: string;
  signerKeyPem: string;
  signer: DocumentSigner;
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function issueSigner(root: ParsedCertificate, rootKeyPem: string, algorithm: SignatureAlgorithm, now: Date, organization: string) {
  const keyPem = generatePrivateKeyPem(algorithm);
  const cert = issueCertificate({
    subject: {
      country: 'CN',
      organization,
      organizationalUnit: 'Development',
      commonName: `wangbao document signing (development, ${algorithm})`,
    },
    subjectPublicKey: publicKeyInfoOf(loadPrivateKey(keyPem)),
    issuer: { certificate: root, key: loadPrivateKey(rootKeyPem) },
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + SIGNER_VALIDITY_DAYS * DAY),
    ca: false,
  });
  return { certPem: certificateToPem(cert), keyPem };
}

function createInto(tmp: string, algorithm: SignatureAlgorithm, now: Date, organization: string): void {
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const rootKeyPem = generatePrivateKeyPem(algorithm);
  const rootKey = loadPrivateKey(rootKeyPem);
  const root = issueCertificate({
    subject: { country: 'CN', organization, commonName: `wangbao development root CA (${algorithm}, not trusted)` },
    subjectPublicKey: publicKeyInfoOf(rootKey),
    selfKey: rootKey,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + ROOT_VALIDITY_DAYS * DAY),
    ca: true,
  });
  writeFileSync(join(tmp, 'root-ca.crt.pem'), certificateToPem(root));
  writeSecret(join(tmp, 'root-ca.key.pem'), rootKeyPem);
  const signer = issueSigner(root, rootKeyPem, algorithm, now, organization);
  writeSecret(join(tmp, 'signing.pem'), signer.certPem + signer.keyPem);
}

/**
 * Loads the development CA for `algorithm` from `dir`, creating the directory and the CA when missing, and
 * renewing the signing certificate when it is expired or about to be. Safe when several processes start at once:
 * the CA is built in a private directory and renamed into place; a process that loses the race loads the winner's.
 */
export function loadOrCreateDevCa(dir: string, options: DevCaOptions = {}): DevCa {
  const algorithm = options.algorithm ?? 'ecdsa-p256-sha256';
  const now = options.now ?? new Date();
  const organization = options.organization ?? 'wangbao development';
  const caDir = join(dir, algorithm);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let created = false;
  if (!existsSync(join(caDir, 'signing.pem'))) {
    const tmp = join(dir, `.${algorithm}.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      createInto(tmp, algorithm, now, organization);
      renameSync(tmp, caDir);
      created = true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const rootCertPem = readFileSync(join(caDir, 'root-ca.crt.pem'), 'utf8');
  const [root] = certificatesFromPem(rootCertPem);
  if (!root) throw new Error(`${caDir}/root-ca.crt.pem holds no certificate`);
  const signingPath = join(caDir, 'signing.pem');
  let signing = readFileSync(signingPath, 'utf8');
  let [signerCert] = certificatesFromPem(signing);
  let issuedSigner = created;
  if (!signerCert || signerCert.notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY || signerCert.notBefore > now) {
    const rootKeyPem = readFileSync(join(caDir, 'root-ca.key.pem'), 'utf8');
    const renewed = issueSigner(root, rootKeyPem, algorithm, now, organization);
    const tmp = `${signingPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeSecret(tmp, renewed.certPem + renewed.keyPem);
    renameSync(tmp, signingPath);
    signing = renewed.certPem + renewed.keyPem;
    [signerCert] = certificatesFromPem(signing);
    issuedSigner = true;
  }
  const keyBlock = pemBlocks(signing).find((b) => b.label.endsWith('PRIVATE KEY'));
  if (!keyBlock) throw new Error(`${signingPath} holds no private key`);
  const signerKeyPem = signing.slice(signing.indexOf(`-----BEGIN ${keyBlock.label}-----`));
  if (!signerCert) throw new Error(`${signingPath} holds no certificate`);
  const signerCertPem = certificateToPem(signerCert);
  const signer = createDocumentSigner({ certPem: signerCertPem, keyPem: signerKeyPem, chainPems: [rootCertPem], algorithm }, now);
  return { algorithm, dir: caDir, created, issuedSigner, root, rootCertPem, signerCertPem, signerKeyPem, signer };
}
