import { Decimal } from 'decimal.js';
import { AppError } from '../../platform/errors.js';
import { ageOn, isCalendarDate, type CalendarDate } from '../../platform/dates.js';
import { matchesRow } from './disclosure.js';
import type { PaymentMode, ProductDefinition } from './product.js';

/** The options a consumer chooses for a quote; the insured's age is counted on `on` (周岁). */
export interface QuoteOptions {
  birthDate: CalendarDate;
  gender: 'M' | 'F';
  termYears: number;
  paymentMode: PaymentMode;
  sumInsuredFen: number;
  /** The business date the age is counted on (Asia/Shanghai). */
  on: CalendarDate;
}

const TEN_THOUSAND_YUAN_FEN = 1_000_000;

/** Checks the options against the product and returns the insured's age; the rating row that applies is found later. */
function validateOptions(def: ProductDefinition, o: QuoteOptions): number {
  if (!isCalendarDate(o.birthDate))
    throw new AppError('VALIDATION_FAILED', 'birthDate must be a calendar date YYYY-MM-DD', [{ path: 'birthDate', message: 'not a date' }]);
  if (!isCalendarDate(o.on)) throw new AppError('VALIDATION_FAILED', 'on must be a calendar date YYYY-MM-DD');
  if (o.birthDate > o.on) throw new AppError('AGE_OUT_OF_RANGE', 'The birth date is in the future');
  const age = ageOn(o.birthDate, o.on);
  if (age < def.entryAge.min || age > def.entryAge.max) {
    throw new AppError('AGE_OUT_OF_RANGE', `Age ${age} is outside the entry ages ${def.entryAge.min}–${def.entryAge.max}`);
  }
  const items = [];
  if (!def.termOptionsYears.includes(o.termYears))
    items.push({ path: 'termYears', message: `offered: ${def.termOptionsYears.join(', ')}` });
  if (!def.paymentModes.includes(o.paymentMode)) items.push({ path: 'paymentMode', message: `offered: ${def.paymentModes.join(', ')}` });
  if (!def.sumInsuredOptionsFen.includes(o.sumInsuredFen))
    items.push({ path: 'sumInsuredFen', message: `offered: ${def.sumInsuredOptionsFen.join(', ')}` });
  if (o.gender !== 'M' && o.gender !== 'F') items.push({ path: 'gender', message: 'M or F' });
  if (items.length) throw new AppError('QUOTE_OPTION_INVALID', 'The options are not offered by this product', items);
  return age;
}

/**
 * The premium per installment from the rating table: sumInsured / ¥10,000 × premiumPer10kFen, half-up to the fen,
 * in decimals, never binary floats.
 */
export function priceQuote(def: ProductDefinition, o: QuoteOptions): { premiumFen: number; age: number } {
  const age = validateOptions(def, o);
  const rows = def.ratingTable.filter((r) => matchesRow(r, { age, gender: o.gender, termYears: o.termYears, paymentMode: o.paymentMode }));
  const [row] = rows;
  if (rows.length !== 1 || !row) throw new AppError('QUOTE_OPTION_INVALID', `The rating table has ${rows.length} rows for these options`);
  const premiumFen = new Decimal(o.sumInsuredFen)
    .dividedBy(TEN_THOUSAND_YUAN_FEN)
    .times(row.premiumPer10kFen)
    .toDecimalPlaces(0, Decimal.ROUND_HALF_UP)
    .toNumber();
  return { premiumFen, age };
}

/**
 * The cash value at the end of each policy year for these options, in fen (half-up), from the table per
 * ¥10,000 of sum insured; empty for a product without cash values (M§14: the page shows them; M§27(3)).
 */
export function cashValueTable(def: ProductDefinition, o: QuoteOptions): Array<{ policyYear: number; cashValueFen: number }> {
  const age = validateOptions(def, o);
  if (!def.cashValues?.length) return [];
  const rows = def.cashValues.filter((r) => matchesRow(r, { age, gender: o.gender, termYears: o.termYears, paymentMode: o.paymentMode }));
  const [row] = rows;
  if (rows.length !== 1 || !row)
    throw new AppError('QUOTE_OPTION_INVALID', `The cash-value table has ${rows.length} rows for these options`);
  const units = new Decimal(o.sumInsuredFen).dividedBy(TEN_THOUSAND_YUAN_FEN);
  return row.valuesPer10kFen.map((v, i) => ({
    policyYear: i + 1,
    cashValueFen: units.times(v).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber(),
  }));
}

/** The lowest premium per installment the product offers: “premium from” on the product list. */
export function premiumFrom(def: ProductDefinition): { premiumFen: number; paymentMode: PaymentMode } | null {
  const minSum = Math.min(...def.sumInsuredOptionsFen);
  let best: { premiumFen: number; paymentMode: PaymentMode } | null = null;
  for (const r of def.ratingTable) {
    if (!def.termOptionsYears.includes(r.termYears) || !def.paymentModes.includes(r.paymentMode)) continue;
    if (r.ageTo < def.entryAge.min || r.ageFrom > def.entryAge.max) continue;
    const p = new Decimal(minSum)
      .dividedBy(TEN_THOUSAND_YUAN_FEN)
      .times(r.premiumPer10kFen)
      .toDecimalPlaces(0, Decimal.ROUND_HALF_UP)
      .toNumber();
    if (!best || p < best.premiumFen) best = { premiumFen: p, paymentMode: r.paymentMode };
  }
  return best;
}
