import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from '../../../test/helpers/journey-context.js';
import { createCallbackFactory, type BuiltCase, type CaseSpec } from '../../../test/helpers/callback-factory.js';
import type { Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { problemOf } from './callback.js';

const H = 3_600_000;
const DAY = 24 * H;
/** 2026-04-01 00:00 in Shanghai. */
const APRIL = Date.parse('2026-03-31T16:00:00.000Z');

/** The scenario, in one list: every case opened in April 2026 unless said otherwise. */
const scenario: Array<CaseSpec & { inPeriod: boolean }> = [
  { outcome: 'electronic', openedAt: new Date(APRIL - 1), completeAfterMs: H, inPeriod: false },
  { outcome: 'electronic', openedAt: new Date(APRIL), completeAfterMs: H, inPeriod: true },
  { outcome: 'phone', openedAt: new Date(APRIL + 30 * DAY), completeAfterMs: 30 * H, inPeriod: false },
  ...[2, 3, 5, 8, 13].map((h, i) => ({
    outcome: 'electronic' as const,
    openedAt: new Date(APRIL + (i + 1) * DAY),
    completeAfterMs: h * H,
    inPeriod: true,
    ...(h === 5 ? { answers: { product_purchased: 'no' as const } } : {}),
  })),
  { outcome: 'electronic', openedAt: new Date(APRIL + 6 * DAY), completeAfterMs: 16 * DAY, inPeriod: true },
  { outcome: 'phone', openedAt: new Date(APRIL + 7 * DAY), completeAfterMs: 30 * H, inPeriod: true },
  {
    outcome: 'phone',
    openedAt: new Date(APRIL + 7 * DAY + H),
    completeAfterMs: 50 * H,
    inPeriod: true,
    answers: { signed_in_person: 'no' },
  },
  { outcome: 'letter', openedAt: new Date(APRIL + 8 * DAY), completeAfterMs: 20 * DAY, inPeriod: true },
  { outcome: 'failed', openedAt: new Date(APRIL + 9 * DAY), completeAfterMs: 40 * DAY, inPeriod: true },
  { outcome: 'failed', openedAt: new Date(APRIL + 9 * DAY + H), completeAfterMs: 41 * DAY, inPeriod: true },
  { outcome: 'open', openedAt: new Date(APRIL + 29 * DAY), inPeriod: true },
  { outcome: 'cancelled', openedAt: new Date(APRIL + 10 * DAY), completeAfterMs: 3 * DAY, inPeriod: true },
  ...[4, 6, 10].map((h, i) => ({
    productCode: 'UNIVERSAL_10Y' as const,
    outcome: 'electronic' as const,
    openedAt: new Date(APRIL + (11 + i) * DAY),
    completeAfterMs: h * H,
    inPeriod: true,
    ...(h === 6 ? { answers: { investment_risk: 'unsure' as const, policy_received: 'no' as const } } : {}),
  })),
  { productCode: 'UNIVERSAL_10Y', outcome: 'visit', openedAt: new Date(APRIL + 15 * DAY), completeAfterMs: 25 * DAY, inPeriod: true },
  { productCode: 'UNIVERSAL_10Y', outcome: 'failed', openedAt: new Date(APRIL + 16 * DAY), completeAfterMs: 40 * DAY, inPeriod: true },
  ...[7, 9].map((h, i) => ({
    channel: 'broker',
    outcome: 'electronic' as const,
    openedAt: new Date(APRIL + (17 + i) * DAY),
    completeAfterMs: h * H,
    inPeriod: true,
  })),
  { channel: 'broker', outcome: 'failed', openedAt: new Date(APRIL + 19 * DAY), completeAfterMs: 40 * DAY, inPeriod: true },
];

/** The same arithmetic the figures promise, done here independently: half-up to four places. */
function rate(part: number, whole: number): string | null {
  if (!whole) return null;
  const scaled = (BigInt(part) * 100_000n) / BigInt(whole);
  const rounded = (scaled + 5n) / 10n;
  return `${rounded / 10_000n}.${(rounded % 10_000n).toString().padStart(4, '0')}`;
}
function percentileCont(values: number[], p: number): number | null {
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  const x = lo + 1 < v.length ? v[lo]! + (pos - lo) * (v[lo + 1]! - v[lo]!) : v[lo]!;
  // PostgreSQL interpolates intervals to the microsecond.
  return Math.round(x * 1e6) / 1e6;
}

describe('callback figures', () => {
  let ctx: JourneyContext;
  let compliance: Actor;
  const built: Array<{ spec: (typeof scenario)[number]; c: BuiltCase }> = [];

  beforeAll(async () => {
    ctx = await createJourneyContext({ env: { CALLBACK_SAMPLING_DEFAULT_RATE: '1' } });
    const f = createCallbackFactory(ctx);
    for (const spec of scenario) built.push({ spec, c: await f.makeCase(spec) });
    const s = await ctx.db
      .selectFrom('staff_accounts')
      .select('id')
      .where('username', '=', 'demo.compliance_officer')
      .executeTakeFirstOrThrow();
    compliance = { type: 'staff', id: s.id, roles: ['compliance_officer'] };
  }, 120_000);
  afterAll(async () => ctx?.close());

  it('§2.7 computes success rate by method and product, time to complete (median, p90), problem-case rate and the 犹豫期 share exactly, for the cases opened in the period', async () => {
    const figures = await ctx.services.callbackFigures.figures(compliance, { from: '2026-04-01', to: '2026-05-01' });
    const cohort = built.filter((b) => b.spec.inPeriod);
    const stats = (list: typeof cohort) => {
      const succeeded = list.filter((b) => !['failed', 'open', 'cancelled'].includes(b.spec.outcome));
      const concluded = list.filter((b) => !['open', 'cancelled'].includes(b.spec.outcome));
      const answered = succeeded;
      const withProblem = list.filter((b) => Object.values(b.spec.answers ?? {}).length > 0);
      const seconds = succeeded.map((b) => b.spec.completeAfterMs! / 1000);
      const by = (m: string) => succeeded.filter((b) => b.spec.outcome === m).length;
      return {
        opened: list.length,
        concluded: concluded.length,
        succeeded: succeeded.length,
        failed: list.filter((b) => b.spec.outcome === 'failed').length,
        cancelled: list.filter((b) => b.spec.outcome === 'cancelled').length,
        open: list.filter((b) => b.spec.outcome === 'open').length,
        successRate: rate(succeeded.length, concluded.length),
        byMethod: { electronic: by('electronic'), phone: by('phone'), letter: by('letter'), visit: by('visit') },
        electronicRate: rate(by('electronic'), concluded.length),
        answered: answered.length,
        withProblem: withProblem.length,
        problemCases: list.reduce((n, b) => n + Object.entries(b.spec.answers ?? {}).filter(([code, a]) => problemOf(code, a)).length, 0),
        problemCaseRate: rate(withProblem.length, answered.length),
        medianSeconds: percentileCont(seconds, 0.5),
        p90Seconds: percentileCont(seconds, 0.9),
      };
    };
    const total = stats(cohort);
    // The scenario is what it claims to be.
    expect(total).toMatchObject({
      opened: 22,
      concluded: 20,
      succeeded: 16,
      failed: 4,
      cancelled: 1,
      open: 1,
      withProblem: 3,
      problemCases: 4,
    });
    expect(figures.period).toEqual({ from: '2026-04-01', to: '2026-05-01', basis: 'opened_at' });
    expect(figures.total).toEqual(total);
    expect(figures.total.successRate).toBe('0.8000');
    expect(figures.total.problemCaseRate).toBe('0.1875');

    const products = [...new Set(cohort.map((b) => b.c.productCode))].sort();
    expect(figures.byProduct.map((p) => p.productCode)).toEqual(products);
    for (const p of figures.byProduct)
      expect(p).toEqual({ productCode: p.productCode, ...stats(cohort.filter((b) => b.c.productCode === p.productCode)) });
    expect(figures.byChannel.map((c) => c.channel)).toEqual(['broker', 'direct']);
    for (const c of figures.byChannel)
      expect(c).toEqual({ channel: c.channel, ...stats(cohort.filter((b) => (b.spec.channel ?? 'direct') === c.channel)) });

    const methods = ['electronic', 'letter', 'phone', 'visit'];
    expect(figures.byMethod).toEqual(
      methods.map((m) => {
        const s = cohort.filter((b) => b.spec.outcome === m).map((b) => b.spec.completeAfterMs! / 1000);
        return {
          method: m,
          succeeded: s.length,
          rate: rate(s.length, total.concluded),
          medianSeconds: percentileCont(s, 0.5),
          p90Seconds: percentileCont(s, 0.9),
        };
      }),
    );
    // The methods' rates add up to the success rate.
    expect(figures.byMethod.reduce((n, m) => n + Number(m.rate), 0)).toBeCloseTo(0.8, 10);

    // Succeeded within the 15-day 犹豫期: all but the late electronic one, the letter (20 days) and the visit (25 days).
    expect(figures.withinCoolingOff).toEqual({ succeeded: 16, withinDeadline: 13, rate: rate(13, 16) });
    expect(figures.problemsByKind).toEqual([
      { kind: 'negative_answer', count: 1 },
      { kind: 'policy_not_received', count: 1 },
      { kind: 'signature_not_own', count: 1 },
      { kind: 'unsure_answer', count: 1 },
    ]);
  });

  it('§2.7 counts the sampling of the period’s callbacks: drawn, selected, reviewed, passed, failed, rework open', async () => {
    const sampling = ctx.services.callbackSampling;
    await sampling.drawSamples();
    const samples = await ctx.db
      .selectFrom('callback_samples')
      .select(['id', 'case_id'])
      .where(
        'case_id',
        'in',
        built.filter((b) => b.spec.inPeriod && b.spec.outcome === 'electronic').map((b) => b.c.caseId),
      )
      .orderBy('id')
      .execute();
    const review = async (sampleId: string, fail: boolean) => {
      const s = await sampling.getSample(compliance, sampleId);
      const items = s.checks.map((c) => ({
        code: c.code,
        result:
          c.computed === 'not_applicable'
            ? ('not_applicable' as const)
            : c.computed === 'fail' || (fail && c.code === 'no_sales_interference')
              ? ('fail' as const)
              : ('pass' as const),
        note: fail ? '同一设备多人作答' : undefined,
      }));
      return sampling.reviewSample(compliance, sampleId, {
        previousReviewId: null,
        items,
        findings: fail || items.some((i) => i.result === 'fail') ? '存疑' : null,
      });
    };
    await review(samples[0]!.id, false);
    await review(samples[1]!.id, true);
    const figures = await ctx.services.callbackFigures.figures(compliance, { from: '2026-04-01', to: '2026-05-01' });
    expect(figures.sampling).toEqual({ drawn: 20, selected: 20, reviewed: 2, passed: 1, failed: 1, reworkOpen: 1 });
    // A period without cases has nothing to count, and no rate to divide by.
    const empty = await ctx.services.callbackFigures.figures(compliance, { from: '2027-01-01', to: '2027-02-01' });
    expect(empty.total).toMatchObject({ opened: 0, successRate: null, problemCaseRate: null, medianSeconds: null });
    expect(empty.byMethod).toEqual([]);
  });

  it('§2.7 figures are for compliance officers and auditors only', async () => {
    const agent = await ctx.db
      .selectFrom('staff_accounts')
      .select('id')
      .where('username', '=', 'demo.callback_agent')
      .executeTakeFirstOrThrow();
    await expect(
      ctx.services.callbackFigures.figures(
        { type: 'staff', id: agent.id, roles: ['callback_agent'] },
        { from: '2026-04-01', to: '2026-05-01' },
      ),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      ctx.services.callbackFigures.figures({ type: 'staff', id: 'x', roles: ['auditor'] }, { from: '2026-04-01', to: '2026-04-01' }),
    ).rejects.toBeInstanceOf(AppError);
  });
});
