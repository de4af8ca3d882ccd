import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from '../../../test/helpers/journey-context.js';
import { createCallbackFactory, type CallbackFactory, type CaseSpec } from '../../../test/helpers/callback-factory.js';
import type { Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { createPiiCipher } from '../../platform/pii.js';
import { isSelected, samplingDraw, SAMPLING_KEY_LABEL } from './sampling.js';
import { createSamplingService, type SamplingService } from './sampling.service.js';

const DAY = 86_400_000;

async function appErrorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('callback quality sampling (抽检)', () => {
  let ctx: JourneyContext;
  let f: CallbackFactory;
  let sampling: SamplingService;
  let compliance: Actor;
  let agent: Actor;
  let auditor: Actor;
  let key: Buffer;

  const staffActor = async (role: 'compliance_officer' | 'callback_agent' | 'auditor'): Promise<Actor> => {
    const s = await ctx.db.selectFrom('staff_accounts').select('id').where('username', '=', `demo.${role}`).executeTakeFirstOrThrow();
    return { type: 'staff', id: s.id, roles: [role] };
  };
  /** Cases opened from a day after now, so every rule set now is in effect when they complete. */
  const cases = async (n: number, spec: Omit<CaseSpec, 'openedAt'>) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await f.makeCase({ ...spec, openedAt: new Date(ctx.clock.now().getTime() + DAY + i * 60_000) }));
    return out;
  };
  /** Moves the clock past every case made so far, as the daily run would come after them. */
  const later = () => ctx.clock.advanceDays(5);
  const drawOf = (caseId: string) =>
    ctx.db.selectFrom('callback_sampling_draws').selectAll().where('case_id', '=', caseId).executeTakeFirst();
  const sampleOf = (caseId: string) =>
    ctx.db.selectFrom('callback_samples').selectAll().where('case_id', '=', caseId).executeTakeFirstOrThrow();
  const allPass = (checks: Array<{ code: string; computed: string }>) =>
    checks.map((c) => ({
      code: c.code,
      result: c.computed === 'not_applicable' ? ('not_applicable' as const) : c.computed === 'fail' ? ('fail' as const) : ('pass' as const),
    }));

  beforeAll(async () => {
    ctx = await createJourneyContext({ env: { CALLBACK_SAMPLING_DEFAULT_RATE: '0.3' } });
    f = createCallbackFactory(ctx);
    sampling = createSamplingService({ db: ctx.db, clock: ctx.clock, config: ctx.config, pii: ctx.platform.pii });
    compliance = await staffActor('compliance_officer');
    agent = await staffActor('callback_agent');
    auditor = await staffActor('auditor');
    key = ctx.platform.pii.deriveKey(SAMPLING_KEY_LABEL);
    await f.basePolicy('TERM_LIFE_20Y');
    await f.basePolicy('UNIVERSAL_10Y');
  });
  afterAll(async () => ctx?.close());

  it('§2.7 samples completed callbacks at the configured rate per channel and product, the default elsewhere', async () => {
    await sampling.setRule(compliance, { channel: 'direct', productCode: 'TERM_LIFE_20Y', rate: '1', reason: '新产品上线首月全检' });
    await sampling.setRule(compliance, { channel: 'direct', productCode: 'UNIVERSAL_10Y', rate: '0', reason: '本月暂停' });
    const broker = await sampling.setRule(compliance, { channel: 'broker', rate: '0.5', reason: '经纪渠道' });
    const term = await cases(4, { channel: 'direct', productCode: 'TERM_LIFE_20Y', outcome: 'electronic' });
    const uni = await cases(4, { channel: 'direct', productCode: 'UNIVERSAL_10Y', outcome: 'phone' });
    const brokered = [
      ...(await cases(10, { channel: 'broker', productCode: 'TERM_LIFE_20Y', outcome: 'electronic' })),
      ...(await cases(6, { channel: 'broker', productCode: 'UNIVERSAL_10Y', outcome: 'failed' })),
      ...(await cases(4, { channel: 'broker', productCode: 'TERM_LIFE_20Y', outcome: 'letter' })),
    ];
    const agency = await cases(10, { channel: 'agency', productCode: 'TERM_LIFE_20Y', outcome: 'electronic' });
    const notDone = [
      ...(await cases(2, { channel: 'direct', outcome: 'open' })),
      ...(await cases(2, { channel: 'direct', outcome: 'cancelled' })),
    ];
    later();

    const run = await sampling.drawSamples();
    expect(run.drawn).toBeGreaterThanOrEqual(term.length + uni.length + brokered.length + agency.length);

    for (const c of term) expect(await drawOf(c.caseId)).toMatchObject({ selected: true, rate: '1.000000' });
    for (const c of uni) expect(await drawOf(c.caseId)).toMatchObject({ selected: false, rate: '0.000000' });
    let brokerSelected = 0;
    for (const c of brokered) {
      const d = (await drawOf(c.caseId))!;
      const expected = isSelected(samplingDraw(key, c.caseId), '0.5');
      expect(d).toMatchObject({
        rule_id: broker.ruleId,
        rate: '0.500000',
        draw_hex: samplingDraw(key, c.caseId),
        selected: expected,
        key_id: sampling.keyId,
      });
      if (expected) brokerSelected++;
    }
    for (const c of agency)
      expect(await drawOf(c.caseId)).toMatchObject({
        rule_id: null,
        rate: '0.300000',
        selected: isSelected(samplingDraw(key, c.caseId), '0.3'),
      });
    for (const c of notDone) expect(await drawOf(c.caseId)).toBeUndefined();

    const samples = await ctx.db
      .selectFrom('callback_samples')
      .select('case_id')
      .where(
        'case_id',
        'in',
        brokered.map((c) => c.caseId),
      )
      .execute();
    expect(samples).toHaveLength(brokerSelected);
    const runEvent = await ctx.db
      .selectFrom('events')
      .select('payload')
      .where('type', '=', 'callback.sampling_run')
      .where('subject_id', '=', run.runs[0]!)
      .executeTakeFirstOrThrow();
    expect(runEvent.payload).toMatchObject({
      drawn: run.drawn,
      selected: run.selected,
      keyId: sampling.keyId,
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('§2.7 draws each completed callback once; another run, at another time, draws nothing new and the audit re-derives every choice', async () => {
    const more = await cases(3, { channel: 'agency', outcome: 'electronic' });
    later();
    const first = await sampling.drawSamples();
    expect(first.drawn).toBe(3);
    ctx.clock.advanceDays(30);
    expect(await sampling.drawSamples()).toMatchObject({ drawn: 0, selected: 0 });
    // Another process over the same keys derives the same draws.
    const again = createSamplingService({ db: ctx.db, clock: ctx.clock, config: ctx.config, pii: ctx.platform.pii });
    const audit = await again.verifyDraws(auditor, { from: new Date('2026-01-01T00:00:00Z'), to: ctx.clock.now() });
    expect(audit.mismatches).toEqual([]);
    expect(audit.undrawnCompleted).toBe(0);
    expect(audit.checked).toBeGreaterThanOrEqual(30 + more.length);
    expect(audit.selected).toBe(
      await ctx.db
        .selectFrom('callback_samples')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n)),
    );
  });

  it('§2.7 the audit finds draws made under another key, and default-rate draws after the default changed', async () => {
    const keyring = {
      activeKeyId: 'test1',
      keys: new Map([['test1', randomBytes(32)]]),
      suite: 'aes-256-gcm' as const,
      blindIndexKey: randomBytes(32),
    };
    const otherKey = createSamplingService({ db: ctx.db, clock: ctx.clock, config: ctx.config, pii: createPiiCipher(keyring) });
    const period = { from: new Date('2026-01-01T00:00:00Z'), to: ctx.clock.now() };
    const byOtherKey = await otherKey.verifyDraws(auditor, period);
    expect(byOtherKey.mismatches.length).toBe(byOtherKey.checked);
    expect(byOtherKey.mismatches[0]!.problem).toContain('drawn under key');

    const otherDefault = createSamplingService({
      db: ctx.db,
      clock: ctx.clock,
      config: { ...ctx.config, CALLBACK_SAMPLING_DEFAULT_RATE: '0.1' },
      pii: ctx.platform.pii,
    });
    const audit = await otherDefault.verifyDraws(auditor, period);
    const defaultDraws = await ctx.db.selectFrom('callback_sampling_draws').select('case_id').where('rule_id', 'is', null).execute();
    expect(defaultDraws.length).toBeGreaterThan(0);
    expect(audit.mismatches.map((m) => m.caseId).sort()).toEqual(defaultDraws.map((d) => d.case_id).sort());
    expect(audit.mismatches[0]!.problem).toContain('the default is now 0.1');
    expect((await appErrorOf(sampling.verifyDraws(agent, period))).code).toBe('FORBIDDEN');
  });

  it('§2.7 uses the rate in effect when the callback completed, never a rate set later', async () => {
    await sampling.setRule(compliance, { channel: 'bank', productCode: 'UNIVERSAL_10Y', rate: '1', reason: '银保渠道全检' });
    const before = await cases(3, { channel: 'bank', productCode: 'UNIVERSAL_10Y', outcome: 'electronic', completeAfterMs: DAY });
    // Completed a day after opening; the new rate takes effect after that, but before the draw runs.
    ctx.clock.advanceDays(3);
    const lowered = await sampling.setRule(compliance, { channel: 'bank', productCode: 'UNIVERSAL_10Y', rate: '0', reason: '降低比例' });
    const after = await cases(3, { channel: 'bank', productCode: 'UNIVERSAL_10Y', outcome: 'electronic', completeAfterMs: DAY });
    later();
    await sampling.drawSamples();
    for (const c of before) expect(await drawOf(c.caseId)).toMatchObject({ selected: true, rate: '1.000000' });
    for (const c of after) expect(await drawOf(c.caseId)).toMatchObject({ selected: false, rule_id: lowered.ruleId });
  });

  it('§2.7 refuses a rate that would take effect in the past, a rate outside 0–1, and anyone but a compliance officer', async () => {
    const past = new Date(ctx.clock.now().getTime() - 1000);
    expect(
      (await appErrorOf(sampling.setRule(compliance, { channel: 'direct', rate: '0.1', effectiveFrom: past, reason: '补录' }))).code,
    ).toBe('SAMPLING_RULE_RETROACTIVE');
    expect((await appErrorOf(sampling.setRule(compliance, { rate: '1.2', reason: 'x' }))).code).toBe('VALIDATION_FAILED');
    expect((await appErrorOf(sampling.setRule(agent, { rate: '0.1', reason: 'x' }))).code).toBe('FORBIDDEN');
    expect((await appErrorOf(sampling.drawSamples({ actor: agent }))).code).toBe('FORBIDDEN');
    const future = await sampling.setRule(compliance, {
      channel: 'direct',
      rate: '0.2',
      effectiveFrom: new Date(ctx.clock.now().getTime() + 7 * DAY),
      reason: '下月起',
    });
    const listed = await sampling.listRules(auditor);
    expect(listed.defaultRate).toBe('0.3');
    expect(listed.rules.find((r) => r.ruleId === future.ruleId)).toMatchObject({ rate: '0.2', inEffect: false });
  });

  it('§2.7 sampling records are append-only: a draw, a sample, a rule cannot be changed or removed', async () => {
    const d = await ctx.db.selectFrom('callback_sampling_draws').select('case_id').limit(1).executeTakeFirstOrThrow();
    await expect(
      ctx.db.updateTable('callback_sampling_draws').set({ selected: true }).where('case_id', '=', d.case_id).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(ctx.db.deleteFrom('callback_sampling_draws').where('case_id', '=', d.case_id).execute()).rejects.toThrow(/append-only/);
    await expect(ctx.db.deleteFrom('callback_samples').execute()).rejects.toThrow(/append-only/);
    await expect(ctx.db.updateTable('callback_sampling_rules').set({ rate: '0' }).execute()).rejects.toThrow(/append-only/);
  });

  describe('the checklist and its review', () => {
    beforeAll(async () => {
      await sampling.setRule(compliance, { channel: 'qa', rate: '1', reason: '质检通道全检' });
    });

    it('§2.7 pre-computes the checks the records can answer: a complete callback passes them, each flaw fails its item', async () => {
      const [good] = await cases(1, { channel: 'qa', outcome: 'electronic' });
      const [skipped] = await cases(1, { channel: 'qa', outcome: 'electronic', flaws: { skipItem: 'surrender_loss' } });
      const [oneMethod] = await cases(1, { channel: 'qa', outcome: 'electronic', flaws: { identityMethods: ['sms_code'] } });
      const [unrecorded] = await cases(1, { channel: 'qa', outcome: 'phone', flaws: { noRecording: true } });
      const [silentNo] = await cases(1, {
        channel: 'qa',
        productCode: 'UNIVERSAL_10Y',
        outcome: 'electronic',
        answers: { investment_risk: 'unsure', policy_received: 'no' },
        flaws: { noProblemFor: 'investment_risk' },
      });
      const [failed] = await cases(1, { channel: 'qa', outcome: 'failed' });
      later();
      await sampling.drawSamples();
      const checksOf = async (caseId: string) => {
        const s = await sampling.getSample(compliance, (await sampleOf(caseId)).id);
        expect(s.checks).toEqual(s.checksAtDraw);
        return Object.fromEntries(s.checks.map((c) => [c.code, c.computed]));
      };
      expect(await checksOf(good!.caseId)).toMatchObject({
        all_items_answered: 'pass',
        closing_confirmed: 'pass',
        texts_neutral_versioned: 'pass',
        own_platform: 'pass',
        within_cooling_off: 'pass',
        two_methods_passed: 'pass',
        face_where_required: 'pass',
        identity_before_items: 'pass',
        no_sales_interference: 'manual',
      });
      expect(await checksOf(skipped!.caseId)).toMatchObject({ all_items_answered: 'fail', texts_neutral_versioned: 'pass' });
      expect(await checksOf(oneMethod!.caseId)).toMatchObject({
        two_methods_passed: 'fail',
        face_where_required: 'fail',
        identity_before_items: 'fail',
      });
      expect(await checksOf(unrecorded!.caseId)).toMatchObject({
        evidence_stored: 'fail',
        all_items_answered: 'pass',
        own_platform: 'pass',
        recording_follows_script: 'manual',
        two_methods_passed: 'not_applicable',
      });
      expect(await checksOf(silentNo!.caseId)).toMatchObject({
        problems_recorded: 'fail',
        all_items_answered: 'pass',
        face_where_required: 'not_applicable',
      });
      expect(await checksOf(failed!.caseId)).toMatchObject({
        final_record_complete: 'pass',
        within_cooling_off: 'pass',
        all_items_answered: 'not_applicable',
      });
    });

    it('§2.7 a compliance officer records a result per item and findings; a failed sample goes back for rework, its completion is recorded, the re-review passes', async () => {
      const [c] = await cases(1, { channel: 'qa', outcome: 'electronic' });
      later();
      await sampling.drawSamples();
      const sampleId = (await sampleOf(c!.caseId)).id;
      let s = await sampling.getSample(compliance, sampleId);
      expect(s).toMatchObject({ status: 'awaiting_review', nextReviewKind: 'initial' });

      const items = allPass(s.checks).map((i) =>
        i.code === 'no_sales_interference' ? { ...i, result: 'fail' as const, note: '作答设备与销售人员登录设备相同' } : i,
      );
      s = await sampling.reviewSample(compliance, sampleId, {
        previousReviewId: null,
        items,
        findings: '疑似销售人员代为作答，需重新回访确认',
      });
      expect(s.status).toBe('rework_open');
      expect(s.reviews).toHaveLength(1);
      expect(s.reviews[0]).toMatchObject({ seq: 1, kind: 'initial', outcome: 'failed', findings: '疑似销售人员代为作答，需重新回访确认' });
      expect(s.reviews[0]!.items.find((i) => i.code === 'no_sales_interference')).toEqual({
        code: 'no_sales_interference',
        computed: 'manual',
        result: 'fail',
        note: '作答设备与销售人员登录设备相同',
      });
      expect(s.reworks).toHaveLength(1);
      expect(s.reworks[0]).toMatchObject({ failedItems: ['no_sales_interference'], completion: null });
      expect(s.reworks[0]!.dueAt.getTime() - ctx.clock.now().getTime()).toBe(ctx.config.CALLBACK_SAMPLING_REWORK_DAYS * DAY);
      const stored = await ctx.db
        .selectFrom('callback_sample_reviews')
        .select('findings_cipher')
        .where('sample_id', '=', sampleId)
        .executeTakeFirstOrThrow();
      expect(stored.findings_cipher).not.toContain('疑似');

      expect((await sampling.listReworks(agent, { open: true })).map((w) => w.reworkId)).toContain(s.reworks[0]!.reworkId);
      expect(
        (await appErrorOf(sampling.completeRework(compliance, s.reworks[0]!.reworkId, { outcome: 'callback_redone', note: 'x' }))).code,
      ).toBe('FORBIDDEN');
      ctx.clock.advance(3_600_000);
      s = await sampling.completeRework(agent, s.reworks[0]!.reworkId, {
        outcome: 'callback_redone',
        note: '已电话联系投保人本人，确认系本人作答',
        referenceId: c!.attemptIds[0],
      });
      expect(s.status).toBe('awaiting_re_review');
      expect(s.nextReviewKind).toBe('re_review');
      expect(s.reworks[0]!.completion).toMatchObject({
        outcome: 'callback_redone',
        note: '已电话联系投保人本人，确认系本人作答',
        referenceId: c!.attemptIds[0],
        completedBy: agent.type === 'staff' ? agent.id : '',
      });
      expect(
        (await appErrorOf(sampling.completeRework(agent, s.reworks[0]!.reworkId, { outcome: 'callback_redone', note: 'again' }))).code,
      ).toBe('INVALID_STATE');

      s = await sampling.reviewSample(compliance, sampleId, { previousReviewId: s.reviews[0]!.reviewId, items: allPass(s.checks) });
      expect(s).toMatchObject({ status: 'passed' });
      expect(s.reviews.map((r) => [r.seq, r.kind, r.outcome])).toEqual([
        [1, 'initial', 'failed'],
        [2, 're_review', 'passed'],
      ]);
      const events = await ctx.db.selectFrom('events').select('type').where('subject_id', '=', sampleId).orderBy('seq').execute();
      expect(events.map((e) => e.type)).toEqual([
        'callback.sample_drawn',
        'callback.sample_reviewed',
        'callback.sample_rework_opened',
        'callback.sample_rework_completed',
        'callback.sample_reviewed',
      ]);
      const listed = await sampling.listSamples(auditor, { status: 'passed' });
      expect(listed.map((x) => x.sampleId)).toContain(sampleId);
    });

    it('§2.7 a reviewer cannot pass what the records show failed; a review on a stale view is refused; nothing is written', async () => {
      const [c] = await cases(1, { channel: 'qa', outcome: 'phone', flaws: { noRecording: true } });
      later();
      await sampling.drawSamples();
      const sampleId = (await sampleOf(c!.caseId)).id;
      const s = await sampling.getSample(compliance, sampleId);
      const whitewash = s.checks.map((x) => ({
        code: x.code,
        result: x.computed === 'not_applicable' ? ('not_applicable' as const) : ('pass' as const),
      }));
      const e = await appErrorOf(
        sampling.reviewSample(compliance, sampleId, { previousReviewId: null, items: whitewash, findings: '无问题' }),
      );
      expect(e.code).toBe('SAMPLE_CHECK_CONTRADICTS_RECORD');
      expect(e.items?.map((i) => i.path)).toEqual(['evidence_stored']);
      expect(
        (
          await appErrorOf(
            sampling.reviewSample(compliance, sampleId, { previousReviewId: 'cbsv_NOPE', items: allPass(s.checks), findings: '缺录音' }),
          )
        ).code,
      ).toBe('SAMPLE_REVIEW_STALE');
      expect(
        (await appErrorOf(sampling.reviewSample(agent, sampleId, { previousReviewId: null, items: allPass(s.checks), findings: '缺录音' })))
          .code,
      ).toBe('FORBIDDEN');
      expect(
        (
          await appErrorOf(
            sampling.reviewSample(compliance, sampleId, { previousReviewId: null, items: allPass(s.checks).slice(2), findings: '缺录音' }),
          )
        ).code,
      ).toBe('SAMPLE_CHECKLIST_INCOMPLETE');
      const written = await ctx.db.selectFrom('callback_sample_reviews').select('id').where('sample_id', '=', sampleId).execute();
      expect(written).toEqual([]);
      const first = await sampling.reviewSample(compliance, sampleId, {
        previousReviewId: null,
        items: allPass(s.checks),
        findings: '通话录音缺失',
      });
      expect(first.status).toBe('rework_open');
      // A second reviewer working from the same view loses.
      expect(
        (
          await appErrorOf(
            sampling.reviewSample(compliance, sampleId, { previousReviewId: null, items: allPass(s.checks), findings: '通话录音缺失' }),
          )
        ).code,
      ).toBe('SAMPLE_REVIEW_STALE');
    });

    it('§2.7 a correction is a new review: a passing correction withdraws the rework, the first review stays', async () => {
      const [c] = await cases(1, { channel: 'qa', outcome: 'electronic' });
      later();
      await sampling.drawSamples();
      const sampleId = (await sampleOf(c!.caseId)).id;
      let s = await sampling.getSample(compliance, sampleId);
      const failing = allPass(s.checks).map((i) =>
        i.code === 'no_sales_interference' ? { ...i, result: 'fail' as const, note: '误判' } : i,
      );
      s = await sampling.reviewSample(compliance, sampleId, { previousReviewId: null, items: failing, findings: '初判存在代答' });
      expect(s.nextReviewKind).toBe('correction');
      s = await sampling.reviewSample(compliance, sampleId, { previousReviewId: s.reviews[0]!.reviewId, items: allPass(s.checks) });
      expect(s.status).toBe('passed');
      expect(s.reviews.map((r) => [r.kind, r.outcome, r.previousReviewId])).toEqual([
        ['initial', 'failed', null],
        ['correction', 'passed', s.reviews[0]!.reviewId],
      ]);
      expect(s.reworks[0]!.completion).toMatchObject({ outcome: 'withdrawn_by_review', referenceId: s.reviews[1]!.reviewId });
    });

    it('§2.7 when rework cannot cure what the records show, the re-review closes the sample as failed', async () => {
      const [c] = await cases(1, { channel: 'qa', outcome: 'electronic', flaws: { skipItem: 'cooling_off_rights' } });
      const [other] = await cases(1, { channel: 'qa', outcome: 'electronic' });
      later();
      await sampling.drawSamples();
      const sampleId = (await sampleOf(c!.caseId)).id;
      let s = await sampling.getSample(compliance, sampleId);
      expect(
        (
          await appErrorOf(
            sampling.reviewSample(compliance, sampleId, {
              previousReviewId: null,
              items: allPass(s.checks),
              findings: '漏问犹豫期',
              closeSample: true,
            }),
          )
        ).code,
      ).toBe('VALIDATION_FAILED');
      s = await sampling.reviewSample(compliance, sampleId, {
        previousReviewId: null,
        items: allPass(s.checks),
        findings: '漏问犹豫期事项',
      });
      expect(s.reworks[0]!.failedItems).toEqual(['all_items_answered']);
      const reworkId = s.reworks[0]!.reworkId;
      expect(
        (
          await appErrorOf(
            sampling.completeRework(agent, reworkId, { outcome: 'problem_case_opened', note: 'x', referenceId: other!.attemptIds[0] }),
          )
        ).code,
      ).toBe('SAMPLE_REWORK_REFERENCE_INVALID');
      s = await sampling.completeRework(agent, reworkId, {
        outcome: 'not_possible',
        note: '回访已结束，记录不可补录；已告知投保人犹豫期权利',
      });
      s = await sampling.reviewSample(compliance, sampleId, {
        previousReviewId: s.reviews[0]!.reviewId,
        items: allPass(s.checks),
        findings: '记录缺项无法整改，列入内部问责',
        closeSample: true,
      });
      expect(s).toMatchObject({ status: 'failed_closed' });
      expect(s.reviews[1]).toMatchObject({ kind: 're_review', outcome: 'failed', closesSample: true });
      expect(s.reworks).toHaveLength(1);
    });
  });
});
