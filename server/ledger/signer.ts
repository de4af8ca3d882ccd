/**
 * Keys that sign and verify C2SP signed notes (c2sp.org/signed-note) — the envelope of the ledger's checkpoints.
 *
 * Key ID (the spec's RECOMMENDED form): first 4 bytes, big-endian, of SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key).
 *
 * - Ed25519: signature type 0x01 and the 32-byte RFC 8032 public key, exactly as the spec assigns. Signatures are the
 *   64-byte RFC 8032 signature; verifier keys (vkeys) are `<name>+<hex key ID>+<base64(0x01 ‖ public key)>` as in
 *   golang.org/x/mod/sumdb/note, so Go's note package and other signed-note implementations read them.
 * - SM2: the signed-note registry assigns no byte to SM2. Its type is 0xff — "reserved for signature types without an
 *   identifier byte assigned by this specification. It is RECOMMENDED that this byte be followed by a longer
 *   identifier that is unlikely to collide" — followed by the ASCII identifier `wangbao/sm2-sm3/1234567812345678`
 *   (SM2_SIGNATURE_TYPE below). The public key is the 65-byte uncompressed SEC1 point 0x04 ‖ x ‖ y; the signature is
 *   GM/T 0003.2 SM2 with SM3 and signer ID "1234567812345678", DER-encoded (`SEQUENCE { r, s }`), which
 *   `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678` verifies. The vkey has the same shape
 *   as Ed25519's, with base64(SM2_SIGNATURE_TYPE ‖ point).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';
import { AppError } from '../platform/errors.js';
import {
  SM2_DEFAULT_ID,
  generateSm2KeyPair,
  sm2PrivateKeyFromPem,
  sm2PublicKeyFromBytes,
  sm2PublicKeyFromPem,
  sm2PublicKeyOf,
  sm2PublicKeyToBytes,
  sm2PublicKeyToPem,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  type Sm2Point,
} from '../platform/crypto/sm2.js';

export type NoteAlgorithm = 'ed25519' | 'sm2';

/** signed-note signature type 0x01: Ed25519. */
export const ED25519_SIGNATURE_TYPE: Buffer = Buffer.from([0x01]);
/** signed-note signature type 0xff ‖ identifier: SM2 with SM3 and signer ID 1234567812345678 (see the file comment). */
export const SM2_SIGNATURE_TYPE: Buffer = Buffer.concat([Buffer.from([0xff]), Buffer.from(`wangbao/sm2-sm3/${SM2_DEFAULT_ID}`, 'ascii')]);

/** Why a note, checkpoint or key was refused; tests and callers branch on it. */
export type NoteErrorReason =
  | 'malformed-note'
  | 'malformed-checkpoint'
  | 'bad-key-name'
  | 'bad-key'
  | 'bad-vkey'
  | 'bad-signature'
  | 'duplicate-signature'
  | 'too-many-signatures'
  | 'ambiguous-verifiers'
  | 'unverified-note'
  | 'origin-mismatch';

/** A refused note, checkpoint or key: a client mistake (400) wherever it reaches the API. */
export class NoteError extends AppError {
  readonly reason: NoteErrorReason;
  constructor(reason: NoteErrorReason, detail: string) {
    super('VALIDATION_FAILED', `${reason}: ${detail}`);
    this.name = 'NoteError';
    this.reason = reason;
  }
}

/** Verifies signatures of one key. `keyHash` is the uint32 key ID. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: number;
  readonly algorithm: NoteAlgorithm;
  /** SubjectPublicKeyInfo PEM (Ed25519: RFC 8410; SM2: id-ecPublicKey + sm2p256v1), readable by `openssl`. */
  readonly publicKeyPem: string;
  /** The text verifier key `<name>+<hex key ID>+<base64(type ‖ public key)>`. */
  readonly vkey: string;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSigner extends NoteVerifier {
  sign(message: Uint8Array): Buffer;
}

/** signed-note: key names are non-empty, with no Unicode space and no '+'. Control characters are refused too. */
export function isValidKeyName(name: string): boolean {
  // eslint-disable-next-line no-control-regex -- signed-note key names must not hold control characters
  return name.length > 0 && isWellFormedText(name) && !/[\s\u0085+\u0000-\u001f\u007f]/u.test(name);
}

/** No lone surrogates, so the string has a UTF-8 encoding. */
export function isWellFormedText(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

function assertKeyName(name: string): void {
  if (!isValidKeyName(name))
    throw new NoteError('bad-key-name', `key name ${JSON.stringify(name)} is empty or has a space, '+' or control character`);
}

/** Key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] as a big-endian uint32. */
export function computeKeyHash(name: string, typeAndPublicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a]))
    .update(typeAndPublicKey)
    .digest();
  return digest.readUInt32BE(0);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function makeVerifier(
  name: string,
  algorithm: NoteAlgorithm,
  typeAndPublicKey: Buffer,
  publicKeyPem: string,
  verify: (m: Uint8Array, s: Uint8Array) => boolean,
): NoteVerifier {
  const keyHash = computeKeyHash(name, typeAndPublicKey);
  return Object.freeze({
    name,
    keyHash,
    algorithm,
    publicKeyPem,
    vkey: `${name}+${hex8(keyHash)}+${typeAndPublicKey.toString('base64')}`,
    verify: (m: Uint8Array, s: Uint8Array) => {
      try {
        return verify(m, s);
      } catch {
        return false;
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Ed25519 (node:crypto)

function ed25519Raw(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new NoteError('bad-key', 'not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

function ed25519PublicFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new NoteError('bad-key', 'an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

function ed25519Verifier(name: string, publicKey: KeyObject): NoteVerifier {
  const raw = ed25519Raw(publicKey);
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return makeVerifier(name, 'ed25519', Buffer.concat([ED25519_SIGNATURE_TYPE, raw]), pem, (m, s) =>
    s.length === 64 ? edVerify(null, m, publicKey, s) : false,
  );
}

function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  const verifier = ed25519Verifier(name, createPublicKey(privateKey));
  return Object.freeze({ ...verifier, sign: (m: Uint8Array) => edSign(null, m, privateKey) });
}

// ---------------------------------------------------------------------------------------------------------------
// SM2 (./sm2.ts)

function sm2Verifier(name: string, publicKey: Sm2Point): NoteVerifier {
  return makeVerifier(
    name,
    'sm2',
    Buffer.concat([SM2_SIGNATURE_TYPE, sm2PublicKeyToBytes(publicKey)]),
    sm2PublicKeyToPem(publicKey),
    (m, s) => sm2Verify(publicKey, m, sm2SignatureFromDer(s)),
  );
}

function sm2Signer(name: string, privateKey: bigint): NoteSigner {
  const publicKey = sm2PublicKeyOf(privateKey);
  const verifier = sm2Verifier(name, publicKey);
  return Object.freeze({ ...verifier, sign: (m: Uint8Array) => sm2SignatureToDer(sm2Sign(privateKey, m, { publicKey })) });
}

// ---------------------------------------------------------------------------------------------------------------

/** A new key pair. Keep `privateKeyPem` secret (PKCS#8, readable by `openssl pkey`). */
export function generateSigner(algorithm: NoteAlgorithm, name: string): { signer: NoteSigner; privateKeyPem: string } {
  assertKeyName(name);
  if (algorithm === 'ed25519') {
    const { privateKey } = generateKeyPairSync('ed25519');
    return { signer: ed25519Signer(name, privateKey), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }
  const { privateKeyPem } = generateSm2KeyPair();
  return { signer: signerFromPem(name, privateKeyPem), privateKeyPem };
}

/** A signer from a PKCS#8 PEM private key (Ed25519, or SM2 from `openssl genpkey -algorithm SM2`). */
export function signerFromPem(name: string, privateKeyPem: string): NoteSigner {
  assertKeyName(name);
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    key = undefined;
  }
  if (key?.asymmetricKeyType === 'ed25519') return ed25519Signer(name, key);
  try {
    return sm2Signer(name, sm2PrivateKeyFromPem(privateKeyPem));
  } catch (e) {
    throw new NoteError('bad-key', `neither an Ed25519 nor an SM2 private key: ${(e as Error).message}`);
  }
}

/** A verifier from an SPKI PEM public key (Ed25519 or SM2). */
export function verifierFromPem(name: string, publicKeyPem: string): NoteVerifier {
  assertKeyName(name);
  let key: KeyObject | undefined;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    key = undefined;
  }
  if (key?.asymmetricKeyType === 'ed25519') return ed25519Verifier(name, key);
  try {
    return sm2Verifier(name, sm2PublicKeyFromPem(publicKeyPem));
  } catch (e) {
    throw new NoteError('bad-key', `neither an Ed25519 nor an SM2 public key: ${(e as Error).message}`);
  }
}

/**
 * Parses a verifier key `<name>+<hex key ID>+<base64(type ‖ public key)>` and checks that the key ID is the one the
 * name, type and key give (as golang.org/x/mod/sumdb/note.NewVerifier does).
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const bad = (why: string): never => {
    throw new NoteError('bad-vkey', why);
  };
  const m = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey);
  if (!m) return bad('expected <name>+<8 lowercase hex digits>+<base64>');
  const [, name, hashHex, b64] = m as unknown as [string, string, string, string];
  if (!isValidKeyName(name)) return bad('invalid key name');
  const typeAndKey = Buffer.from(b64, 'base64');
  if (typeAndKey.toString('base64') !== b64) return bad('non-canonical base64');
  let verifier: NoteVerifier;
  if (typeAndKey[0] === 0x01) {
    if (typeAndKey.length !== 33) return bad('an Ed25519 public key is 32 bytes');
    verifier = ed25519Verifier(name, ed25519PublicFromRaw(typeAndKey.subarray(1)));
  } else if (typeAndKey.subarray(0, SM2_SIGNATURE_TYPE.length).equals(SM2_SIGNATURE_TYPE)) {
    let point: Sm2Point;
    try {
      point = sm2PublicKeyFromBytes(typeAndKey.subarray(SM2_SIGNATURE_TYPE.length));
    } catch (e) {
      return bad(`bad SM2 public key: ${(e as Error).message}`);
    }
    verifier = sm2Verifier(name, point);
  } else {
    return bad(`unsupported signature type 0x${(typeAndKey[0] ?? 0).toString(16).padStart(2, '0')}`);
  }
  if (hex8(verifier.keyHash) !== hashHex) return bad('key ID does not match the name and key');
  return verifier;
}

/** Only the verifying half of a signer (to hand to openNote without exposing `sign`). */
export function verifierOf(signer: NoteVerifier): NoteVerifier {
  const { name, keyHash, algorithm, publicKeyPem, vkey, verify } = signer;
  return Object.freeze({ name, keyHash, algorithm, publicKeyPem, vkey, verify });
}
