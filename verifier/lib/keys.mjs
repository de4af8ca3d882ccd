// @ts-check
/**
 * The log's public key (SubjectPublicKeyInfo PEM) and the C2SP signed-note key ID (c2sp.org/signed-note):
 * key ID = first 4 bytes of SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key).
 *
 * - Ed25519 (RFC 8410 SPKI, OID 1.3.101.112): signature type 0x01, 32-byte public key, 64-byte signature.
 * - SM2 (SPKI id-ecPublicKey 1.2.840.10045.2.1 with curve sm2p256v1 1.2.156.10197.1.301): signature type
 *   0xff ‖ "wangbao/sm2-sm3/1234567812345678", 65-byte uncompressed point, DER signature with Z_A (ID 1234567812345678).
 */
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { derChildren, derOid, derOne } from './encoding.mjs';

const OID_ED25519 = '1.3.101.112';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_SM2_CURVE = '1.2.156.10197.1.301';

export const ED25519_TYPE = Buffer.from([0x01]);
export const SM2_TYPE = Buffer.concat([Buffer.from([0xff]), Buffer.from('wangbao/sm2-sm3/1234567812345678', 'ascii')]);

/**
 * @typedef {object} LogKey
 * @property {'ed25519' | 'sm2'} algorithm
 * @property {Buffer} raw the public key as the signed-note key ID hashes it (32 bytes, or 65 for SM2)
 * @property {Buffer} type the signed-note signature type bytes
 * @property {Buffer} spki the DER SubjectPublicKeyInfo
 * @property {(message: Uint8Array, signature: Uint8Array) => Promise<{ ok: boolean, why?: string }>} verify
 */

/**
 * Reads one PEM `PUBLIC KEY` block (surrounding whitespace allowed, nothing else).
 * @param {string} text @returns {Buffer}
 */
function unpem(text) {
  const m = /^\s*-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END PUBLIC KEY-----\s*$/.exec(text);
  if (!m) throw new Error('expected exactly one "-----BEGIN PUBLIC KEY-----" PEM block');
  const body = /** @type {string} */ (m[1]).replace(/\r?\n/g, '');
  const der = Buffer.from(body, 'base64');
  if (der.toString('base64') !== body) throw new Error('the PEM body is not canonical base64');
  return der;
}

/**
 * Parses the bundle's `public_key`. Throws with a reason if it is not an Ed25519 or SM2 SPKI PEM.
 * @param {string} pem
 * @returns {LogKey}
 */
export function parsePublicKeyPem(pem) {
  const spki = unpem(pem);
  const top = derChildren(derOne(spki, 0x30).value);
  if (top.length !== 2 || top[0]?.tag !== 0x30 || top[1]?.tag !== 0x03) throw new Error('not a SubjectPublicKeyInfo');
  const alg = derChildren(top[0].value);
  const bits = top[1].value;
  if (bits[0] !== 0) throw new Error('the public key BIT STRING has unused bits');
  const raw = Buffer.from(bits.subarray(1));
  const oid = derOid(alg[0]);
  if (oid === OID_ED25519) {
    if (alg.length !== 1) throw new Error('an Ed25519 AlgorithmIdentifier has no parameters (RFC 8410)');
    if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
    const keyObject = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    return {
      algorithm: 'ed25519',
      raw,
      type: ED25519_TYPE,
      spki,
      verify: async (message, signature) => {
        if (signature.length !== 64) return { ok: false, why: `an Ed25519 signature is 64 bytes, this one is ${signature.length}` };
        const ok = nodeVerify(null, message, keyObject, signature);
        return ok ? { ok } : { ok, why: 'the Ed25519 signature does not verify' };
      },
    };
  }
  if (oid === OID_EC_PUBLIC_KEY) {
    if (alg.length !== 2 || derOid(alg[1]) !== OID_SM2_CURVE)
      throw new Error('an EC key, but not on the SM2 curve sm2p256v1 (1.2.156.10197.1.301)');
    return {
      algorithm: 'sm2',
      raw,
      type: SM2_TYPE,
      spki,
      verify: async (message, signature) => {
        const sm2 = await loadSm2();
        return sm2.sm2Verify(raw, message, signature);
      },
    };
  }
  throw new Error(`unsupported public key algorithm ${oid} (expected Ed25519 or SM2)`);
}

/** @type {Promise<typeof import('./sm2.mjs')> | undefined} */
let sm2Module;
/** Loads the SM2 module (and @noble/curves) on first use. */
export function loadSm2() {
  sm2Module ??= import('./sm2.mjs').catch((e) => {
    sm2Module = undefined;
    throw new Error(
      `SM2 verification needs the @noble/curves package (npm install @noble/curves@1.9.7): ${/** @type {Error} */ (e).message}`,
    );
  });
  return sm2Module;
}

/**
 * signed-note key ID as a big-endian uint32.
 * @param {string} name @param {LogKey} key @returns {number}
 */
export function keyId(name, key) {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a]))
    .update(key.type)
    .update(key.raw)
    .digest()
    .readUInt32BE(0);
}

/** The signed-note verifier key text `<name>+<hex key ID>+<base64(type ‖ key)>`. @param {string} name @param {LogKey} key */
export function vkey(name, key) {
  return `${name}+${keyId(name, key).toString(16).padStart(8, '0')}+${Buffer.concat([key.type, key.raw]).toString('base64')}`;
}
