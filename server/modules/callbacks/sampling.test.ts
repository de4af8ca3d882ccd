import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import {
  applicableRate,
  checklist,
  computeChecks,
  drawFraction,
  drawsDigest,
  formatRate,
  isSelected,
  parseRate,
  reviewKind,
  sampleStatus,
  samplingDraw,
  samplingKeyId,
  validateReview,
  type CaseRecords,
  type SamplingRule,
} from './sampling.js';

const key = Buffer.alloc(32, 7);
const t = (s: string) => new Date(s);

function appErrorOf(f: () => unknown): AppError {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('sampling rates', () => {
  it('holds rates exactly as millionths and writes them canonically', () => {
    expect(parseRate('0.05')).toBe(50_000n);
    expect(parseRate('1')).toBe(1_000_000n);
    expect(parseRate('0.000001')).toBe(1n);
    expect(parseRate('0.250000')).toBe(250_000n);
    expect(formatRate('0.250000')).toBe('0.25');
    expect(formatRate('1.000000')).toBe('1');
    expect(formatRate('0')).toBe('0');
    for (const bad of ['1.5', '-0.1', '0.1234567', 'abc', '', '2']) expect(appErrorOf(() => parseRate(bad)).code).toBe('VALIDATION_FAILED');
  });

  const rule = (id: string, channel: string | null, productCode: string | null, rate: string | null, from: string): SamplingRule => ({
    id,
    channel,
    productCode,
    rate,
    effectiveFrom: t(from),
    setAt: t(from),
  });
  const rules = [
    rule('any', null, null, '0.02', '2026-01-01T00:00:00Z'),
    rule('direct', 'direct', null, '0.1', '2026-01-01T00:00:00Z'),
    rule('term', null, 'TERM_LIFE_20Y', '0.3', '2026-01-01T00:00:00Z'),
    rule('direct-term', 'direct', 'TERM_LIFE_20Y', '0.5', '2026-01-01T00:00:00Z'),
    rule('direct-term-later', 'direct', 'TERM_LIFE_20Y', '0.8', '2026-03-01T00:00:00Z'),
    rule('direct-term-removed', 'direct', 'TERM_LIFE_20Y', null, '2026-04-01T00:00:00Z'),
  ];

  it('§2.7 applies the most specific rule in effect when the callback completed: channel and product, product, channel, then all', () => {
    const at = t('2026-02-01T00:00:00Z');
    expect(applicableRate(rules, { channel: 'direct', productCode: 'TERM_LIFE_20Y', at }, '0.05')).toEqual({
      ruleId: 'direct-term',
      rate: '0.5',
    });
    expect(applicableRate(rules, { channel: 'broker', productCode: 'TERM_LIFE_20Y', at }, '0.05')).toEqual({ ruleId: 'term', rate: '0.3' });
    expect(applicableRate(rules, { channel: 'direct', productCode: 'UNIVERSAL_10Y', at }, '0.05')).toEqual({
      ruleId: 'direct',
      rate: '0.1',
    });
    expect(applicableRate(rules, { channel: 'broker', productCode: 'UNIVERSAL_10Y', at }, '0.05')).toEqual({ ruleId: 'any', rate: '0.02' });
    expect(applicableRate([], { channel: 'broker', productCode: 'UNIVERSAL_10Y', at }, '0.050')).toEqual({ ruleId: null, rate: '0.05' });
  });

  it('§2.7 takes the rule in effect at completion: a later rule does not reach back, a rule without a rate hands back to the broader one', () => {
    const c = { channel: 'direct', productCode: 'TERM_LIFE_20Y' };
    expect(applicableRate(rules, { ...c, at: t('2026-02-28T23:59:59Z') }, '0.05').ruleId).toBe('direct-term');
    expect(applicableRate(rules, { ...c, at: t('2026-03-01T00:00:00Z') }, '0.05').ruleId).toBe('direct-term-later');
    expect(applicableRate(rules, { ...c, at: t('2026-04-02T00:00:00Z') }, '0.05')).toEqual({ ruleId: 'term', rate: '0.3' });
    expect(applicableRate(rules, { ...c, at: t('2025-12-31T00:00:00Z') }, '0.05')).toEqual({ ruleId: null, rate: '0.05' });
  });
});

describe('the draw', () => {
  it('§2.7 is the first 64 bits of HMAC-SHA-256 of the case id: reproducible by anyone holding the key', () => {
    const ids = Array.from({ length: 5 }, (_, i) => `cbc_TEST${i}`);
    for (const id of ids) {
      const expected = createHmac('sha256', key).update('wangbao/callback-sampling/v1\0').update(id).digest('hex').slice(0, 16);
      expect(samplingDraw(key, id)).toBe(expected);
      expect(samplingDraw(key, id)).toBe(samplingDraw(Buffer.from(key), id));
    }
    expect(samplingDraw(Buffer.alloc(32, 8), ids[0]!)).not.toBe(samplingDraw(key, ids[0]!));
    expect(samplingKeyId(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(samplingKeyId(key)).not.toBe(samplingKeyId(Buffer.alloc(32, 8)));
  });

  it('§2.7 selects exactly when draw / 2^64 < rate, at the edges too', () => {
    expect(isSelected('0000000000000000', '0.000001')).toBe(true);
    expect(isSelected('0000000000000000', '0')).toBe(false);
    expect(isSelected('ffffffffffffffff', '1')).toBe(true);
    expect(isSelected('ffffffffffffffff', '0.999999')).toBe(false);
    // 2^64 / 2 = 0x8000000000000000 is exactly one half: not below it.
    expect(isSelected('8000000000000000', '0.5')).toBe(false);
    expect(isSelected('7fffffffffffffff', '0.5')).toBe(true);
    expect(drawFraction('8000000000000000')).toBe('0.500000000000');
  });

  it('§2.7 samples close to the rate over many cases, and a higher rate only adds cases', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `cbc_${String(i).padStart(8, '0')}`);
    const draws = ids.map((id) => samplingDraw(key, id));
    const at10 = draws.filter((d) => isSelected(d, '0.1')).length;
    const at25 = draws.filter((d) => isSelected(d, '0.25')).length;
    // Binomial(20000, p): five standard deviations are ±212 at 0.1 and ±306 at 0.25.
    expect(Math.abs(at10 - 2_000)).toBeLessThan(212);
    expect(Math.abs(at25 - 5_000)).toBeLessThan(306);
    for (const d of draws) if (isSelected(d, '0.1')) expect(isSelected(d, '0.25')).toBe(true);
  });

  it('§2.7 digests every decision of a run: any change to one changes the digest, the order does not', () => {
    const ds = ['a', 'b', 'c'].map((id) => ({
      caseId: id,
      drawHex: samplingDraw(key, id),
      rate: '0.5',
      selected: isSelected(samplingDraw(key, id), '0.5'),
    }));
    const d = drawsDigest(ds);
    expect(drawsDigest([...ds].reverse())).toBe(d);
    expect(drawsDigest([{ ...ds[0]!, selected: !ds[0]!.selected }, ds[1]!, ds[2]!])).not.toBe(d);
    expect(drawsDigest([{ ...ds[0]!, rate: '0.50' }, ds[1]!, ds[2]!])).toBe(d);
    expect(drawsDigest(ds.slice(1))).not.toBe(d);
  });
});

/** A complete electronic callback as the records hold it; tests take things away from it. */
function electronicRecords(): CaseRecords {
  const at = (m: number) => new Date(Date.parse('2026-03-03T02:00:00Z') + m * 60_000);
  const codes = ['identity_policyholder', 'product_purchased', 'signed_in_person', 'policy_received'];
  return {
    case: {
      id: 'cbc_1',
      status: 'succeeded',
      method: 'electronic',
      consumerId: 'csm_1',
      faceRequired: true,
      deadlineAt: t('2026-03-20T16:00:00Z'),
      succeededAt: at(30),
      failedAt: null,
    },
    expectedItemCodes: codes,
    attempts: [
      {
        id: 'cba_1',
        taskId: null,
        method: 'electronic',
        startedAt: at(0),
        startedByType: 'consumer',
        startedById: 'csm_1',
        outcome: 'completed',
        mediaKind: null,
        closingTextVersionId: 'txt_close',
        closingConfirmedAt: at(30),
        endedAt: at(30),
      },
    ],
    answers: codes.map((c, i) => ({
      id: `cbr_${i}`,
      attemptId: 'cba_1',
      itemCode: c,
      answer: 'yes',
      textVersionId: `txt_${c}`,
      textKind: 'callback_item',
      textContent: `请问您是否……${c}？`,
      recordedByType: 'consumer',
      recordedById: 'csm_1',
      answeredAt: at(11 + i),
    })),
    displays: codes.map((c, i) => ({ attemptId: 'cba_1', taskId: null, itemCode: c, textVersionId: `txt_${c}`, displayedAt: at(10 + i) })),
    identityChecks: [
      { attemptId: 'cba_1', method: 'sms_code', result: 'passed', checkedAt: at(1) },
      { attemptId: 'cba_1', method: 'id_number', result: 'passed', checkedAt: at(2) },
      { attemptId: 'cba_1', method: 'face', result: 'failed', checkedAt: at(3) },
      { attemptId: 'cba_1', method: 'face', result: 'passed', checkedAt: at(4) },
    ],
    problemAnswerIds: [],
    tasks: [],
    media: [],
    finalRecord: null,
    staffIds: [],
    noticeLink: 'http://wangbao.test/h5/callbacks/cbc_1',
    platformBaseUrl: 'http://wangbao.test',
  };
}

const resultOf = (r: CaseRecords) => Object.fromEntries(computeChecks(r).map((c) => [c.code, c.computed]));

describe('the checklist computed from the records', () => {
  it('§2.7 passes a complete electronic callback on every computed item and leaves judgement items to the reviewer', () => {
    expect(resultOf(electronicRecords())).toEqual({
      all_items_answered: 'pass',
      closing_confirmed: 'pass',
      evidence_stored: 'not_applicable',
      final_record_complete: 'not_applicable',
      texts_neutral_versioned: 'pass',
      own_platform: 'pass',
      within_cooling_off: 'pass',
      problems_recorded: 'not_applicable',
      two_methods_passed: 'pass',
      face_where_required: 'pass',
      identity_before_items: 'pass',
      recording_follows_script: 'not_applicable',
      receipt_signed_by_policyholder: 'not_applicable',
      no_sales_interference: 'manual',
    });
    expect(computeChecks(electronicRecords()).map((c) => c.code)).toEqual(checklist.map((c) => c.code));
  });

  it('§2.7 completeness: an item not answered, or no closing confirmation, fails', () => {
    const r = electronicRecords();
    r.answers = r.answers.filter((a) => a.itemCode !== 'policy_received');
    const c = computeChecks(r).find((x) => x.code === 'all_items_answered')!;
    expect(c.computed).toBe('fail');
    expect(c.detail).toContain('policy_received');
    const r2 = electronicRecords();
    r2.attempts[0]!.closingTextVersionId = null;
    expect(resultOf(r2).closing_confirmed).toBe('fail');
  });

  it('§2.7 compliance: a leading prompt, an answer without its shown version, a third party, a link off the platform, or after the 犹豫期 fails', () => {
    const lead = electronicRecords();
    lead.answers[1]!.textContent = '您已经了解了，对吧？';
    expect(resultOf(lead).texts_neutral_versioned).toBe('fail');

    const unshown = electronicRecords();
    unshown.displays = unshown.displays.filter((d) => d.itemCode !== 'signed_in_person');
    expect(resultOf(unshown).texts_neutral_versioned).toBe('fail');

    const shownAfter = electronicRecords();
    shownAfter.displays[0]!.displayedAt = new Date(shownAfter.answers[0]!.answeredAt.getTime() + 1);
    expect(resultOf(shownAfter).texts_neutral_versioned).toBe('fail');

    const otherVersion = electronicRecords();
    otherVersion.answers[0]!.textVersionId = 'txt_other';
    expect(resultOf(otherVersion).texts_neutral_versioned).toBe('fail');

    const thirdParty = electronicRecords();
    thirdParty.attempts[0]!.startedByType = 'provider';
    expect(resultOf(thirdParty).own_platform).toBe('fail');

    const otherConsumer = electronicRecords();
    otherConsumer.answers[0]!.recordedById = 'csm_2';
    expect(resultOf(otherConsumer).own_platform).toBe('fail');

    const offPlatform = electronicRecords();
    offPlatform.noticeLink = 'http://wangbao.test.example.com/h5/callbacks/cbc_1';
    expect(resultOf(offPlatform).own_platform).toBe('fail');

    const late = electronicRecords();
    late.case.succeededAt = new Date(late.case.deadlineAt.getTime() + 1);
    expect(resultOf(late).within_cooling_off).toBe('fail');
  });

  it('§2.7 compliance: every “no” or “not sure” must have raised a problem case', () => {
    const r = electronicRecords();
    r.answers[2]!.answer = 'no';
    r.answers[3]!.answer = 'unsure';
    r.problemAnswerIds = [r.answers[2]!.id];
    const c = computeChecks(r).find((x) => x.code === 'problems_recorded')!;
    expect(c.computed).toBe('fail');
    expect(c.detail).toContain('policy_received (unsure)');
    r.problemAnswerIds.push(r.answers[3]!.id);
    expect(resultOf(r).problems_recorded).toBe('pass');
  });

  it('§2.7 identity evidence: fewer than two methods, no face where required, or items before identity fail', () => {
    const one = electronicRecords();
    one.identityChecks = one.identityChecks.filter((c) => c.method === 'sms_code');
    expect(resultOf(one).two_methods_passed).toBe('fail');
    expect(resultOf(one).identity_before_items).toBe('fail');

    const noFace = electronicRecords();
    noFace.identityChecks = noFace.identityChecks.filter((c) => !(c.method === 'face' && c.result === 'passed'));
    expect(resultOf(noFace)).toMatchObject({ two_methods_passed: 'pass', face_where_required: 'fail', identity_before_items: 'fail' });
    noFace.case.faceRequired = false;
    expect(resultOf(noFace)).toMatchObject({ face_where_required: 'not_applicable', identity_before_items: 'pass' });

    const early = electronicRecords();
    early.displays[0]!.displayedAt = new Date(early.identityChecks[3]!.checkedAt.getTime() - 1);
    expect(resultOf(early).identity_before_items).toBe('fail');
  });

  it('§2.7 a phone success needs its recording (or a supplemented one) and the reviewer to listen to it', () => {
    const r = electronicRecords();
    r.case.method = 'phone';
    r.case.faceRequired = false;
    r.staffIds = ['stf_agent'];
    r.tasks = [{ id: 'cbt_1', status: 'succeeded' }];
    r.attempts = [
      {
        ...r.attempts[0]!,
        id: 'cba_2',
        taskId: 'cbt_1',
        method: 'phone',
        startedByType: 'staff',
        startedById: 'stf_agent',
        mediaKind: 'call_recording',
      },
    ];
    r.answers = r.answers.map((a) => ({ ...a, attemptId: 'cba_2', recordedByType: 'staff', recordedById: 'stf_agent' }));
    r.displays = r.displays.map((d) => ({ ...d, attemptId: null, taskId: 'cbt_1' }));
    expect(resultOf(r)).toMatchObject({
      all_items_answered: 'pass',
      closing_confirmed: 'pass',
      evidence_stored: 'pass',
      texts_neutral_versioned: 'pass',
      own_platform: 'pass',
      recording_follows_script: 'manual',
      two_methods_passed: 'not_applicable',
    });
    r.attempts[0]!.mediaKind = null;
    expect(resultOf(r).evidence_stored).toBe('fail');
    r.media = [{ id: 'cbm_9', kind: 'call_recording', uploadedAt: t('2026-03-10T00:00:00Z') }];
    expect(resultOf(r).evidence_stored).toBe('pass');
    r.staffIds = [];
    expect(resultOf(r).own_platform).toBe('fail');
  });

  it('§2.7 a failed callback needs its final record, every attempt ended, and a call tried within the 犹豫期', () => {
    const r = electronicRecords();
    r.case = { ...r.case, status: 'failed', method: null, succeededAt: null, failedAt: t('2026-04-10T00:00:00Z') };
    r.staffIds = ['stf_agent'];
    r.attempts = [
      { ...r.attempts[0]!, outcome: 'stopped', closingTextVersionId: null },
      {
        id: 'cba_p',
        taskId: 'cbt_p',
        method: 'phone',
        startedAt: t('2026-03-16T02:00:00Z'),
        startedByType: 'staff',
        startedById: 'stf_agent',
        outcome: 'no_answer',
        mediaKind: null,
        closingTextVersionId: null,
        closingConfirmedAt: null,
        endedAt: t('2026-03-16T02:01:00Z'),
      },
      {
        id: 'cba_l',
        taskId: 'cbt_l',
        method: 'letter',
        startedAt: t('2026-03-22T02:00:00Z'),
        startedByType: 'staff',
        startedById: 'stf_agent',
        outcome: 'not_returned',
        mediaKind: null,
        closingTextVersionId: null,
        closingConfirmedAt: null,
        endedAt: t('2026-04-10T00:00:00Z'),
      },
    ];
    r.tasks = [
      { id: 'cbt_p', status: 'failed' },
      { id: 'cbt_l', status: 'failed' },
    ];
    r.finalRecord = { reasons: { summary: 'all failed' } };
    expect(resultOf(r)).toMatchObject({
      all_items_answered: 'not_applicable',
      closing_confirmed: 'not_applicable',
      final_record_complete: 'pass',
      within_cooling_off: 'pass',
      evidence_stored: 'not_applicable',
      two_methods_passed: 'not_applicable',
    });
    r.attempts[1]!.outcome = 'refused';
    expect(resultOf(r).evidence_stored).toBe('fail');
    r.attempts[1]!.startedAt = new Date(r.case.deadlineAt.getTime() + 1);
    expect(resultOf(r).within_cooling_off).toBe('fail');
    r.finalRecord = null;
    r.tasks[1]!.status = 'open';
    const c = computeChecks(r).find((x) => x.code === 'final_record_complete')!;
    expect(c.computed).toBe('fail');
    expect(c.detail).toContain('no final record');
    expect(c.detail).toContain('cbt_l');
  });
});

describe('reviews', () => {
  const checks = computeChecks(electronicRecords());
  const allPass = () =>
    checks.map((c) => ({ code: c.code, result: c.computed === 'not_applicable' ? ('not_applicable' as const) : ('pass' as const) }));

  it('§2.7 a review gives every checklist item one result; a pass on all is a passed sample', () => {
    expect(validateReview(checks, allPass(), null)).toMatchObject({ outcome: 'passed', failedItems: [] });
    const missing = appErrorOf(() => validateReview(checks, allPass().slice(1), null));
    expect(missing.code).toBe('SAMPLE_CHECKLIST_INCOMPLETE');
    expect(missing.items?.[0]?.message).toContain('all_items_answered');
    expect(appErrorOf(() => validateReview(checks, [...allPass(), { code: 'made_up', result: 'pass' }], null)).code).toBe(
      'SAMPLE_CHECKLIST_INCOMPLETE',
    );
    expect(appErrorOf(() => validateReview(checks, [...allPass(), allPass()[0]!], null)).code).toBe('SAMPLE_CHECKLIST_INCOMPLETE');
  });

  it('§2.7 a reviewer cannot pass what the records show failed, nor judge an item that does not apply', () => {
    const r = electronicRecords();
    r.attempts[0]!.closingTextVersionId = null;
    const failing = computeChecks(r);
    const submitted = failing.map((c) => ({
      code: c.code,
      result: c.computed === 'not_applicable' ? ('not_applicable' as const) : ('pass' as const),
    }));
    const e = appErrorOf(() => validateReview(failing, submitted, 'fine'));
    expect(e.code).toBe('SAMPLE_CHECK_CONTRADICTS_RECORD');
    expect(e.items?.map((i) => i.path)).toEqual(['closing_confirmed']);
    const na = allPass().map((s) => (s.code === 'closing_confirmed' ? { ...s, result: 'not_applicable' as const } : s));
    expect(appErrorOf(() => validateReview(checks, na, null)).code).toBe('SAMPLE_CHECK_CONTRADICTS_RECORD');
    const judged = allPass().map((s) => (s.code === 'evidence_stored' ? { ...s, result: 'pass' as const } : s));
    expect(appErrorOf(() => validateReview(checks, judged, null)).code).toBe('SAMPLE_CHECK_CONTRADICTS_RECORD');
  });

  it('§2.7 a failure the records did not show needs a note, and a failed sample its findings', () => {
    const failManual = allPass().map((s) => (s.code === 'no_sales_interference' ? { ...s, result: 'fail' as const } : s));
    expect(appErrorOf(() => validateReview(checks, failManual, 'found')).items?.map((i) => i.path)).toEqual(['no_sales_interference']);
    const noted = failManual.map((s) => (s.code === 'no_sales_interference' ? { ...s, note: '同一设备为多名投保人作答' } : s));
    expect(appErrorOf(() => validateReview(checks, noted, '  ')).items?.map((i) => i.path)).toEqual(['findings']);
    expect(validateReview(checks, noted, '疑似销售人员代答')).toMatchObject({ outcome: 'failed', failedItems: ['no_sales_interference'] });
  });

  it('§2.7 a sample’s status and the kind of the next review follow from its reviews and reworks', () => {
    expect(sampleStatus(null, false)).toBe('awaiting_review');
    expect(reviewKind(null, false)).toBe('initial');
    const failed = { outcome: 'failed' as const, closesSample: false };
    expect(sampleStatus(failed, true)).toBe('rework_open');
    expect(reviewKind(failed, true)).toBe('correction');
    expect(sampleStatus(failed, false)).toBe('awaiting_re_review');
    expect(reviewKind(failed, false)).toBe('re_review');
    expect(sampleStatus({ outcome: 'failed', closesSample: true }, false)).toBe('failed_closed');
    expect(reviewKind({ outcome: 'failed', closesSample: true }, false)).toBe('correction');
    expect(sampleStatus({ outcome: 'passed', closesSample: false }, false)).toBe('passed');
    expect(reviewKind({ outcome: 'passed', closesSample: false }, false)).toBe('correction');
  });
});
