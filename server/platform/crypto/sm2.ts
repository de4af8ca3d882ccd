/**
 * SM2 digital signatures (GM/T 0003.2-2012 = GB/T 32918.2-2016) with SM3 (GM/T 0004-2012), as the
 * `openssl` command line and the Chinese commercial-cryptography ecosystem expect them:
 *
 *   Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)      (ENTL_A = bit length of ID_A, 2 bytes big-endian)
 *   e   = SM3(Z_A ‖ M)
 *   r   = (e + x_1) mod n  with (x_1, y_1) = [k]G;     s = (1 + d_A)^-1 · (k − r·d_A) mod n
 *
 * The signature travels DER-encoded as `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009 SM2Signature, the same
 * shape as ECDSA-Sig-Value). Keys travel as PEM: SPKI and PKCS#8 with id-ecPublicKey and the curve OID
 * sm2p256v1 1.2.156.10197.1.301, which is what `openssl genpkey -algorithm SM2` writes and reads.
 *
 * Why not node:crypto: Node can hold an SM2 key, but OpenSSL 3 signs with an empty signer ID unless the caller sets
 * `distid`, which Node does not expose; so the Z_A preprocessing and the signature equation are done here. The curve
 * arithmetic is @noble/curves (audited, pure JS); SM3 is Node's (OpenSSL's) `sm3` digest.
 */
import { createHash, getHashes, randomBytes } from 'node:crypto';
import { weierstrassN, type WeierstrassPoint, type WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import {
  TAG,
  bitString,
  childrenOf,
  contentOf,
  expectTag,
  explicit,
  integer,
  octetString,
  oid,
  parseDerExact,
  readCanonicalUnsigned,
  readOid,
  sequence,
  toPem,
  type DerNode,
} from './der.js';

/** The signer ID both sides use when none is agreed otherwise (GM/T 0009-2012 §10: "1234567812345678"). */
export const SM2_DEFAULT_ID = '1234567812345678';

/** OID of the SM2 recommended curve sm2p256v1 (GM/T 0006-2012): 1.2.156.10197.1.301. */
export const SM2_CURVE_OID = '1.2.156.10197.1.301';
const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';

export interface Sm2CurveParams {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

/** The recommended 256-bit curve of GM/T 0003.5-2012 (= GB/T 32918.5-2017). */
export const SM2_P256_PARAMS: Sm2CurveParams = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

export type Sm2Point = WeierstrassPoint<bigint>;

export interface Sm2Curve {
  readonly params: Sm2CurveParams;
  readonly Point: WeierstrassPointCons<bigint>;
}

/** Builds the arithmetic for a 256-bit SM2-style curve. Only tests use another curve (the GM/T 0003 sample curve). */
export function createSm2Curve(params: Sm2CurveParams): Sm2Curve {
  const Point = weierstrassN<bigint>({ p: params.p, n: params.n, h: 1n, a: params.a, b: params.b, Gx: params.Gx, Gy: params.Gy });
  return { params, Point };
}

export const sm2p256v1: Sm2Curve = createSm2Curve(SM2_P256_PARAMS);

export interface Sm2Signature {
  r: bigint;
  s: bigint;
}

export interface Sm2Options {
  /** Signer ID (distinguishing identifier); defaults to SM2_DEFAULT_ID. */
  id?: string | Uint8Array;
  curve?: Sm2Curve;
}

let sm3Checked = false;
/** SM3 (GM/T 0004-2012) through Node's OpenSSL. */
export function sm3(...parts: Uint8Array[]): Buffer {
  if (!sm3Checked) {
    if (!getHashes().includes('sm3')) throw new Error('this Node.js build has no SM3 digest (OpenSSL without SM3)');
    sm3Checked = true;
  }
  const h = createHash('sm3');
  for (const part of parts) h.update(part);
  return h.digest();
}

function toBytes32(x: bigint): Buffer {
  return Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
}

function bytesToBigint(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'));
}

function idBytes(id: string | Uint8Array | undefined): Buffer {
  const bytes = id === undefined ? Buffer.from(SM2_DEFAULT_ID, 'utf8') : typeof id === 'string' ? Buffer.from(id, 'utf8') : Buffer.from(id);
  // ENTL is two bytes of *bits*: the ID can be at most 8191 bytes.
  if (bytes.length * 8 > 0xffff) throw new Error('SM2 signer ID is longer than 8191 bytes');
  return bytes;
}

/** Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) — GM/T 0003.2-2012 §5.5. */
export function sm2Za(publicKey: Sm2Point, options: Sm2Options = {}): Buffer {
  const curve = options.curve ?? sm2p256v1;
  const id = idBytes(options.id);
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(id.length * 8);
  const { a, b, Gx, Gy } = curve.params;
  const pa = publicKey.toAffine();
  return sm3(entl, id, toBytes32(a), toBytes32(b), toBytes32(Gx), toBytes32(Gy), toBytes32(pa.x), toBytes32(pa.y));
}

/** e = SM3(Z_A ‖ M) as an integer. */
function messageRepresentative(publicKey: Sm2Point, message: Uint8Array, options: Sm2Options): bigint {
  return bytesToBigint(sm3(sm2Za(publicKey, options), message));
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function invert(a: bigint, m: bigint): bigint {
  // Extended Euclid; a is never 0 mod m here (d ≤ n − 2 so 1 + d ≠ 0).
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return mod(oldS, m);
}

/** A uniformly random scalar in [1, max] by rejection sampling. */
function randomScalar(max: bigint): bigint {
  for (;;) {
    const k = bytesToBigint(randomBytes(32));
    if (k >= 1n && k <= max) return k;
  }
}

/** A fresh private key: d in [1, n − 2] (GM/T 0003.1 §6.1: 1 + d must be invertible mod n). */
export function sm2RandomPrivateKey(curve: Sm2Curve = sm2p256v1): bigint {
  return randomScalar(curve.params.n - 2n);
}

export function sm2PublicKeyOf(privateKey: bigint, curve: Sm2Curve = sm2p256v1): Sm2Point {
  assertPrivateKey(privateKey, curve);
  return curve.Point.BASE.multiply(privateKey);
}

function assertPrivateKey(d: bigint, curve: Sm2Curve): void {
  if (d < 1n || d > curve.params.n - 2n) throw new Error('SM2 private key out of range [1, n-2]');
}

/**
 * Signs `message` (GM/T 0003.2-2012 §6.1). `k` is only for known-answer tests; normally it is drawn at random.
 */
export function sm2Sign(
  privateKey: bigint,
  message: Uint8Array,
  options: Sm2Options & { publicKey?: Sm2Point; k?: bigint } = {},
): Sm2Signature {
  const curve = options.curve ?? sm2p256v1;
  const { n } = curve.params;
  assertPrivateKey(privateKey, curve);
  const publicKey = options.publicKey ?? curve.Point.BASE.multiply(privateKey);
  const e = messageRepresentative(publicKey, message, options);
  const dInv = invert(1n + privateKey, n);
  for (let attempt = 0; ; attempt++) {
    if (options.k !== undefined && attempt > 0) throw new Error('the given k yields no valid SM2 signature');
    const k = options.k ?? randomScalar(n - 1n);
    if (k < 1n || k >= n) throw new Error('k out of range');
    const x1 = curve.Point.BASE.multiply(k).toAffine().x;
    const r = mod(e + x1, n);
    if (r === 0n || r + k === n) continue;
    const s = mod(dInv * (k - r * privateKey), n);
    if (s === 0n) continue;
    return { r, s };
  }
}

/** Verifies (GM/T 0003.2-2012 §7.1). Never throws for a bad signature; answers false. */
export function sm2Verify(publicKey: Sm2Point, message: Uint8Array, signature: Sm2Signature, options: Sm2Options = {}): boolean {
  const curve = options.curve ?? sm2p256v1;
  const { n } = curve.params;
  const { r, s } = signature;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const t = mod(r + s, n);
  if (t === 0n) return false;
  try {
    publicKey.assertValidity();
    if (publicKey.is0()) return false;
    const e = messageRepresentative(publicKey, message, options);
    // [s]G + [t]P_A; both scalars and points are public, so the variable-time multiplication is fine.
    const sum = curve.Point.BASE.multiplyUnsafe(s).add(publicKey.multiplyUnsafe(t));
    if (sum.is0()) return false;
    return mod(e + sum.toAffine().x, n) === r;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// DER (der.ts) for SM2Signature, SubjectPublicKeyInfo, PKCS#8 and SEC1 ECPrivateKey. Decoding is strict (definite
// minimal lengths, minimal non-negative INTEGERs, no trailing bytes) so that one signature has one encoding.

const strictOne = (buf: Buffer, tag: number): DerNode => parseDerExact(buf, tag, true);
const strictChildren = (node: DerNode): DerNode[] => childrenOf(node, true);
const valueOf = (node: DerNode | undefined, tag: number): Buffer => contentOf(expectTag(node, tag));

/** DER `SEQUENCE { r INTEGER, s INTEGER }`. */
export function sm2SignatureToDer(sig: Sm2Signature): Buffer {
  return sequence(integer(sig.r), integer(sig.s));
}

/** Strict DER decoding of an SM2 signature; throws on anything but the one canonical encoding. */
export function sm2SignatureFromDer(der: Uint8Array): Sm2Signature {
  const items = strictChildren(strictOne(Buffer.from(der), TAG.SEQUENCE));
  if (items.length !== 2) throw new Error('DER: SM2Signature has two INTEGERs');
  return { r: readCanonicalUnsigned(items[0]), s: readCanonicalUnsigned(items[1]) };
}

// ---------------------------------------------------------------------------------------------------------------
// PEM keys

function unpem(text: string): { label: string; der: Buffer } {
  const m = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----\s*$/.exec(text);
  if (!m) throw new Error('not a single PEM block');
  const [, label = '', b64 = ''] = m;
  const body = b64.replace(/\r?\n/g, '');
  const der = Buffer.from(body, 'base64');
  if (der.toString('base64') !== body) throw new Error('PEM: bad base64');
  return { label, der };
}

function algorithmIdentifier(): Buffer {
  return sequence(oid(EC_PUBLIC_KEY_OID), oid(SM2_CURVE_OID));
}

function assertSm2Algorithm(node: DerNode | undefined): void {
  const alg = strictChildren(expectTag(node, TAG.SEQUENCE));
  if (alg.length !== 2 || readOid(alg[0], true) !== EC_PUBLIC_KEY_OID || readOid(alg[1], true) !== SM2_CURVE_OID) {
    throw new Error('not an SM2 key (expected id-ecPublicKey with curve 1.2.156.10197.1.301)');
  }
}

/** Uncompressed SEC1 point 0x04 ‖ x ‖ y (65 bytes). */
export function sm2PublicKeyToBytes(publicKey: Sm2Point): Buffer {
  return Buffer.from(publicKey.toBytes(false));
}

/** Parses a SEC1 point and checks it is on the curve and not the identity. */
export function sm2PublicKeyFromBytes(bytes: Uint8Array, curve: Sm2Curve = sm2p256v1): Sm2Point {
  const point = curve.Point.fromBytes(bytes);
  point.assertValidity();
  if (point.is0()) throw new Error('SM2 public key is the point at infinity');
  return point;
}

/** SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), as `openssl pkey -pubout` writes for SM2. */
export function sm2PublicKeyToPem(publicKey: Sm2Point): string {
  return toPem('PUBLIC KEY', sequence(algorithmIdentifier(), bitString(sm2PublicKeyToBytes(publicKey))));
}

export function sm2PublicKeyFromPem(text: string): Sm2Point {
  const { label, der } = unpem(text);
  if (label !== 'PUBLIC KEY') throw new Error(`expected a PUBLIC KEY PEM, got ${label}`);
  const items = strictChildren(strictOne(der, TAG.SEQUENCE));
  if (items.length !== 2) throw new Error('SPKI: two elements expected');
  assertSm2Algorithm(items[0]);
  const bits = valueOf(items[1], TAG.BIT_STRING);
  if (bits[0] !== 0) throw new Error('SPKI: unused bits in the public key');
  return sm2PublicKeyFromBytes(bits.subarray(1));
}

/** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) with the public key inside, as `openssl genpkey -algorithm SM2` writes. */
export function sm2PrivateKeyToPem(privateKey: bigint): string {
  const publicKey = sm2PublicKeyOf(privateKey);
  const ecPrivateKey = sequence(integer(1n), octetString(toBytes32(privateKey)), explicit(1, bitString(sm2PublicKeyToBytes(publicKey))));
  return toPem('PRIVATE KEY', sequence(integer(0n), algorithmIdentifier(), octetString(ecPrivateKey)));
}

function parseEcPrivateKey(der: Buffer, requireCurveParam: boolean): bigint {
  const items = strictChildren(strictOne(der, TAG.SEQUENCE));
  if (readCanonicalUnsigned(items[0]) !== 1n) throw new Error('ECPrivateKey: version 1 expected');
  const dBytes = valueOf(items[1], TAG.OCTET_STRING);
  if (dBytes.length !== 32) throw new Error('ECPrivateKey: the private key is 32 bytes');
  const d = bytesToBigint(dBytes);
  let publicKey: Sm2Point | undefined;
  let sawCurve = false;
  for (const item of items.slice(2)) {
    if (item.tag === 0xa0) {
      if (readOid(strictOne(contentOf(item), TAG.OID), true) !== SM2_CURVE_OID) throw new Error('ECPrivateKey: not the SM2 curve');
      sawCurve = true;
    } else if (item.tag === 0xa1) {
      const bits = contentOf(strictOne(contentOf(item), TAG.BIT_STRING));
      if (bits[0] !== 0) throw new Error('ECPrivateKey: unused bits in the public key');
      publicKey = sm2PublicKeyFromBytes(bits.subarray(1));
    } else throw new Error('ECPrivateKey: unexpected element');
  }
  if (requireCurveParam && !sawCurve) throw new Error('EC PRIVATE KEY without the SM2 curve parameter');
  assertPrivateKey(d, sm2p256v1);
  if (publicKey && !publicKey.equals(sm2PublicKeyOf(d))) throw new Error('ECPrivateKey: public key does not match the private key');
  return d;
}

/** Reads an SM2 private key from PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`, curve SM2) PEM. */
export function sm2PrivateKeyFromPem(text: string): bigint {
  const { label, der } = unpem(text);
  if (label === 'EC PRIVATE KEY') return parseEcPrivateKey(der, true);
  if (label !== 'PRIVATE KEY') throw new Error(`expected a PRIVATE KEY PEM, got ${label}`);
  const items = strictChildren(strictOne(der, TAG.SEQUENCE));
  if (items.length < 3 || readCanonicalUnsigned(items[0]) !== 0n) throw new Error('PKCS#8: version 0 expected');
  assertSm2Algorithm(items[1]);
  return parseEcPrivateKey(valueOf(items[2], TAG.OCTET_STRING), false);
}

/** A fresh SM2 key pair as PEM. */
export function generateSm2KeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const d = sm2RandomPrivateKey();
  return { privateKeyPem: sm2PrivateKeyToPem(d), publicKeyPem: sm2PublicKeyToPem(sm2PublicKeyOf(d)) };
}
