// @ts-check
/**
 * SM2 signature verification (GM/T 0003.2-2012 §7.1 = GB/T 32918.2-2016) with SM3 and the signer ID
 * "1234567812345678" (GM/T 0009-2012), written for the verifier from the standard:
 *
 *   Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)      e = SM3(Z_A ‖ M)
 *   accept iff r, s ∈ [1, n−1], t = (r + s) mod n ≠ 0, (x1, y1) = [s]G + [t]P_A, (e + x1) mod n = r
 *
 * Only the curve point arithmetic comes from a library: @noble/curves (pure JavaScript, audited). SM3 is Node's.
 * This module is loaded only for SM2 bundles, so an Ed25519 bundle needs nothing but Node.js.
 */
import { createHash } from 'node:crypto';
import { weierstrassN } from '@noble/curves/abstract/weierstrass.js';
import { bigintTo32, bytesToBigint, derChildren, derOne, derUnsignedInteger } from './encoding.mjs';

/** The recommended curve sm2p256v1 of GM/T 0003.5-2012. */
export const SM2_CURVE = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

export const SM2_ID = '1234567812345678';

const Point = weierstrassN({ p: SM2_CURVE.p, n: SM2_CURVE.n, h: 1n, a: SM2_CURVE.a, b: SM2_CURVE.b, Gx: SM2_CURVE.Gx, Gy: SM2_CURVE.Gy });

/** @param {...Uint8Array} parts */
function sm3(...parts) {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** @param {bigint} a @param {bigint} m */
function mod(a, m) {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/**
 * Checks that `bytes` are an uncompressed SEC1 point (0x04 ‖ x ‖ y) on sm2p256v1; throws otherwise.
 * @param {Uint8Array} bytes
 */
export function assertSm2PublicKey(bytes) {
  if (bytes.length !== 65 || bytes[0] !== 0x04) throw new Error('an SM2 public key here is a 65-byte uncompressed point 04 ‖ x ‖ y');
  const point = Point.fromBytes(bytes);
  point.assertValidity();
  if (point.is0()) throw new Error('the SM2 public key is the point at infinity');
}

/**
 * Verifies a DER-encoded (SEQUENCE { r, s }) SM2 signature of `message` under the 65-byte public key `publicKey`.
 * Returns false (never throws) for a bad signature; the reason is in `why` for the report.
 * @param {Uint8Array} publicKey
 * @param {Uint8Array} message
 * @param {Uint8Array} signatureDer
 * @returns {{ ok: boolean, why?: string }}
 */
export function sm2Verify(publicKey, message, signatureDer) {
  let r, s;
  try {
    const items = derChildren(derOne(signatureDer, 0x30).value);
    if (items.length !== 2) throw new Error('SM2Signature has exactly two INTEGERs');
    r = derUnsignedInteger(items[0]);
    s = derUnsignedInteger(items[1]);
  } catch (e) {
    return { ok: false, why: `the signature is not a strict DER SM2Signature (${/** @type {Error} */ (e).message})` };
  }
  const { n } = SM2_CURVE;
  if (r < 1n || r >= n || s < 1n || s >= n) return { ok: false, why: 'r or s is outside [1, n−1]' };
  const t = mod(r + s, n);
  if (t === 0n) return { ok: false, why: '(r + s) mod n is 0' };
  let P;
  try {
    P = Point.fromBytes(publicKey);
    P.assertValidity();
  } catch (e) {
    return { ok: false, why: `bad SM2 public key (${/** @type {Error} */ (e).message})` };
  }
  const id = Buffer.from(SM2_ID, 'utf8');
  const entl = Buffer.from([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  const { a, b, Gx, Gy } = SM2_CURVE;
  const za = sm3(
    entl,
    id,
    bigintTo32(a),
    bigintTo32(b),
    bigintTo32(Gx),
    bigintTo32(Gy),
    publicKey.subarray(1, 33),
    publicKey.subarray(33, 65),
  );
  const e = bytesToBigint(sm3(za, message));
  // Public scalars and points only: variable-time multiplication is fine.
  const sum = Point.BASE.multiplyUnsafe(s).add(P.multiplyUnsafe(t));
  if (sum.is0()) return { ok: false, why: '[s]G + [t]P is the point at infinity' };
  const R = mod(e + sum.toAffine().x, n);
  return R === r ? { ok: true } : { ok: false, why: 'the SM2 signature equation does not hold (R ≠ r)' };
}
