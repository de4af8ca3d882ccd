/**
 * The document signer: a certificate, its issuers, and the private key that signs. Production takes these from PEM
 * configuration (createDocumentSigner); development gets them from the local development CA (dev-ca.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CmsSigner } from './cms.js';
import {
  certificatesFromPem,
  loadPrivateKey,
  signData,
  verifyData,
  type ParsedCertificate,
  type PrivateKeyHandle,
  type SignatureAlgorithm,
} from './certificates.js';

export interface DocumentSigner extends CmsSigner {
  /** SHA-256 of the signing certificate's DER, hex: what to store beside each signed document. */
  readonly certificateSha256: string;
}

export interface DocumentSignerConfig {
  /** The signing certificate (PEM). Extra certificates after it in the same text are treated as its chain. */
  certPem: string;
  /** Its private key: PKCS #8, PKCS #1 (RSA) or SEC1 (EC/SM2) PEM. */
  keyPem: string;
  /** Issuer certificates (PEM, one or more per string), nearest first; the root may be left out. */
  chainPems?: string[];
  /** When given, must match the key; otherwise taken from the key. */
  algorithm?: SignatureAlgorithm;
}

/** A signer over a key held in this process. */
export function signerFromKey(certificate: ParsedCertificate, chain: ParsedCertificate[], key: PrivateKeyHandle): DocumentSigner {
  return {
    algorithm: key.algorithm,
    certificate,
    chain,
    certificateSha256: createHash('sha256').update(certificate.der).digest('hex'),
    sign: (data: Buffer) => signData(key, data),
  };
}

/**
 * Builds the signer from PEM configuration. Refuses — with an Error, since this is a deployment mistake, not client
 * input — a key that does not belong to the certificate, a certificate outside its validity, or a CA certificate.
 */
export function createDocumentSigner(config: DocumentSignerConfig, now: Date = new Date()): DocumentSigner {
  const [certificate, ...bundled] = certificatesFromPem(config.certPem);
  if (!certificate) throw new Error('document signer: certPem holds no CERTIFICATE');
  const chain = [...bundled, ...(config.chainPems ?? []).flatMap((p) => certificatesFromPem(p))];
  const key = loadPrivateKey(config.keyPem);
  if (config.algorithm && config.algorithm !== key.algorithm) {
    throw new Error(`document signer: the key is ${key.algorithm}, configured as ${config.algorithm}`);
  }
  if (certificate.publicKey.algorithm !== key.algorithm) {
    throw new Error(`document signer: the certificate holds a ${certificate.publicKey.algorithm} key, the private key is ${key.algorithm}`);
  }
  // Sign and verify a probe: the only check that works alike for RSA, ECDSA and SM2 keys.
  const probe = randomBytes(32);
  if (!verifyData(certificate.publicKey, key.algorithm, probe, signData(key, probe))) {
    throw new Error('document signer: the private key does not belong to the certificate');
  }
  if (certificate.isCa) throw new Error('document signer: the certificate is a CA certificate; use a signing certificate issued by it');
  if (now < certificate.notBefore || now > certificate.notAfter) {
    throw new Error(
      `document signer: the certificate is valid ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}, not now`,
    );
  }
  return signerFromKey(certificate, chain, key);
}
