import { describe, expect, it } from 'vitest';
import { formatYuan, formatYuanInSentence } from './money.js';

describe('formatYuan', () => {
  it('prints yuan with two decimals and thousands separators', () => {
    expect(formatYuan(123_450)).toBe('¥1,234.50');
    expect(formatYuan(5)).toBe('¥0.05');
    expect(formatYuan(100_000_000_00)).toBe('¥100,000,000.00');
  });

  it('puts the sign before the ¥ of a negative amount (a red-letter invoice)', () => {
    expect(formatYuan(-123_456)).toBe('-¥1,234.56');
  });

  it('leaves the ¥ out for a table whose heading names the currency', () => {
    expect(formatYuan(50_000_000, { symbol: false })).toBe('500,000.00');
  });
});

describe('formatYuanInSentence', () => {
  it('says whole yuan without decimals and the rest with two', () => {
    expect(formatYuanInSentence(1_000)).toBe('10元');
    expect(formatYuanInSentence(1_050)).toBe('10.50元');
    expect(formatYuanInSentence(123_405)).toBe('1234.05元');
  });
});
