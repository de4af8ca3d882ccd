import { AppError } from '../../platform/errors.js';

/**
 * Pure checks over Chinese identifiers (requirements §3, M§33: the policyholder's identity is verified with
 * effective technology, the ID-number checksum being the first of them).
 */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

export type IdNumberParse =
  { ok: true; idNumber: string; birthDate: string; gender: 'M' | 'F' } | { ok: false; reason: 'format' | 'checksum' | 'birth_date' };

/** The GB 11643-1999 check character for the first 17 digits. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (const [i, weight] of ID_WEIGHTS.entries()) sum += Number(first17[i]) * weight;
  return ID_CHECK_CHARS.charAt(sum % 11);
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/**
 * Parses an 18-character resident ID number (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit
 * sequence (odd = male), check character. A lower-case `x` is accepted and normalised to `X`.
 */
export function parseIdNumber(input: string): IdNumberParse {
  const s = input.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return { ok: false, reason: 'format' };
  if (idCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, reason: 'checksum' };
  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  // The standard dates from 1999; nobody alive was born before 1900.
  if (y < 1900 || !isRealDate(y, m, d)) return { ok: false, reason: 'birth_date' };
  return {
    ok: true,
    idNumber: s,
    birthDate: `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`,
    gender: Number(s[16]) % 2 === 1 ? 'M' : 'F',
  };
}

/**
 * M§33: the ID number must pass its checksum and agree with the birth date and gender the applicant gave.
 * Throws ID_NUMBER_INVALID or ID_NUMBER_MISMATCH; returns the parsed number otherwise.
 */
export function assertIdMatches(idNumber: string, claimed: { birthDate?: string; gender?: 'M' | 'F' }, path = 'idNumber') {
  const parsed = parseIdNumber(idNumber);
  if (!parsed.ok) {
    throw new AppError(
      'ID_NUMBER_INVALID',
      `The ID number fails its ${parsed.reason === 'birth_date' ? 'birth-date' : parsed.reason} check`,
      [{ path, code: parsed.reason, message: 'invalid resident ID number' }],
    );
  }
  const items = [];
  if (claimed.birthDate !== undefined && claimed.birthDate !== parsed.birthDate) {
    items.push({ path: 'birthDate', code: 'id_mismatch', message: 'the birth date differs from the one in the ID number' });
  }
  if (claimed.gender !== undefined && claimed.gender !== parsed.gender) {
    items.push({ path: 'gender', code: 'id_mismatch', message: 'the gender differs from the one in the ID number' });
  }
  if (items.length) throw new AppError('ID_NUMBER_MISMATCH', undefined, items);
  return parsed;
}

/** True when the ID number is well formed, passes its checksum and carries a real birth date. */
export function isValidIdNumber(s: string): boolean {
  return parseIdNumber(s).ok;
}

// ——— unified social credit code (GB 32100-2015) ———

const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The GB 32100-2015 check character for the first 17 characters, or null when one is outside the charset. */
export function usccCheckChar(first17: string): string | null {
  let sum = 0;
  for (const [i, weight] of USCC_WEIGHTS.entries()) {
    const v = USCC_CHARSET.indexOf(first17[i] ?? '');
    if (v < 0) return null;
    sum += v * weight;
  }
  return USCC_CHARSET.charAt((31 - (sum % 31)) % 31);
}

/** Unified social credit code of an organisation (e.g. a partner or corporate policyholder): 18 chars, checksum. */
export function isValidSocialCreditCode(input: string): boolean {
  const s = input.trim().toUpperCase();
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(s)) return false;
  return usccCheckChar(s.slice(0, 17)) === s[17];
}
