import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { demoProducts } from './demo-products.js';
import type { ProductDefinition } from './product.js';
import { cashValueTable, premiumFrom, priceQuote, type QuoteOptions } from './rating.js';

const demo = (code: string): ProductDefinition => structuredClone(demoProducts.find((p) => p.code === code)!);
const accident = demo('ACCIDENT_1Y');
const term = demo('TERM_LIFE_20Y');
const base: QuoteOptions = {
  birthDate: '1996-03-02',
  gender: 'M',
  termYears: 1,
  paymentMode: 'single',
  sumInsuredFen: 10_000_000,
  on: '2026-03-02',
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return undefined;
}

describe('priceQuote', () => {
  it('prices sum insured / ¥10,000 × the rate per ¥10,000', () => {
    // 30 years old, ¥100,000: 10 × ¥6.00 = ¥60.00
    expect(priceQuote(accident, base)).toEqual({ premiumFen: 6_000, age: 30 });
    // 41–55 band, ¥1,000,000: 100 × ¥9.00
    expect(priceQuote(accident, { ...base, birthDate: '1980-01-01', sumInsuredFen: 100_000_000 })).toEqual({ premiumFen: 90_000, age: 46 });
  });

  it('rounds half-up to the fen in decimals, not binary floats', () => {
    const d = demo('ACCIDENT_1Y');
    d.sumInsuredOptionsFen = [1_000_000, 3_000_000];
    d.ratingTable = [{ ageFrom: 18, ageTo: 65, gender: 'any', termYears: 1, paymentMode: 'single', premiumPer10kFen: '0.5' }];
    expect(priceQuote(d, { ...base, sumInsuredFen: 1_000_000 }).premiumFen).toBe(1); // 0.5 → 1
    d.ratingTable[0]!.premiumPer10kFen = '1.115';
    expect(priceQuote(d, { ...base, sumInsuredFen: 3_000_000 }).premiumFen).toBe(3); // 3.345 → 3
    d.sumInsuredOptionsFen = [100_000_000];
    d.ratingTable[0]!.premiumPer10kFen = '0.145';
    // 100 × 0.145 = 14.5 exactly → 15; in binary floats it is 14.499999999999998 → 14
    expect(100 * 0.145).toBeLessThan(14.5);
    expect(priceQuote(d, { ...base, sumInsuredFen: 100_000_000 }).premiumFen).toBe(15);
  });

  it('counts the age in completed years on the quote date (周岁)', () => {
    // The day before the 41st birthday is still the 18–40 band.
    expect(priceQuote(accident, { ...base, birthDate: '1985-03-03' })).toEqual({ premiumFen: 6_000, age: 40 });
    expect(priceQuote(accident, { ...base, birthDate: '1985-03-02' })).toEqual({ premiumFen: 9_000, age: 41 });
  });

  it('prices term life by gender', () => {
    const o = { ...base, birthDate: '1996-01-01', termYears: 20, paymentMode: 'annual' as const, sumInsuredFen: 100_000_000 };
    expect(priceQuote(term, o).premiumFen).toBe(115_000);
    expect(priceQuote(term, { ...o, gender: 'F' }).premiumFen).toBe(65_000);
  });

  it('refuses an insured outside the entry ages, at both ends and before birth', () => {
    expect(codeOf(() => priceQuote(accident, { ...base, birthDate: '2008-03-03' }))).toBe('AGE_OUT_OF_RANGE'); // 17
    expect(codeOf(() => priceQuote(accident, { ...base, birthDate: '2008-03-02' }))).toBeUndefined(); // 18 today
    expect(codeOf(() => priceQuote(accident, { ...base, birthDate: '1960-03-01' }))).toBe('AGE_OUT_OF_RANGE'); // 66
    expect(codeOf(() => priceQuote(demo('MEDICAL_1Y'), { ...base, sumInsuredFen: 200_000_000, birthDate: '2026-03-03' }))).toBe(
      'AGE_OUT_OF_RANGE',
    );
  });

  it('refuses options the product does not offer', () => {
    expect(codeOf(() => priceQuote(accident, { ...base, sumInsuredFen: 12_345_600 }))).toBe('QUOTE_OPTION_INVALID');
    expect(codeOf(() => priceQuote(accident, { ...base, termYears: 2 }))).toBe('QUOTE_OPTION_INVALID');
    expect(codeOf(() => priceQuote(accident, { ...base, paymentMode: 'monthly' }))).toBe('QUOTE_OPTION_INVALID');
  });

  it('refuses a malformed birth date as a validation problem', () => {
    expect(codeOf(() => priceQuote(accident, { ...base, birthDate: '1990-02-30' }))).toBe('VALIDATION_FAILED');
  });
});

describe('cashValueTable', () => {
  const o = { ...base, birthDate: '1996-01-01', termYears: 20, paymentMode: 'annual' as const, sumInsuredFen: 100_000_000 };

  it('gives one value per policy year, scaled to the sum insured, nil at the end of a term cover', () => {
    const t = cashValueTable(term, o);
    expect(t).toHaveLength(20);
    expect(t.map((x) => x.policyYear)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(t.at(-1)!.cashValueFen).toBe(0);
    const row = term.cashValues!.find((r) => r.gender === 'M' && r.ageFrom <= 30 && 30 <= r.ageTo)!;
    expect(t[9]!.cashValueFen).toBe(row.valuesPer10kFen[9]! * 100);
    const half = cashValueTable(term, { ...o, sumInsuredFen: 50_000_000 });
    expect(half[9]!.cashValueFen).toBe(row.valuesPer10kFen[9]! * 50);
  });

  it('is empty for a product without cash value', () => {
    expect(cashValueTable(accident, base)).toEqual([]);
  });

  it('shows the universal account below the premium early (surrender loss) and above it late', () => {
    const u = demo('UNIVERSAL_10Y');
    const t = cashValueTable(u, { ...base, birthDate: '1986-01-01', termYears: 10, paymentMode: 'single', sumInsuredFen: 10_000_000 });
    expect(t[0]!.cashValueFen).toBeLessThan(10_000_000);
    expect(t[9]!.cashValueFen).toBeGreaterThan(10_000_000);
  });
});

describe('premiumFrom', () => {
  it('is the lowest premium the product offers', () => {
    expect(premiumFrom(accident)).toEqual({ premiumFen: 6_000, paymentMode: 'single' });
    // ¥500,000 at the lowest female rate ¥5.20 per ¥10,000
    expect(premiumFrom(term)).toEqual({ premiumFen: 26_000, paymentMode: 'annual' });
  });
});
