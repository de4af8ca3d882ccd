import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, generateTotpSecret, hotp, matchTotp, otpauthUrl, totp, type TotpAlgorithm } from './totp.js';

const seeds: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};

// RFC 6238 Appendix B: T0 = 0, X = 30, 8 digits.
const rfc6238: Array<[number, string, TotpAlgorithm]> = [
  [59, '94287082', 'sha1'],
  [59, '46119246', 'sha256'],
  [59, '90693936', 'sha512'],
  [1111111109, '07081804', 'sha1'],
  [1111111109, '68084774', 'sha256'],
  [1111111109, '25091201', 'sha512'],
  [1111111111, '14050471', 'sha1'],
  [1111111111, '67062674', 'sha256'],
  [1111111111, '99943326', 'sha512'],
  [1234567890, '89005924', 'sha1'],
  [1234567890, '91819424', 'sha256'],
  [1234567890, '93441116', 'sha512'],
  [2000000000, '69279037', 'sha1'],
  [2000000000, '90698825', 'sha256'],
  [2000000000, '38618901', 'sha512'],
  [20000000000, '65353130', 'sha1'],
  [20000000000, '77737706', 'sha256'],
  [20000000000, '47863826', 'sha512'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(rfc6238)('M§38 at t=%i gives %s with %s (Appendix B)', (t, code, algorithm) => {
    expect(totp(seeds[algorithm], t * 1000, { digits: 8, algorithm })).toBe(code);
  });

  it('gives the RFC 4226 Appendix D HOTP values for counters 0–9', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, i) => hotp(seeds.sha1, i))).toEqual(expected);
  });

  it('round-trips base32 and reads the RFC seed from its base32 form', () => {
    expect(base32Encode(seeds.sha1)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq')).toEqual(seeds.sha1);
    for (let n = 0; n < 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    }
    expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
  });

  it('accepts a code one step early or late, not two', () => {
    const secret = generateTotpSecret();
    const now = Date.UTC(2026, 2, 2, 2, 0, 0);
    expect(matchTotp(secret, totp(secret, now - 30_000), now)).not.toBeNull();
    expect(matchTotp(secret, totp(secret, now + 30_000), now)).not.toBeNull();
    expect(matchTotp(secret, totp(secret, now - 60_000), now)).toBeNull();
    expect(matchTotp(secret, totp(secret, now + 60_000), now)).toBeNull();
  });

  it('M§38 refuses a step at or before the last accepted one (no replay)', () => {
    const secret = generateTotpSecret();
    const now = Date.UTC(2026, 2, 2, 2, 0, 0);
    const step = matchTotp(secret, totp(secret, now), now);
    expect(step).toBe(Math.floor(now / 30_000));
    expect(matchTotp(secret, totp(secret, now), now, { afterStep: step })).toBeNull();
    expect(matchTotp(secret, totp(secret, now + 30_000), now, { afterStep: step })).toBe(step! + 1);
  });

  it('refuses codes of the wrong shape', () => {
    const secret = generateTotpSecret();
    expect(matchTotp(secret, '12345', 0)).toBeNull();
    expect(matchTotp(secret, '12345a', 0)).toBeNull();
    expect(matchTotp(secret, '', 0)).toBeNull();
  });

  it('writes an otpauth:// URI authenticator apps read', () => {
    const url = new URL(otpauthUrl({ issuer: '网保', account: 'zhang.san', secret: 'JBSWY3DPEHPK3PXP' }));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/网保:zhang.san');
    expect(url.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
    expect(url.searchParams.get('period')).toBe('30');
    expect(url.searchParams.get('digits')).toBe('6');
  });
});
