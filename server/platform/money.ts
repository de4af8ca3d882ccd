import { Decimal } from 'decimal.js';

/** Money is integer fen. Anything that is not a safe non-negative integer is a bug, caught here. */
export type Fen = number;

export function assertFen(value: number, what = 'amount'): Fen {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer of fen, got ${value}`);
  return value;
}

/** Multiplies fen by a decimal factor and rounds half-up to the fen, never through binary floats. */
export function multiplyFen(fen: Fen, factor: Decimal.Value): Fen {
  return new Decimal(fen).times(factor).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

/**
 * "¥1,234.50" for people — and how amounts are printed on Chinese policies and invoices: yuan with two decimals and
 * thousands separators; a negative amount (a red-letter invoice) as "-¥1,234.50". `{ symbol: false }` leaves the ¥
 * out, for a table whose heading names the currency. The API always carries fen.
 */
export function formatYuan(fen: Fen, opts: { symbol?: boolean } = {}): string {
  const abs = Math.abs(fen);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fen < 0 ? '-' : ''}${opts.symbol === false ? '' : '¥'}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/** "10元", "12.50元": an amount inside a sentence said or sent to a person (a callback question, an SMS). */
export function formatYuanInSentence(fen: Fen): string {
  const abs = Math.abs(fen);
  const cents = abs % 100;
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}${cents === 0 ? '' : `.${String(cents).padStart(2, '0')}`}元`;
}
