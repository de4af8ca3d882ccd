import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertIdMatches, idCheckChar, isValidSocialCreditCode, parseIdNumber, usccCheckChar } from './id-number.js';
import { AppError } from '../../platform/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? e.code : 'not an AppError';
  }
  return undefined;
}

describe('parseIdNumber (GB 11643-1999)', () => {
  it('M§33 accepts the standard example 11010519491231002X and reads birth date and gender', () => {
    expect(parseIdNumber('11010519491231002X')).toEqual({ ok: true, idNumber: '11010519491231002X', birthDate: '1949-12-31', gender: 'F' });
  });

  it('M§33 refuses 110105194912310021 on its checksum', () => {
    expect(parseIdNumber('110105194912310021')).toEqual({ ok: false, reason: 'checksum' });
  });

  it('accepts a lower-case x as the check character', () => {
    expect(parseIdNumber('11010519491231002x').ok).toBe(true);
  });

  it('refuses the wrong length and stray characters as a format error', () => {
    expect(parseIdNumber('1101051949123100')).toEqual({ ok: false, reason: 'format' });
    expect(parseIdNumber('1101051949123100X2')).toEqual({ ok: false, reason: 'format' });
    expect(parseIdNumber('')).toEqual({ ok: false, reason: 'format' });
  });

  it('refuses an impossible birth date even when the checksum is right', () => {
    const first17 = '11010519490230001'; // 30 February
    expect(parseIdNumber(first17 + idCheckChar(first17))).toEqual({ ok: false, reason: 'birth_date' });
    const month13 = '11010519491331001';
    expect(parseIdNumber(month13 + idCheckChar(month13))).toEqual({ ok: false, reason: 'birth_date' });
  });

  it('reads an odd 17th digit as male', () => {
    const first17 = '44030419900101001';
    const parsed = parseIdNumber(first17 + idCheckChar(first17));
    expect(parsed).toMatchObject({ ok: true, gender: 'M', birthDate: '1990-01-01' });
  });

  it('round-trips random valid IDs: birth date and gender come back, and any changed check character is refused', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 110000, max: 659999 }),
        fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X'),
        (region, date, seq, otherCheck) => {
          const birth = date.toISOString().slice(0, 10);
          const first17 = `${region}${birth.replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
          const id = first17 + idCheckChar(first17);
          const parsed = parseIdNumber(id);
          expect(parsed).toEqual({ ok: true, idNumber: id, birthDate: birth, gender: seq % 2 === 1 ? 'M' : 'F' });
          if (otherCheck !== id[17]) expect(parseIdNumber(first17 + otherCheck)).toEqual({ ok: false, reason: 'checksum' });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('assertIdMatches', () => {
  it('M§33 passes when birth date and gender agree with the ID', () => {
    expect(assertIdMatches('11010519491231002X', { birthDate: '1949-12-31', gender: 'F' }).ok).toBe(true);
  });

  it('M§33 throws ID_NUMBER_INVALID for a failing checksum', () => {
    expect(codeOf(() => assertIdMatches('110105194912310021', { birthDate: '1949-12-31', gender: 'F' }))).toBe('ID_NUMBER_INVALID');
  });

  it('M§33 throws ID_NUMBER_MISMATCH for a different birth date or gender', () => {
    expect(codeOf(() => assertIdMatches('11010519491231002X', { birthDate: '1949-12-30', gender: 'F' }))).toBe('ID_NUMBER_MISMATCH');
    expect(codeOf(() => assertIdMatches('11010519491231002X', { birthDate: '1949-12-31', gender: 'M' }))).toBe('ID_NUMBER_MISMATCH');
  });
});

describe('isValidSocialCreditCode (GB 32100-2015)', () => {
  it('accepts 91350100M000100Y43', () => {
    expect(isValidSocialCreditCode('91350100M000100Y43')).toBe(true);
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
  });

  it('refuses a changed check character, the excluded letters I O S V Z, and the wrong length', () => {
    expect(isValidSocialCreditCode('91350100M000100Y44')).toBe(false);
    expect(isValidSocialCreditCode('91350100M000100I43')).toBe(false);
    expect(isValidSocialCreditCode('91350100M000100Y4')).toBe(false);
  });
});
