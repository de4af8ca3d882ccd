/**
 * X.509 certificates (RFC 5280) for document signing: keys, signatures per algorithm, building certificates for the
 * development CA, and reading the few fields CMS needs (issuer, serial number, public key).
 *
 * Three algorithms: RSA (PKCS #1 v1.5 with SHA-256), ECDSA P-256 with SHA-256, and SM2 with SM3 (GM/T 0003,
 * signer ID 1234567812345678, through server/platform/crypto/sm2.ts; OIDs from GM/T 0006: sm2p256v1 1.2.156.10197.1.301,
 * SM2-with-SM3 1.2.156.10197.1.501, SM3 1.2.156.10197.1.401).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import {
  generateSm2KeyPair,
  sm2PrivateKeyFromPem,
  sm2PublicKeyFromBytes,
  sm2PublicKeyOf,
  sm2PublicKeyToBytes,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  sm3,
} from '../../platform/crypto/sm2.js';
import {
  bitString,
  boolean,
  childrenOf,
  contentOf,
  encodingOf,
  explicit,
  expectTag,
  integer,
  nullValue,
  octetString,
  oid,
  parseDerExact,
  pemBlocks,
  printableString,
  readBitString,
  readOid,
  readTime,
  sequence,
  setOf,
  TAG,
  time,
  tlv,
  toPem,
  utf8String,
  type DerNode,
} from '../../platform/crypto/der.js';

export type SignatureAlgorithm = 'rsa-sha256' | 'ecdsa-p256-sha256' | 'sm2-sm3';
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = ['rsa-sha256', 'ecdsa-p256-sha256', 'sm2-sm3'];

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sm2p256v1: '1.2.156.10197.1.301',
  /** sm2-1, the SM2 signature scheme (GM/T 0006); some GM/T 0010 implementations name it as the signature algorithm. */
  sm2Sign: '1.2.156.10197.1.301.1',
  sm2WithSm3: '1.2.156.10197.1.501',
  sha256: '2.16.840.1.101.3.4.2.1',
  sm3: '1.2.156.10197.1.401',
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

export type DigestAlgorithm = 'sha256' | 'sm3';

export function digestAlgorithmOf(algorithm: SignatureAlgorithm): DigestAlgorithm {
  return algorithm === 'sm2-sm3' ? 'sm3' : 'sha256';
}

export function digest(algorithm: DigestAlgorithm, ...parts: Buffer[]): Buffer {
  if (algorithm === 'sm3') return sm3(...parts);
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function digestOid(algorithm: DigestAlgorithm): string {
  return algorithm === 'sm3' ? OID.sm3 : OID.sha256;
}

/** AlgorithmIdentifier for a digest; SHA-2 parameters are absent (RFC 5754 §2). */
export function digestAlgorithmIdentifier(algorithm: DigestAlgorithm): Buffer {
  return sequence(oid(digestOid(algorithm)));
}

export function signatureAlgorithmIdentifier(algorithm: SignatureAlgorithm): Buffer {
  switch (algorithm) {
    case 'rsa-sha256':
      return sequence(oid(OID.sha256WithRSAEncryption), nullValue());
    case 'ecdsa-p256-sha256':
      return sequence(oid(OID.ecdsaWithSha256));
    case 'sm2-sm3':
      return sequence(oid(OID.sm2WithSm3));
  }
}

/** The signature algorithm an AlgorithmIdentifier names, or undefined for one this module does not verify. */
export function signatureAlgorithmFromOid(algorithmOid: string, publicKeyAlgorithm: SignatureAlgorithm): SignatureAlgorithm | undefined {
  switch (algorithmOid) {
    case OID.sha256WithRSAEncryption:
      return 'rsa-sha256';
    case OID.rsaEncryption:
      // CMS lets the signature algorithm name only the key type (RFC 5652 §5.3); the digest algorithm says the rest.
      return publicKeyAlgorithm === 'rsa-sha256' ? 'rsa-sha256' : undefined;
    case OID.ecdsaWithSha256:
      return 'ecdsa-p256-sha256';
    case OID.sm2WithSm3:
    case OID.sm2Sign:
      return 'sm2-sm3';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Keys

/** A private key ready to sign: a node KeyObject (RSA, ECDSA) or the SM2 scalar. */
export type PrivateKeyHandle = { algorithm: 'rsa-sha256' | 'ecdsa-p256-sha256'; key: KeyObject } | { algorithm: 'sm2-sm3'; d: bigint };

export function generatePrivateKeyPem(algorithm: SignatureAlgorithm): string {
  switch (algorithm) {
    case 'rsa-sha256':
      // 3072 bits: NIST SP 800-57's floor for signatures that must stay trustworthy beyond 2030.
      return generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    case 'ecdsa-p256-sha256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    case 'sm2-sm3':
      return generateSm2KeyPair().privateKeyPem;
  }
}

/**
 * Reads a private key PEM (PKCS #8, PKCS #1 RSA or SEC1 EC) and tells its algorithm. SM2 keys are EC keys on the
 * curve sm2p256v1; they are handed to sm2.ts, which signs with the GM/T 0009 default signer ID.
 */
export function loadPrivateKey(pem: string): PrivateKeyHandle {
  // Node reports OpenSSL's SM2 key type as undefined, so SM2 is recognised first, by its curve OID.
  try {
    return { algorithm: 'sm2-sm3', d: sm2PrivateKeyFromPem(pem) };
  } catch {
    // not an SM2 key
  }
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new Error(`RSA keys shorter than 2048 bits are refused (got ${bits})`);
    return { algorithm: 'rsa-sha256', key };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { algorithm: 'ecdsa-p256-sha256', key };
    throw new Error(`EC curve ${curve} is not supported; use P-256 or SM2`);
  }
  throw new Error(`key type ${key.asymmetricKeyType} is not supported; use RSA, ECDSA P-256 or SM2`);
}

/** DER SubjectPublicKeyInfo of a private key's public half. */
export function publicKeyInfoOf(handle: PrivateKeyHandle): Buffer {
  if (handle.algorithm === 'sm2-sm3') {
    return sequence(sequence(oid(OID.ecPublicKey), oid(OID.sm2p256v1)), bitString(sm2PublicKeyToBytes(sm2PublicKeyOf(handle.d))));
  }
  return createPublicKey(handle.key).export({ type: 'spki', format: 'der' });
}

/** Signs `data` with the algorithm's digest: RSA PKCS #1 v1.5, ECDSA and SM2 as DER SEQUENCE { r, s }. */
export function signData(handle: PrivateKeyHandle, data: Buffer): Buffer {
  switch (handle.algorithm) {
    case 'rsa-sha256':
      return sign('sha256', data, handle.key);
    case 'ecdsa-p256-sha256':
      return sign('sha256', data, { key: handle.key, dsaEncoding: 'der' });
    case 'sm2-sm3':
      return sm2SignatureToDer(sm2Sign(handle.d, data));
  }
}

export interface PublicKeyInfo {
  algorithm: SignatureAlgorithm;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  /** The subjectPublicKey BIT STRING contents (for key identifiers). */
  keyBits: Buffer;
}

export function parsePublicKeyInfo(spki: Buffer): PublicKeyInfo {
  const [alg, bits] = childrenOf(parseDerExact(spki, TAG.SEQUENCE));
  const [algOid, param] = childrenOf(expectTag(alg, TAG.SEQUENCE));
  const keyOid = readOid(algOid);
  const keyBits = readBitString(bits);
  if (keyOid === OID.rsaEncryption) return { algorithm: 'rsa-sha256', spki, keyBits };
  if (keyOid === OID.ecPublicKey) {
    const curve = readOid(param);
    if (curve === OID.prime256v1) return { algorithm: 'ecdsa-p256-sha256', spki, keyBits };
    if (curve === OID.sm2p256v1) return { algorithm: 'sm2-sm3', spki, keyBits };
    throw new Error(`unsupported EC curve ${curve}`);
  }
  throw new Error(`unsupported public key algorithm ${keyOid}`);
}

/** Verifies a signature made by signData. Never throws for a wrong signature; answers false. */
export function verifyData(publicKey: PublicKeyInfo, algorithm: SignatureAlgorithm, data: Buffer, signature: Buffer): boolean {
  if (publicKey.algorithm !== algorithm) return false;
  try {
    switch (algorithm) {
      case 'rsa-sha256':
        return verify('sha256', data, createPublicKey({ key: publicKey.spki, format: 'der', type: 'spki' }), signature);
      case 'ecdsa-p256-sha256':
        return verify(
          'sha256',
          data,
          { key: createPublicKey({ key: publicKey.spki, format: 'der', type: 'spki' }), dsaEncoding: 'der' },
          signature,
        );
      case 'sm2-sm3':
        return sm2Verify(sm2PublicKeyFromBytes(publicKey.keyBits), data, sm2SignatureFromDer(signature));
    }
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Names and certificates

export interface NameAttributes {
  country?: string;
  organization?: string;
  organizationalUnit?: string;
  commonName: string;
}

/** A distinguished name; C is a PrintableString (RFC 5280 §A.1), the rest UTF8String so Chinese names fit. */
export function encodeName(name: NameAttributes): Buffer {
  const rdn = (type: string, value: Buffer) => setOf(sequence(oid(type), value));
  const rdns: Buffer[] = [];
  if (name.country) rdns.push(rdn(OID.country, printableString(name.country)));
  if (name.organization) rdns.push(rdn(OID.organization, utf8String(name.organization)));
  if (name.organizationalUnit) rdns.push(rdn(OID.organizationalUnit, utf8String(name.organizationalUnit)));
  rdns.push(rdn(OID.commonName, utf8String(name.commonName)));
  return sequence(...rdns);
}

export interface ParsedCertificate {
  der: Buffer;
  tbs: Buffer;
  /** The serialNumber INTEGER's content octets (two's complement, as encoded). */
  serialNumber: Buffer;
  /** The issuer Name's full DER encoding. */
  issuer: Buffer;
  subject: Buffer;
  subjectCommonName: string | undefined;
  notBefore: Date;
  notAfter: Date;
  publicKey: PublicKeyInfo;
  signatureAlgorithmOid: string;
  signature: Buffer;
  isCa: boolean;
}

function commonNameOf(name: DerNode): string | undefined {
  for (const rdn of childrenOf(name)) {
    for (const atv of childrenOf(rdn)) {
      const [type, value] = childrenOf(atv);
      if (readOid(type) === OID.commonName && value) return contentOf(value).toString('utf8');
    }
  }
  return undefined;
}

export function parseCertificate(der: Buffer): ParsedCertificate {
  const [tbsNode, sigAlg, sigValue] = childrenOf(parseDerExact(der, TAG.SEQUENCE));
  const tbs = expectTag(tbsNode, TAG.SEQUENCE);
  const tbsChildren = childrenOf(tbs);
  let i = 0;
  if (tbsChildren[0]?.tag === 0xa0) i++; // version
  const serial = expectTag(tbsChildren[i++], TAG.INTEGER);
  i++; // signature algorithm (repeated outside the TBS)
  const issuer = expectTag(tbsChildren[i++], TAG.SEQUENCE);
  const validity = childrenOf(expectTag(tbsChildren[i++], TAG.SEQUENCE));
  const subject = expectTag(tbsChildren[i++], TAG.SEQUENCE);
  const spki = expectTag(tbsChildren[i++], TAG.SEQUENCE);
  let isCa = false;
  for (const rest of tbsChildren.slice(i)) {
    if (rest.tag !== 0xa3) continue;
    for (const ext of childrenOf(expectTag(childrenOf(rest)[0], TAG.SEQUENCE))) {
      const parts = childrenOf(ext);
      if (readOid(parts[0]) !== OID.basicConstraints) continue;
      const value = parseDerExact(contentOf(expectTag(parts[parts.length - 1], TAG.OCTET_STRING)), TAG.SEQUENCE);
      const first = childrenOf(value)[0];
      isCa = first?.tag === TAG.BOOLEAN && contentOf(first)[0] !== 0;
    }
  }
  return {
    der,
    tbs: encodingOf(tbs),
    serialNumber: contentOf(serial),
    issuer: encodingOf(issuer),
    subject: encodingOf(subject),
    subjectCommonName: commonNameOf(subject),
    notBefore: readTime(validity[0]),
    notAfter: readTime(validity[1]),
    publicKey: parsePublicKeyInfo(encodingOf(spki)),
    signatureAlgorithmOid: readOid(childrenOf(expectTag(sigAlg, TAG.SEQUENCE))[0]),
    signature: readBitString(sigValue),
    isCa,
  };
}

/** Whether `issuer`'s key signed `cert` (the signature only; names and validity are the caller's business). */
export function certificateSignedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const algorithm = signatureAlgorithmFromOid(cert.signatureAlgorithmOid, issuer.publicKey.algorithm);
  return algorithm !== undefined && verifyData(issuer.publicKey, algorithm, cert.tbs, cert.signature);
}

export function certificatesFromPem(text: string): ParsedCertificate[] {
  return pemBlocks(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => parseCertificate(b.der));
}

export const certificateToPem = (cert: ParsedCertificate): string => toPem('CERTIFICATE', cert.der);

/** SubjectKeyIdentifier method 1 of RFC 5280 §4.2.1.2: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(publicKey: PublicKeyInfo): Buffer {
  return createHash('sha1').update(publicKey.keyBits).digest();
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** KeyUsage as a DER named bit list: trailing zero bits dropped, their count in the first octet. */
function keyUsage(bits: number[]): Buffer {
  let value = 0;
  for (const bit of bits) value |= 0x80 >> bit;
  if (value === 0) return tlv(TAG.BIT_STRING, Buffer.from([0]));
  const unused = 31 - Math.clz32(value & -value); // trailing zero bits of the one content octet
  return tlv(TAG.BIT_STRING, Buffer.from([unused, value]));
}

const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5, cRLSign: 6 };

export interface IssueCertificateInput {
  subject: NameAttributes;
  subjectPublicKey: Buffer;
  /** The issuing CA; omitted for a self-signed root. */
  issuer?: { certificate: ParsedCertificate; key: PrivateKeyHandle };
  /** The key that signs when self-signed. */
  selfKey?: PrivateKeyHandle;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
}

/** Issues an X.509 v3 certificate: a CA (keyCertSign, cRLSign) or a document signer (digitalSignature, nonRepudiation). */
export function issueCertificate(input: IssueCertificateInput): ParsedCertificate {
  const signingKey = input.issuer?.key ?? input.selfKey;
  if (!signingKey) throw new Error('issueCertificate needs an issuer or a self-signing key');
  const subjectKey = parsePublicKeyInfo(input.subjectPublicKey);
  const issuerName = input.issuer ? input.issuer.certificate.subject : encodeName(input.subject);
  const issuerKeyId = keyIdentifier(input.issuer ? input.issuer.certificate.publicKey : subjectKey);
  const serial = randomBytes(16);
  serial.writeUInt8((serial.readUInt8(0) & 0x7f) | 0x10, 0); // positive and of full length
  const extensions = [
    extension(OID.basicConstraints, true, input.ca ? sequence(boolean(true), integer(0)) : sequence()),
    extension(
      OID.keyUsage,
      true,
      keyUsage(input.ca ? [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign] : [KEY_USAGE.digitalSignature, KEY_USAGE.nonRepudiation]),
    ),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(subjectKey))),
    extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, issuerKeyId))),
  ];
  const algorithmId = signatureAlgorithmIdentifier(signingKey.algorithm);
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    algorithmId,
    issuerName,
    sequence(time(input.notBefore), time(input.notAfter)),
    encodeName(input.subject),
    input.subjectPublicKey,
    explicit(3, sequence(...extensions)),
  );
  return parseCertificate(sequence(tbs, algorithmId, bitString(signData(signingKey, tbs))));
}
