import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): the cryptographic second factor of staff sign-in
 * (等保三级 two-factor login, requirements §2.10). Defaults are the ones every authenticator app uses:
 * HMAC-SHA1, 30-second steps, 6 digits; secrets travel as RFC 4648 base32.
 */

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  /** Seconds per step (RFC 6238 "X"). */
  stepSeconds?: number;
  digits?: number;
  algorithm?: TotpAlgorithm;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, ignoring case, spaces, dashes and padding (authenticator apps show secrets in groups). */
export function base32Decode(input: string): Buffer {
  const s = input.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of s) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error('Not a base32 string');
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new 160-bit secret (RFC 4226 recommends the HMAC-SHA1 output size), base32. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** RFC 4226 HOTP: dynamic truncation of HMAC(secret, counter). */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(msg).digest();
  const offset = mac.readUInt8(mac.length - 1) & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** The time step a moment falls in. */
export function totpStep(at: Date | number, stepSeconds = 30): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  return Math.floor(ms / 1000 / stepSeconds);
}

/** The code for a moment. `secret` is raw bytes or base32. */
export function totp(secret: Uint8Array | string, at: Date | number, opts: TotpOptions = {}): string {
  const key = typeof secret === 'string' ? base32Decode(secret) : secret;
  return hotp(key, totpStep(at, opts.stepSeconds ?? 30), opts.digits ?? 6, opts.algorithm ?? 'sha1');
}

/**
 * Finds the step a submitted code belongs to, within ±`window` steps of now (clock drift), and only among steps
 * after `afterStep`: a code already accepted once cannot be used again. Returns the step, or null. Every
 * candidate is compared in constant time.
 */
export function matchTotp(
  secret: Uint8Array | string,
  code: string,
  at: Date | number,
  opts: TotpOptions & { window?: number; afterStep?: number | null } = {},
): number | null {
  const digits = opts.digits ?? 6;
  if (!/^\d+$/.test(code) || code.length !== digits) return null;
  const key = typeof secret === 'string' ? base32Decode(secret) : secret;
  const now = totpStep(at, opts.stepSeconds ?? 30);
  const window = opts.window ?? 1;
  let found: number | null = null;
  for (let s = now - window; s <= now + window; s++) {
    const expected = hotp(key, s, digits, opts.algorithm ?? 'sha1');
    const equal = timingSafeEqual(Buffer.from(expected), Buffer.from(code));
    if (equal && found === null && (opts.afterStep == null || s > opts.afterStep)) found = s;
  }
  return found;
}

/** The otpauth:// URI authenticator apps read from a QR code (Key Uri Format). */
export function otpauthUrl(opts: { issuer: string; account: string; secret: string; digits?: number; period?: number }): string {
  const label = `${encodeURIComponent(opts.issuer)}:${encodeURIComponent(opts.account)}`;
  const q = new URLSearchParams({
    secret: opts.secret,
    issuer: opts.issuer,
    algorithm: 'SHA1',
    digits: String(opts.digits ?? 6),
    period: String(opts.period ?? 30),
  });
  return `otpauth://totp/${label}?${q.toString()}`;
}
