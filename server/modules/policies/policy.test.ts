import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computePolicyDates, coolingOffRefund, formatPolicyNumber, isValidPolicyNumber, mod3736CheckChar } from './policy.js';

describe('policy numbers', () => {
  it('carry an ISO 7064 MOD 37,36 check character', () => {
    const n = formatPolicyNumber('WB', '2026-03-02', 42);
    expect(n).toMatch(/^WB2026030200000042[0-9A-Z]$/);
    expect(isValidPolicyNumber(n)).toBe(true);
  });

  it('catch every single-character substitution', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99_999_999 }),
        fc.integer({ min: 2, max: 17 }),
        fc.integer({ min: 1, max: 9 }),
        (seq, pos, delta) => {
          const n = formatPolicyNumber('WB', '2026-11-22', seq);
          const digit = Number(n[pos]);
          const changed = n.slice(0, pos) + String((digit + delta) % 10) + n.slice(pos + 1);
          return !isValidPolicyNumber(changed);
        },
      ),
    );
  });

  it('catch nearly every adjacent transposition (a hybrid MOD 37,36 system misses a few)', () => {
    // Measured over a fixed set, not sampled: ISO 7064 hybrid systems do not promise every transposition.
    let swaps = 0;
    let missed = 0;
    for (let seq = 1; seq <= 20_000; seq++) {
      const n = formatPolicyNumber('WB', '2026-11-22', seq);
      for (let pos = 2; pos <= 16; pos++) {
        if (n[pos] === n[pos + 1]) continue;
        swaps++;
        if (isValidPolicyNumber(n.slice(0, pos) + n[pos + 1] + n[pos] + n.slice(pos + 2))) missed++;
      }
    }
    expect(swaps).toBeGreaterThan(50_000);
    expect(missed / swaps).toBeLessThan(0.01);
  });

  it('matches the ISO 7064 worked value for MOD 37,36', () => {
    // ISO/IEC 7064 annex example for MOD 37,36: "A12425GABC1234002" has check character "M".
    expect(mod3736CheckChar('A12425GABC1234002')).toBe('M');
  });
});

describe('computePolicyDates', () => {
  it('starts cover at 00:00 Asia/Shanghai the next day and ends after whole years', () => {
    // 2026-03-02 23:30 in Shanghai is 15:30 UTC: still the 2nd there, so cover starts on the 3rd.
    const issued = new Date('2026-03-02T15:30:00Z');
    const d = computePolicyDates(issued, issued, { effectiveAfterDays: 1, termYears: 1, coolingOffDays: 15, waitingPeriodDays: 30 });
    expect(d.effectiveDate).toBe('2026-03-03');
    expect(d.effectiveAt.toISOString()).toBe('2026-03-02T16:00:00.000Z');
    expect(d.endDate).toBe('2027-03-02');
    expect(d.waitingPeriodEndDate).toBe('2026-04-01');
  });

  it('counts the 犹豫期 from the day after receipt', () => {
    // Received at 00:30 on 3 March in Shanghai (16:30 UTC on the 2nd): the period runs 4 March to 18 March.
    const received = new Date('2026-03-02T16:30:00Z');
    const d = computePolicyDates(received, received, { effectiveAfterDays: 1, termYears: 20, coolingOffDays: 15, waitingPeriodDays: 0 });
    expect(d.coolingOffEndDate).toBe('2026-03-18');
    expect(d.waitingPeriodEndDate).toBeNull();
    expect(d.endDate).toBe('2046-03-03');
  });
});

describe('coolingOffRefund', () => {
  it('returns the premium minus the configured cost', () => {
    expect(coolingOffRefund(36_800, 1000)).toEqual({ costFen: 1000, refundFen: 35_800 });
  });
  it('never deducts more than ¥10, whatever is configured', () => {
    expect(coolingOffRefund(36_800, 5000)).toEqual({ costFen: 1000, refundFen: 35_800 });
  });
  it('never deducts more than the premium', () => {
    expect(coolingOffRefund(600, 1000)).toEqual({ costFen: 600, refundFen: 0 });
  });
});
