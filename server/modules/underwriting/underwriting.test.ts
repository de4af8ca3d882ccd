import { describe, expect, it } from 'vitest';
import { demoProducts } from '../products/index.js';
import type { ProductDefinition } from '../products/index.js';
import { underwrite } from './underwriting.js';

const WAN = 1_000_000;
const product = (code: string) => demoProducts.find((p) => p.code === code)!;
const healthy = (d: ProductDefinition) =>
  d.questionnaires.flatMap((q) =>
    q.items.map((i) => ({
      questionnaireCode: q.code,
      itemCode: i.code,
      optionCode: (i.options.find((o) => o.underwriting === 'accept') ?? i.options[0]!).code,
    })),
  );

describe('underwrite (M§18)', () => {
  it('accepts a healthy applicant within every limit, with no reasons', () => {
    const d = product('TERM_LIFE_20Y');
    expect(underwrite(d, { insuredAge: 30, sumInsuredFen: 100 * WAN, answers: healthy(d), existingSumInsuredFen: 0 })).toEqual({
      outcome: 'accept',
      reasons: [],
    });
  });

  it('declines on an occupation class the product does not cover', () => {
    const d = product('ACCIDENT_1Y');
    const occ = d.questionnaires.find((q) => q.kind === 'occupation')!;
    const answers = healthy(d).map((a) => (a.questionnaireCode === occ.code ? { ...a, optionCode: '6' } : a));
    const r = underwrite(d, { insuredAge: 30, sumInsuredFen: 50 * WAN, answers, existingSumInsuredFen: 0 });
    expect(r.outcome).toBe('decline');
    expect(r.reasons.map((x) => x.code)).toEqual(['OCCUPATION']);
  });

  it('refers above the cumulative threshold and declines above the cumulative cap, counting other policies', () => {
    const d = product('TERM_LIFE_20Y');
    const refer = underwrite(d, { insuredAge: 30, sumInsuredFen: 100 * WAN, answers: healthy(d), existingSumInsuredFen: 150 * WAN });
    expect(refer).toMatchObject({ outcome: 'refer', reasons: [{ code: 'CUMULATIVE_SUM_INSURED', outcome: 'refer' }] });
    const decline = underwrite(d, { insuredAge: 30, sumInsuredFen: 100 * WAN, answers: healthy(d), existingSumInsuredFen: 450 * WAN });
    expect(decline).toMatchObject({ outcome: 'decline', reasons: [{ code: 'CUMULATIVE_SUM_INSURED', outcome: 'decline' }] });
  });

  it('declines a sum insured above the limit for the age band', () => {
    const d = product('TERM_LIFE_20Y');
    const r = underwrite(d, { insuredAge: 47, sumInsuredFen: 150 * WAN, answers: healthy(d), existingSumInsuredFen: 0 });
    expect(r.reasons.map((x) => x.code)).toContain('SUM_INSURED_BY_AGE');
    expect(r.outcome).toBe('decline');
  });

  it('caps death cover for minors at ¥200,000 under 10 and ¥500,000 from 10 to 17', () => {
    const d: ProductDefinition = { ...product('ACCIDENT_1Y'), entryAge: { min: 0, max: 65 }, underwriting: { maxSumInsuredByAge: [] } };
    const at = (age: number, sum: number) =>
      underwrite(d, { insuredAge: age, sumInsuredFen: sum, answers: healthy(d), existingSumInsuredFen: 0 }).outcome;
    expect(at(9, 20 * WAN)).toBe('accept');
    expect(at(9, 20 * WAN + 1)).toBe('decline');
    expect(at(10, 50 * WAN)).toBe('accept');
    expect(at(17, 50 * WAN + 1)).toBe('decline');
    expect(at(18, 100 * WAN)).toBe('accept');
  });

  it('does not cap a minor’s medical cover, which pays no death benefit', () => {
    const d = product('MEDICAL_1Y');
    expect(underwrite(d, { insuredAge: 5, sumInsuredFen: 200 * WAN, answers: healthy(d), existingSumInsuredFen: 0 }).outcome).toBe(
      'accept',
    );
  });

  it('gives the most severe outcome when several rules fire, keeping every reason', () => {
    const d = product('MEDICAL_1Y');
    const health = d.questionnaires.find((q) => q.kind === 'health')!;
    const referItem = health.items.find((i) => i.options.some((o) => o.underwriting === 'refer'))!;
    const declineItem = health.items.find((i) => i.options.some((o) => o.underwriting === 'decline'))!;
    const answers = healthy(d).map((a) =>
      a.itemCode === referItem.code
        ? { ...a, optionCode: referItem.options.find((o) => o.underwriting === 'refer')!.code }
        : a.itemCode === declineItem.code
          ? { ...a, optionCode: declineItem.options.find((o) => o.underwriting === 'decline')!.code }
          : a,
    );
    const r = underwrite(d, { insuredAge: 30, sumInsuredFen: 200 * WAN, answers, existingSumInsuredFen: 0 });
    expect(r.outcome).toBe('decline');
    expect(r.reasons.map((x) => x.outcome).sort()).toEqual(referItem === declineItem ? ['decline'] : ['decline', 'refer']);
  });
});
