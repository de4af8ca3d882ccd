import { describe, expect, it } from 'vitest';
import { demoProducts } from '../products/index.js';
import type { ProductDefinition } from '../products/index.js';
import {
  assertCaseTransition,
  callbackBasis,
  callbackRetentionEnd,
  canTransition,
  caseStatuses,
  caseTimes,
  identityComplete,
  problemOf,
  requiredIdentityMethods,
} from './callback.js';
import { EXPECTED_ITEMS } from '../../../test/callback.helpers.js';
import { ANSWER_OPTIONS, callbackItems, callbackNoticeSms, CLOSING_TEXT, LEADING_PHRASES, phoneScriptOpening } from './callback-texts.js';

const product = (code: string): ProductDefinition => demoProducts.find((p) => p.code === code)!;
const facts = (code: string, over: Partial<{ termYears: number; paymentMode: string; insuredIsOther: boolean }> = {}) => ({
  definition: product(code),
  termYears: product(code).termOptionsYears[0]!,
  paymentMode: product(code).paymentModes[0]!,
  insuredIsOther: false,
  coolingOffCostFen: 1000,
  ...over,
});

describe('which policies get a callback', () => {
  it('§2.7 every policy of a term over one year; a one-year term only when its product opts in', () => {
    expect(callbackBasis({ termYears: 20, productCode: 'TERM_LIFE_20Y' }, [])).toBe('term_over_one_year');
    expect(callbackBasis({ termYears: 2, productCode: 'X' }, [])).toBe('term_over_one_year');
    expect(callbackBasis({ termYears: 1, productCode: 'ACCIDENT_1Y' }, [])).toBeNull();
    expect(callbackBasis({ termYears: 1, productCode: 'MEDICAL_1Y' }, ['MEDICAL_1Y'])).toBe('product_opt_in');
    expect(callbackBasis({ termYears: 1, productCode: 'ACCIDENT_1Y' }, ['MEDICAL_1Y'])).toBeNull();
  });
});

describe('caseTimes', () => {
  it('§2.7 is due at 24:00 Asia/Shanghai on the last day of the 犹豫期, falling back to phone the configured days before', () => {
    const t = caseTimes('2026-03-17', new Date('2026-03-02T02:00:00Z'), 5);
    expect(t.deadlineAt.toISOString()).toBe('2026-03-17T16:00:00.000Z');
    expect(t.fallbackAt.toISOString()).toBe('2026-03-12T16:00:00.000Z');
  });

  it('never falls back before the case is opened', () => {
    const opened = new Date('2026-03-15T01:00:00Z');
    expect(caseTimes('2026-03-17', opened, 5).fallbackAt).toEqual(opened);
  });
});

describe('case transitions', () => {
  it('moves electronic → phone → letter → failed, each method able to succeed, and a cancellation closing any open case', () => {
    expect(canTransition('awaiting_electronic', 'electronic_in_progress')).toBe(true);
    expect(canTransition('electronic_in_progress', 'phone_pending')).toBe(true);
    expect(canTransition('phone_pending', 'letter_pending')).toBe(true);
    expect(canTransition('letter_pending', 'failed')).toBe(true);
    expect(canTransition('phone_pending', 'failed')).toBe(false);
    expect(canTransition('awaiting_electronic', 'succeeded')).toBe(false);
    for (const s of ['awaiting_electronic', 'electronic_in_progress', 'phone_pending', 'letter_pending'] as const)
      expect(canTransition(s, 'closed_policy_cancelled')).toBe(true);
    for (const s of ['succeeded', 'failed', 'closed_policy_cancelled'] as const)
      for (const to of caseStatuses) expect(canTransition(s, to)).toBe(false);
  });

  it('answers CALLBACK_CLOSED for a closed case and INVALID_STATE for a wrong step of an open one', () => {
    expect(() => assertCaseTransition('succeeded', 'phone_pending')).toThrow(expect.objectContaining({ code: 'CALLBACK_CLOSED' }));
    expect(() => assertCaseTransition('phone_pending', 'electronic_in_progress')).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE' }),
    );
  });
});

describe('problemOf', () => {
  it('§2.7 CB a "no" or "not sure" is a problem case; a policy not received and a signature not one’s own are named', () => {
    expect(problemOf('surrender_loss', 'yes')).toBeNull();
    expect(problemOf('surrender_loss', 'no')).toBe('negative_answer');
    expect(problemOf('surrender_loss', 'unsure')).toBe('unsure_answer');
    expect(problemOf('policy_received', 'no')).toBe('policy_not_received');
    expect(problemOf('signed_in_person', 'no')).toBe('signature_not_own');
    expect(problemOf('signed_in_person', 'unsure')).toBe('unsure_answer');
  });
});

describe('identity', () => {
  it('§2.7 CB needs at least two methods: SMS code and ID comparison, and face where the product enables it', () => {
    expect(requiredIdentityMethods(false)).toEqual(['sms_code', 'id_number']);
    expect(requiredIdentityMethods(true)).toEqual(['sms_code', 'id_number', 'face']);
    expect(identityComplete(new Set(['sms_code']), false)).toBe(false);
    expect(identityComplete(new Set(['sms_code', 'id_number']), false)).toBe(true);
    expect(identityComplete(new Set(['sms_code', 'id_number']), true)).toBe(false);
    expect(identityComplete(new Set(['sms_code', 'id_number', 'face']), true)).toBe(true);
  });
});

describe('callbackItems', () => {
  it('§2.7 asks the seven standard items and whether the policy was received, with the payment term only for regular premiums', () => {
    expect(callbackItems(facts('TERM_LIFE_20Y', { paymentMode: 'annual' })).map((i) => i.code)).toEqual(EXPECTED_ITEMS.TERM_LIFE_20Y);
    expect(callbackItems(facts('UNIVERSAL_10Y', { paymentMode: 'single' })).map((i) => i.code)).toEqual(EXPECTED_ITEMS.UNIVERSAL_10Y);
    expect(callbackItems(facts('TERM_LIFE_20Y', { paymentMode: 'single' })).map((i) => i.code)).not.toContain('payment_term_frequency');
    const annual = callbackItems(facts('TERM_LIFE_20Y', { paymentMode: 'annual' }));
    expect(annual.find((i) => i.code === 'payment_term_frequency')!.content).toContain('年交，交费期间为20年');
    expect(annual.find((i) => i.code === 'cooling_off_rights')!.content).toContain('犹豫期为15日');
    expect(annual.find((i) => i.code === 'cooling_off_rights')!.content).toContain('不超过10元');
    expect(annual.find((i) => i.code === 'product_purchased')!.content).toContain(product('TERM_LIFE_20Y').promotionalName);
  });

  it('§2.7 adds uncertain benefits, fee deductions and investment risk for 投连 / 万能 / 分红 products only', () => {
    const universal = callbackItems(facts('UNIVERSAL_10Y'));
    expect(universal.filter((i) => i.group === 'new_type').map((i) => i.code)).toEqual([
      'benefit_uncertainty',
      'fee_deductions',
      'investment_risk',
    ]);
    expect(universal.find((i) => i.code === 'fee_deductions')!.content).toContain('初始费用');
    for (const line of ['unit_linked', 'participating'] as const)
      expect(
        callbackItems({ ...facts('UNIVERSAL_10Y'), definition: { ...product('UNIVERSAL_10Y'), line } }).some((i) => i.group === 'new_type'),
      ).toBe(true);
    expect(callbackItems(facts('TERM_LIFE_20Y')).some((i) => i.group === 'new_type')).toBe(false);
  });

  it('§2.7 asks about the insured’s signature too when the insured is someone else', () => {
    expect(callbackItems(facts('TERM_LIFE_20Y', { insuredIsOther: true })).find((i) => i.code === 'signed_in_person')!.content).toContain(
      '被保险人签名由被保险人本人签署',
    );
    expect(callbackItems(facts('TERM_LIFE_20Y')).find((i) => i.code === 'signed_in_person')!.content).not.toContain('被保险人本人签署');
  });

  it('§2.7 words every item neutrally: a question, no leading phrase, the same three answers offered', () => {
    expect(ANSWER_OPTIONS.map((o) => [o.code, o.label])).toEqual([
      ['yes', '是'],
      ['no', '否'],
      ['unsure', '不确定'],
    ]);
    for (const [code, insuredIsOther] of ['TERM_LIFE_20Y', 'UNIVERSAL_10Y', 'ACCIDENT_1Y', 'MEDICAL_1Y'].flatMap(
      (c) =>
        [
          [c, true],
          [c, false],
        ] as const,
    )) {
      for (const item of callbackItems(facts(code, { paymentMode: 'annual', insuredIsOther }))) {
        expect(item.content, item.code).toMatch(/请问您是否[^。]*？$/);
        for (const phrase of LEADING_PHRASES) expect(item.content, `${item.code}: ${phrase}`).not.toContain(phrase);
      }
    }
    for (const phrase of LEADING_PHRASES) expect(CLOSING_TEXT.content).not.toContain(phrase);
  });

  it('§2.7 every item code is unique within a callback', () => {
    const codes = callbackItems(facts('UNIVERSAL_10Y', { paymentMode: 'annual' })).map((i) => i.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('notice and script', () => {
  it('§2.7 the SMS links to the platform’s own page and names the deadline; the call opens by saying it is recorded', () => {
    const sms = callbackNoticeSms({
      insurerName: '网保示范人寿保险股份有限公司',
      promotionalName: '网保安心定期寿险',
      deadlineDate: '2026-03-17',
      link: 'https://wangbao.example/h5/callbacks/cbc_1',
    });
    expect(sms).toContain('https://wangbao.example/h5/callbacks/cbc_1');
    expect(sms).toContain('2026-03-17');
    expect(sms).toContain('电话回访');
    expect(phoneScriptOpening('网保示范人寿保险股份有限公司', '网保安心定期寿险').content).toContain('全程录音');
  });
});

describe('callbackRetentionEnd', () => {
  it('§2.7 CB keeps callback data 10 years from termination, or longer when configured, whatever the term', () => {
    expect(callbackRetentionEnd('2046-03-02', 10)).toBe('2056-03-02');
    expect(callbackRetentionEnd('2046-03-02', 12)).toBe('2058-03-02');
    expect(callbackRetentionEnd('2028-02-29', 10)).toBe('2038-02-28');
  });
});
