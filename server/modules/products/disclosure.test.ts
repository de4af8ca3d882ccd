import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { demoProducts } from './demo-products.js';
import { checkPublishable, disclosureSections, type PublishProblem } from './disclosure.js';
import type { ProductDefinition } from './product.js';

const allowList = loadConfig({}).onlineLineAllowList;
const check = (d: unknown) => checkPublishable(d, { onlineLineAllowList: allowList });
const demo = (code: string): ProductDefinition => structuredClone(demoProducts.find((p) => p.code === code)!);
const paths = (ps: PublishProblem[]) => ps.map((p) => p.path);

function without(def: ProductDefinition, path: string): unknown {
  const copy = structuredClone(def) as unknown as Record<string, any>;
  const keys = path.split('.');
  let cur = copy;
  for (const k of keys.slice(0, -1)) cur = cur[k];
  delete cur[keys.at(-1)!];
  return copy;
}

describe('checkPublishable', () => {
  for (const p of demoProducts) {
    it(`M§14 passes the complete demo product ${p.code}`, () => {
      expect(check(p)).toEqual([]);
    });
  }

  const required = [
    'clauseName',
    'promotionalName',
    'regulatory.number',
    'regulatory.clauseCode',
    'disclosure.clauseText',
    'disclosure.premiumExplanation',
    'disclosure.exclusions',
    'disclosure.coverage',
    'disclosure.claimConditions',
    'disclosure.claimProcess',
    'coolingOffDays',
    'waitingPeriodDays',
    'disclosure.fees',
    'disclosure.surrenderLoss',
    'disclosure.cashValueExplanation',
    'disclosure.disclosureDuty',
    'disclosure.onlineServiceStatement',
    'disclosure.noBranchWarning',
    'disclosure.paymentMethods',
    'disclosure.policyDelivery',
    'disclosure.invoiceDelivery',
    'disclosure.purchaseNotice',
  ];
  for (const path of required) {
    it(`M§14 names the missing item ${path}`, () => {
      const problems = check(without(demo('TERM_LIFE_20Y'), path));
      expect(problems).toContainEqual(expect.objectContaining({ path, code: 'DISCLOSURE_MISSING' }));
      // The message names the item in words, not only the path.
      expect(problems.find((p) => p.path === path)!.message).toMatch(/缺少.+ \/ missing .+/);
    });
  }

  it('M§14 names every missing item at once, not only the first', () => {
    const d = demo('TERM_LIFE_20Y') as any;
    d.clauseName = '  ';
    d.regulatory.number = '';
    d.disclosure = {};
    const problems = check(d);
    const expected = required.filter(
      (p) => !['promotionalName', 'regulatory.clauseCode', 'coolingOffDays', 'waitingPeriodDays'].includes(p),
    );
    expect(paths(problems)).toEqual(expect.arrayContaining(expected));
    expect(problems.filter((p) => p.code === 'DISCLOSURE_MISSING')).toHaveLength(expected.length);
  });

  it('M§14 treats blank strings and blank list entries as missing', () => {
    const d = demo('ACCIDENT_1Y');
    d.disclosure.fees = '   ';
    d.disclosure.exclusions = ['投保人对被保险人的故意杀害', ' '];
    d.disclosure.paymentMethods = [];
    expect(paths(check(d))).toEqual(expect.arrayContaining(['disclosure.fees', 'disclosure.exclusions', 'disclosure.paymentMethods']));
  });

  it('M§14 refuses exclusions with no entries and exclusions asked to be shown plain', () => {
    const d = demo('ACCIDENT_1Y');
    d.disclosure.exclusions = [];
    d.disclosure.exclusionsHighlighted = false;
    const problems = check(d);
    expect(problems).toContainEqual(expect.objectContaining({ path: 'disclosure.exclusions', code: 'DISCLOSURE_MISSING' }));
    expect(problems).toContainEqual(
      expect.objectContaining({ path: 'disclosure.exclusionsHighlighted', code: 'EXCLUSIONS_NOT_HIGHLIGHTED' }),
    );
  });

  it('M§14 requires a cash value explanation only where the line builds a cash value', () => {
    expect(check(without(demo('ACCIDENT_1Y'), 'disclosure.cashValueExplanation'))).toEqual([]);
    expect(paths(check(without(demo('UNIVERSAL_10Y'), 'disclosure.cashValueExplanation')))).toContain('disclosure.cashValueExplanation');
  });

  it('refuses a cooling-off period shorter than 10 days', () => {
    const d = demo('MEDICAL_1Y');
    d.coolingOffDays = 7;
    expect(check(d)).toContainEqual(expect.objectContaining({ path: 'coolingOffDays', code: 'COOLING_OFF_TOO_SHORT' }));
  });

  it('refuses 护理险 (nursing) online: not on the allow-list', () => {
    const d = demo('MEDICAL_1Y');
    d.line = 'nursing';
    expect(check(d)).toContainEqual(expect.objectContaining({ path: 'line', code: 'LINE_NOT_ONLINE' }));
  });

  it('follows the configured allow-list rather than a fixed one', () => {
    const d = demo('ACCIDENT_1Y');
    expect(checkPublishable(d, { onlineLineAllowList: ['health'] })).toContainEqual(expect.objectContaining({ code: 'LINE_NOT_ONLINE' }));
  });

  it('refuses online 普通型寿险 and 年金 with a term option under 10 years', () => {
    const d = demo('TERM_LIFE_20Y');
    d.line = 'whole_life';
    d.termOptionsYears = [5, 20];
    d.ratingTable = [...d.ratingTable, ...d.ratingTable.map((r) => ({ ...r, termYears: 5 }))];
    d.cashValues = [
      ...d.cashValues!,
      ...d.cashValues!.map((r) => ({ ...r, termYears: 5, valuesPer10kFen: r.valuesPer10kFen.slice(0, 5) })),
    ];
    const problems = check(d);
    expect(problems).toEqual([expect.objectContaining({ path: 'termOptionsYears', code: 'TERM_TOO_SHORT' })]);
    d.line = 'annuity';
    expect(check(d)).toEqual([expect.objectContaining({ code: 'TERM_TOO_SHORT' })]);
  });

  it('M§17(2) refuses a new-type product without a scored risk-tolerance questionnaire', () => {
    const d = demo('UNIVERSAL_10Y');
    d.questionnaires = d.questionnaires.filter((q) => q.kind !== 'risk_tolerance');
    expect(check(d)).toEqual([expect.objectContaining({ code: 'NEW_TYPE_RISK_QUESTIONNAIRE_MISSING' })]);
    const unscored = demo('UNIVERSAL_10Y');
    delete unscored.questionnaires.find((q) => q.kind === 'risk_tolerance')!.items[0]!.options[0]!.score;
    expect(check(unscored)).toEqual([expect.objectContaining({ code: 'NEW_TYPE_RISK_QUESTIONNAIRE_MISSING' })]);
  });

  it('M§17(2) refuses a new-type product without the statement “保单利益具有不确定性”', () => {
    const d = demo('UNIVERSAL_10Y');
    delete d.disclosure.uncertaintyStatement;
    expect(check(d)).toEqual([expect.objectContaining({ path: 'disclosure.uncertaintyStatement', code: 'NEW_TYPE_STATEMENT_MISSING' })]);
    const reworded = demo('UNIVERSAL_10Y');
    reworded.disclosure.uncertaintyStatement!.text = '收益可能波动';
    expect(check(reworded)).toEqual([expect.objectContaining({ code: 'NEW_TYPE_STATEMENT_MISSING' })]);
  });

  it('M§17(2) refuses the statement when not bold', () => {
    const d = demo('UNIVERSAL_10Y');
    d.disclosure.uncertaintyStatement!.bold = false;
    expect(check(d)).toEqual([
      expect.objectContaining({ path: 'disclosure.uncertaintyStatement.bold', code: 'NEW_TYPE_STATEMENT_NOT_BOLD' }),
    ]);
  });

  it('M§17(2) refuses the statement in a smaller font than the product name, accepts it at the same size', () => {
    const d = demo('UNIVERSAL_10Y');
    d.disclosure.productNameFontSizePx = 24;
    d.disclosure.uncertaintyStatement!.fontSizePx = 18;
    expect(check(d)).toEqual([
      expect.objectContaining({ path: 'disclosure.uncertaintyStatement.fontSizePx', code: 'NEW_TYPE_STATEMENT_TOO_SMALL' }),
    ]);
    d.disclosure.uncertaintyStatement!.fontSizePx = 24;
    expect(check(d)).toEqual([]);
    delete d.disclosure.productNameFontSizePx;
    expect(check(d)).toEqual([expect.objectContaining({ code: 'NEW_TYPE_STATEMENT_TOO_SMALL' })]);
  });

  it('does not ask a term life product for the new-type rules', () => {
    const d = demo('TERM_LIFE_20Y');
    expect(d.disclosure.uncertaintyStatement).toBeUndefined();
    expect(check(d)).toEqual([]);
  });

  it('M§17 requires a suitability questionnaire declaring needs and income', () => {
    const d = demo('ACCIDENT_1Y');
    d.questionnaires = d.questionnaires.filter((q) => q.kind !== 'suitability');
    expect(check(d)).toEqual([expect.objectContaining({ code: 'SUITABILITY_QUESTIONNAIRE_MISSING' })]);
  });

  it('names the ages the rating table leaves without a premium', () => {
    const d = demo('TERM_LIFE_20Y');
    d.ratingTable = d.ratingTable.filter((r) => !(r.gender === 'F' && r.ageFrom === 31));
    const problems = check(d);
    expect(problems).toEqual([expect.objectContaining({ path: 'ratingTable', code: 'RATING_GAP' })]);
    expect(problems[0]!.message).toContain('20年/annual/F');
    expect(problems[0]!.message).toContain('31–35');
  });

  it('refuses a rating table giving two premiums to the same insured', () => {
    const d = demo('ACCIDENT_1Y');
    d.ratingTable.push({ ageFrom: 40, ageTo: 41, gender: 'M', termYears: 1, paymentMode: 'single', premiumPer10kFen: '700' });
    expect(check(d)).toContainEqual(expect.objectContaining({ code: 'RATING_AMBIGUOUS' }));
  });

  it('refuses a rating table that misses an offered payment mode or term', () => {
    const d = demo('ACCIDENT_1Y');
    d.paymentModes = ['single', 'monthly'];
    expect(check(d)).toContainEqual(expect.objectContaining({ code: 'RATING_GAP', message: expect.stringContaining('1年/monthly') }));
  });

  it('refuses a cash-value line whose table lacks a year or an age band', () => {
    const d = demo('TERM_LIFE_20Y');
    d.cashValues![0]!.valuesPer10kFen.pop();
    expect(check(d)).toContainEqual(expect.objectContaining({ path: 'cashValues', code: 'CASH_VALUE_GAP' }));
  });

  it('names schema violations too, e.g. a malformed rate', () => {
    const d = demo('ACCIDENT_1Y') as any;
    d.ratingTable[0].premiumPer10kFen = 'six yuan';
    expect(check(d)).toContainEqual(expect.objectContaining({ path: 'ratingTable.0.premiumPer10kFen', code: 'INVALID' }));
  });
});

describe('disclosureSections', () => {
  it('M§14 shows exclusions highlighted and every item as a section', () => {
    const s = disclosureSections(demo('TERM_LIFE_20Y'));
    expect(s.find((x) => x.key === 'exclusions')).toMatchObject({ title: '责任免除', highlight: true });
    expect(s.map((x) => x.key)).toEqual(
      expect.arrayContaining([
        'productInfo',
        'coverage',
        'clause',
        'premium',
        'claimConditions',
        'claimProcess',
        'coolingOff',
        'waitingPeriod',
        'fees',
        'surrenderLoss',
        'cashValue',
        'disclosureDuty',
        'onlineService',
        'noBranchWarning',
        'paymentMethods',
        'policyDelivery',
        'invoiceDelivery',
        'purchaseNotice',
      ]),
    );
    expect(s.find((x) => x.key === 'productInfo')!.content).toContain('C00012332112022031500023');
    expect(s.find((x) => x.key === 'coolingOff')!.content).toContain('15日');
  });

  it('M§17(2) puts the uncertainty statement first after the product, highlighted, for new-type products only', () => {
    const s = disclosureSections(demo('UNIVERSAL_10Y'));
    expect(s[1]).toMatchObject({ key: 'uncertaintyStatement', highlight: true });
    expect(s[1]!.content).toContain('保单利益具有不确定性');
    expect(disclosureSections(demo('MEDICAL_1Y')).some((x) => x.key === 'uncertaintyStatement')).toBe(false);
  });
});
