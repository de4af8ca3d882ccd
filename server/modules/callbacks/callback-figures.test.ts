import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { durationZh, lastDayOf, percent, periodOf } from './callback-figures.js';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('callback figures: periods and presentation', () => {
  it('§2.7 reads a period as Shanghai calendar dates, the end exclusive', () => {
    const p = periodOf('2026-04-01', '2026-05-01');
    expect(p.fromAt.toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(p.toAt.toISOString()).toBe('2026-04-30T16:00:00.000Z');
    expect(lastDayOf(p)).toBe('2026-04-30');
  });

  it('§2.7 refuses a period that is not two dates, ends before it starts, or is longer than ten years', () => {
    expect(codeOf(() => periodOf('2026-02-30', '2026-03-01'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => periodOf('2026-04-01', '2026-04-01'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => periodOf('2026-05-01', '2026-04-01'))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => periodOf('2010-01-01', '2026-01-01'))).toBe('VALIDATION_FAILED');
  });

  it('shows four-place rates as percentages and durations in days, hours and minutes', () => {
    expect(percent('0.8500')).toBe('85.00%');
    expect(percent('1.0000')).toBe('100.00%');
    expect(percent('0.0005')).toBe('0.05%');
    expect(percent('0.0000')).toBe('0.00%');
    expect(percent('0.1234')).toBe('12.34%');
    expect(percent(null)).toBe('—');
    expect(durationZh(93_780)).toBe('1天2小时3分');
    expect(durationZh(3_600)).toBe('1小时0分');
    expect(durationZh(59)).toBe('1分');
    expect(durationZh(86_400)).toBe('1天0小时0分');
    expect(durationZh(null)).toBe('—');
  });
});
