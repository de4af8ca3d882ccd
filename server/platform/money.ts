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

/** "¥1,234.50" for people; the API always carries fen. */
export function formatYuan(fen: Fen): string {
  const yuan = new Decimal(fen).dividedBy(100).toFixed(2);
  const [int, frac] = yuan.split('.') as [string, string];
  return `¥${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}
