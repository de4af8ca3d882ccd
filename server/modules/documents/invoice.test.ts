import { describe, expect, it } from 'vitest';
import { amountInWords, splitTax, taxTreatment } from './invoice.js';

describe('invoice rules', () => {
  it('writes amounts in 人民币大写 as invoices print them', () => {
    expect(amountInWords(0)).toBe('零元整');
    expect(amountInWords(123_450)).toBe('壹仟贰佰叁拾肆元伍角整');
    expect(amountInWords(30_000)).toBe('叁佰元整');
    expect(amountInWords(100_005)).toBe('壹仟元零伍分');
    expect(amountInWords(1_000_100)).toBe('壹万零壹元整');
    expect(amountInWords(10_000_000_000)).toBe('壹亿元整');
    expect(amountInWords(1_000_001_000)).toBe('壹仟万零壹拾元整');
    expect(amountInWords(3_680_023)).toBe('叁万陆仟捌佰元贰角叁分');
    expect(() => amountInWords(-1)).toThrow(RangeError);
  });

  it('exempts life and long-term health premiums from VAT and charges 6% on accident cover', () => {
    expect(taxTreatment('term_life', 20)).toEqual({ exempt: true, rateBp: 0 });
    expect(taxTreatment('universal', 10)).toEqual({ exempt: true, rateBp: 0 });
    expect(taxTreatment('health', 1)).toEqual({ exempt: true, rateBp: 0 });
    expect(taxTreatment('accident', 1)).toEqual({ exempt: false, rateBp: 600 });
  });

  it('splits 价税合计 into amount and tax that add up to the fen', () => {
    for (const total of [1, 99, 30_000, 36_800, 123_457, 99_999_999]) {
      const s = splitTax(total, 600);
      expect(s.amountExclTaxFen + s.taxFen).toBe(total);
      expect(Math.abs(s.taxFen - s.amountExclTaxFen * 0.06)).toBeLessThanOrEqual(1);
    }
    expect(splitTax(30_000, 600)).toEqual({ amountExclTaxFen: 28_302, taxFen: 1_698 });
    expect(splitTax(30_000, 0)).toEqual({ amountExclTaxFen: 30_000, taxFen: 0 });
  });
});
