/**
 * CMS SignedData (RFC 5652) as PAdES baseline B-B wants it (ETSI EN 319 142-1 §6.3, EN 319 122-1 §5.2):
 * detached (no eContent), one signer, signed attributes content-type, message-digest and signing-certificate-v2
 * (ESS, RFC 5035) binding the signer's certificate — and no signing-time attribute, because PAdES carries the
 * claimed signing time in the signature dictionary's /M instead.
 */
import {
  childrenOf,
  contentOf,
  encodingOf,
  explicit,
  expectTag,
  integer,
  octetString,
  oid,
  parseDer,
  readInteger,
  readOid,
  sequence,
  setOf,
  TAG,
  tlv,
  type DerNode,
} from '../../platform/crypto/der.js';
import { must } from '../../platform/errors.js';
import {
  certificateSignedBy,
  digest,
  digestAlgorithmIdentifier,
  digestAlgorithmOf,
  OID as ALG,
  parseCertificate,
  signatureAlgorithmFromOid,
  signatureAlgorithmIdentifier,
  verifyData,
  type DigestAlgorithm,
  type ParsedCertificate,
  type SignatureAlgorithm,
} from './certificates.js';

export const CMS_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const;

/** What CMS needs from whoever holds the signing key. */
export interface CmsSigner {
  readonly algorithm: SignatureAlgorithm;
  readonly certificate: ParsedCertificate;
  /** Issuer certificates to ship with the signature, nearest first. */
  readonly chain: readonly ParsedCertificate[];
  /** The signature over `data` (the DER signed attributes), e.g. from a local key or an HSM. */
  sign(data: Buffer): Promise<Buffer> | Buffer;
}

function attribute(type: string, ...values: Buffer[]): Buffer {
  return sequence(oid(type), setOf(...values));
}

/**
 * ESSCertIDv2 of the signer's certificate: its hash and its issuer and serial number. SHA-256 is the DEFAULT
 * hashAlgorithm and so, in DER, left out; SM3 is named.
 */
function signingCertificateV2(cert: ParsedCertificate, digestAlgorithm: DigestAlgorithm): Buffer {
  const issuerSerial = sequence(sequence(explicit(4, cert.issuer)), tlv(TAG.INTEGER, cert.serialNumber));
  const hashAlgorithm = digestAlgorithm === 'sha256' ? [] : [digestAlgorithmIdentifier(digestAlgorithm)];
  const essCertIdV2 = sequence(...hashAlgorithm, octetString(digest(digestAlgorithm, cert.der)), issuerSerial);
  return sequence(sequence(essCertIdV2));
}

/** The DER SET OF signed attributes, which is what the signature covers (RFC 5652 §5.4). */
export function signedAttributes(signer: Pick<CmsSigner, 'algorithm' | 'certificate'>, contentDigest: Buffer): Buffer {
  const digestAlgorithm = digestAlgorithmOf(signer.algorithm);
  return setOf(
    attribute(CMS_OID.contentType, oid(CMS_OID.data)),
    attribute(CMS_OID.messageDigest, octetString(contentDigest)),
    attribute(CMS_OID.signingCertificateV2, signingCertificateV2(signer.certificate, digestAlgorithm)),
  );
}

/**
 * A detached SignedData ContentInfo over content whose digest (with the signer's digest algorithm: SHA-256, or SM3
 * for SM2) is `contentDigest`.
 */
export async function createDetachedSignature(signer: CmsSigner, contentDigest: Buffer): Promise<Buffer> {
  const digestAlgorithm = digestAlgorithmOf(signer.algorithm);
  const attrs = signedAttributes(signer, contentDigest);
  const signature = await signer.sign(attrs);
  const signerInfo = sequence(
    integer(1),
    sequence(signer.certificate.issuer, tlv(TAG.INTEGER, signer.certificate.serialNumber)),
    digestAlgorithmIdentifier(digestAlgorithm),
    // [0] IMPLICIT SET OF Attribute: the same content under the context tag.
    tlv(0xa0, contentOf(parseDer(attrs))),
    signatureAlgorithmIdentifier(signer.algorithm),
    octetString(signature),
  );
  const certificates = [signer.certificate, ...signer.chain].map((c) => c.der).sort(Buffer.compare);
  const signedData = sequence(
    integer(1),
    setOf(digestAlgorithmIdentifier(digestAlgorithm)),
    sequence(oid(CMS_OID.data)),
    tlv(0xa0, ...certificates),
    setOf(signerInfo),
  );
  return sequence(oid(CMS_OID.signedData), explicit(0, signedData));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading and verifying

export interface ParsedSignerInfo {
  version: bigint;
  issuer: Buffer;
  serialNumber: Buffer;
  digestAlgorithmOid: string;
  /** Signed attributes re-tagged as SET (0x31): the bytes the signature covers. */
  signedAttributesDer: Buffer;
  /** Attribute type OID → the DER encodings of its values. */
  signedAttributes: Map<string, Buffer[]>;
  signatureAlgorithmOid: string;
  signature: Buffer;
}

export interface ParsedSignedData {
  /** The DER of the ContentInfo alone (a PDF pads /Contents with zeros after it). */
  der: Buffer;
  digestAlgorithmOids: string[];
  encapsulatedContentType: string;
  detached: boolean;
  certificates: ParsedCertificate[];
  signerInfos: ParsedSignerInfo[];
}

function parseSignerInfo(node: DerNode): ParsedSignerInfo {
  const parts = childrenOf(expectTag(node, TAG.SEQUENCE));
  const version = readInteger(parts[0]);
  const [issuer, serial] = childrenOf(expectTag(parts[1], TAG.SEQUENCE));
  let i = 2;
  const digestAlgorithmOid = readOid(childrenOf(expectTag(parts[i++], TAG.SEQUENCE))[0]);
  const signedAttributes = new Map<string, Buffer[]>();
  let signedAttributesDer = Buffer.alloc(0);
  const attrs = parts[i];
  if (attrs?.tag === 0xa0) {
    i++;
    signedAttributesDer = Buffer.concat([Buffer.from([TAG.SET]), encodingOf(attrs).subarray(1)]);
    for (const attr of childrenOf(attrs)) {
      const [type, values] = childrenOf(expectTag(attr, TAG.SEQUENCE));
      const key = readOid(type);
      if (signedAttributes.has(key)) throw new Error(`CMS: attribute ${key} appears twice`);
      signedAttributes.set(key, childrenOf(expectTag(values, TAG.SET)).map(encodingOf));
    }
  }
  const signatureAlgorithmOid = readOid(childrenOf(expectTag(parts[i++], TAG.SEQUENCE))[0]);
  const signature = contentOf(expectTag(parts[i], TAG.OCTET_STRING));
  return {
    version,
    issuer: encodingOf(expectTag(issuer, TAG.SEQUENCE)),
    serialNumber: contentOf(expectTag(serial, TAG.INTEGER)),
    digestAlgorithmOid,
    signedAttributesDer,
    signedAttributes,
    signatureAlgorithmOid,
    signature,
  };
}

/** Parses a SignedData ContentInfo; trailing bytes (PDF zero padding) are ignored. */
export function parseSignedData(bytes: Buffer): ParsedSignedData {
  const contentInfo = parseDer(bytes);
  const [type, content] = childrenOf(expectTag(contentInfo, TAG.SEQUENCE));
  if (readOid(type) !== CMS_OID.signedData) throw new Error('CMS: not SignedData');
  const signedData = childrenOf(expectTag(childrenOf(expectTag(content, 0xa0))[0], TAG.SEQUENCE));
  let i = 1;
  const digestAlgorithmOids = childrenOf(expectTag(signedData[i++], TAG.SET)).map((alg) => readOid(childrenOf(alg)[0]));
  const encap = childrenOf(expectTag(signedData[i++], TAG.SEQUENCE));
  const certificates: ParsedCertificate[] = [];
  const certificateSet = signedData[i];
  if (certificateSet?.tag === 0xa0) {
    i++;
    for (const cert of childrenOf(certificateSet))
      if (cert.tag === TAG.SEQUENCE) certificates.push(parseCertificate(Buffer.from(encodingOf(cert))));
  }
  if (signedData[i]?.tag === 0xa1) i++; // CRLs
  const signerInfos = childrenOf(expectTag(signedData[i], TAG.SET)).map(parseSignerInfo);
  return {
    der: encodingOf(contentInfo),
    digestAlgorithmOids,
    encapsulatedContentType: readOid(encap[0]),
    detached: encap.length === 1,
    certificates,
    signerInfos,
  };
}

function digestAlgorithmFromOid(algorithmOid: string): DigestAlgorithm | undefined {
  return algorithmOid === ALG.sha256 ? 'sha256' : algorithmOid === ALG.sm3 ? 'sm3' : undefined;
}

export interface CmsVerification {
  /** The signature value is correct for the signed attributes and the content digest matches. */
  valid: boolean;
  problems: string[];
  algorithm: SignatureAlgorithm | undefined;
  signer: ParsedCertificate | undefined;
  /** Certificates from the signer up to the last one found in the CMS or in `trustedRoots`. */
  chain: ParsedCertificate[];
  /** The chain ends in one of `trustedRoots` with every link's signature correct (undefined when none were given). */
  trusted: boolean | undefined;
  /** signing-certificate-v2 present and naming the signer's certificate by hash. */
  signingCertificateV2: boolean;
  signingTimeAttribute: boolean;
}

/**
 * Verifies a detached SignedData over `content`: the message digest, the signature over the signed attributes,
 * and the signing-certificate-v2 binding. With `trustedRoots`, also that the certificate chain ends in one of them
 * and that each certificate was valid at `at`. Never throws for a bad signature; reports problems.
 */
export function verifyDetachedSignature(
  cms: Buffer,
  content: Buffer | Buffer[],
  options: { trustedRoots?: ParsedCertificate[]; at?: Date } = {},
): CmsVerification {
  const problems: string[] = [];
  const result: CmsVerification = {
    valid: false,
    problems,
    algorithm: undefined,
    signer: undefined,
    chain: [],
    trusted: undefined,
    signingCertificateV2: false,
    signingTimeAttribute: false,
  };
  let parsed: ParsedSignedData;
  try {
    parsed = parseSignedData(cms);
  } catch (e) {
    problems.push(`malformed CMS: ${(e as Error).message}`);
    return result;
  }
  const [si] = parsed.signerInfos;
  if (parsed.signerInfos.length !== 1 || !si) {
    problems.push(`expected one signer, found ${parsed.signerInfos.length}`);
    return result;
  }
  if (!parsed.detached) problems.push('the CMS encapsulates content; a PDF signature is detached');
  const signer = parsed.certificates.find((c) => c.issuer.equals(si.issuer) && c.serialNumber.equals(si.serialNumber));
  if (!signer) {
    problems.push("the signer's certificate is not in the CMS");
    return result;
  }
  result.signer = signer;
  const digestAlgorithm = digestAlgorithmFromOid(si.digestAlgorithmOid);
  const algorithm = signatureAlgorithmFromOid(si.signatureAlgorithmOid, signer.publicKey.algorithm);
  result.algorithm = algorithm;
  if (!digestAlgorithm || !algorithm || digestAlgorithmOf(algorithm) !== digestAlgorithm) {
    problems.push(`unsupported algorithms ${si.digestAlgorithmOid} / ${si.signatureAlgorithmOid}`);
    return result;
  }
  const parts = Array.isArray(content) ? content : [content];
  const actualDigest = digest(digestAlgorithm, ...parts);
  /** The one value of a signed attribute, or undefined when it is absent or has several. */
  const onlyValue = (oid: string) => {
    const values = si.signedAttributes.get(oid);
    return values?.length === 1 ? values[0] : undefined;
  };
  const md = onlyValue(CMS_OID.messageDigest);
  const ct = onlyValue(CMS_OID.contentType);
  let digestMatches = false;
  if (!md) problems.push('no message-digest attribute');
  else digestMatches = contentOf(expectTag(parseDer(md), TAG.OCTET_STRING)).equals(actualDigest);
  if (si.signedAttributes.has(CMS_OID.messageDigest) && !digestMatches) problems.push('the content does not match the message digest');
  if (!ct || readOid(parseDer(ct)) !== CMS_OID.data) problems.push('content-type attribute missing or not id-data');
  const signatureOk = verifyData(signer.publicKey, algorithm, si.signedAttributesDer, si.signature);
  if (!signatureOk) problems.push('the signature value does not verify with the signer certificate');
  result.signingTimeAttribute = si.signedAttributes.has(CMS_OID.signingTime);

  const scv2 = onlyValue(CMS_OID.signingCertificateV2);
  if (scv2) {
    try {
      // A malformed attribute throws here and counts as not naming the signer.
      const certIds = childrenOf(must(childrenOf(parseDer(scv2))[0], 'the certs of signing-certificate-v2'));
      const [head, next] = childrenOf(must(certIds[0], 'the first ESSCertIDv2'));
      // hashAlgorithm is optional (DEFAULT sha256); when present it comes first.
      const explicitAlgorithm = head?.tag === TAG.SEQUENCE;
      const hashAlgorithm = explicitAlgorithm ? digestAlgorithmFromOid(readOid(childrenOf(head)[0])) : 'sha256';
      const certHash = contentOf(expectTag(explicitAlgorithm ? next : head, TAG.OCTET_STRING));
      result.signingCertificateV2 = hashAlgorithm !== undefined && certHash.equals(digest(hashAlgorithm, signer.der));
    } catch {
      result.signingCertificateV2 = false;
    }
    if (!result.signingCertificateV2) problems.push('signing-certificate-v2 does not name the signer certificate');
  } else problems.push('no signing-certificate-v2 attribute');

  result.valid = digestMatches && signatureOk && result.signingCertificateV2 && problems.length === 0;

  // Chain: follow issuers through the CMS certificates and the trusted roots.
  const pool = [...parsed.certificates, ...(options.trustedRoots ?? [])];
  const chain = [signer];
  for (let cert = signer; !cert.issuer.equals(cert.subject) && chain.length < 10;) {
    const issuer = pool.find((c) => c.subject.equals(cert.issuer) && certificateSignedBy(cert, c));
    if (!issuer) break;
    chain.push(issuer);
    cert = issuer;
  }
  result.chain = chain;
  if (options.trustedRoots) {
    const top = chain.at(-1) ?? signer;
    const rooted = options.trustedRoots.some((r) => r.der.equals(top.der)) && certificateSignedBy(top, top);
    const at = options.at ?? new Date();
    const inTime = chain.every((c) => c.notBefore <= at && at <= c.notAfter);
    const caOk = chain.slice(1).every((c) => c.isCa);
    result.trusted = rooted && inTime && caOk;
  }
  return result;
}
