import { describe, expect, it } from 'vitest';
import { demoProducts } from '../products/index.js';
import {
  assertActiveConsent,
  assertBeneficiaries,
  assertRelationship,
  assessSuitability,
  canTransition,
  requiredConsents,
  unansweredItems,
} from './application.js';

const product = (code: string) => demoProducts.find((p) => p.code === code)!;
const answersFor = (code: string, pick: (q: any, i: any) => string) =>
  product(code).questionnaires.flatMap((q) =>
    q.items.map((i) => ({ questionnaireCode: q.code, itemCode: i.code, optionCode: pick(q, i) })),
  );

describe('application rules', () => {
  it('M§17(5) takes only an active confirmation of an unticked box', () => {
    expect(() => assertActiveConsent({ initialState: 'unchecked', action: 'tap', elementId: 'x' })).not.toThrow();
    expect(() => assertActiveConsent({ initialState: 'checked', action: 'tap', elementId: 'x' })).toThrow(
      expect.objectContaining({ code: 'CONSENT_NOT_ACTIVE' }),
    );
    expect(() => assertActiveConsent({ initialState: 'unchecked', action: 'none', elementId: 'x' })).toThrow(
      expect.objectContaining({ code: 'CONSENT_NOT_ACTIVE' }),
    );
  });

  it('M§17 asks the new-type confirmation only of new-type products, and PIPL sensitive-data consent of all', () => {
    expect(requiredConsents(product('UNIVERSAL_10Y'))).toContain('benefit_uncertainty');
    expect(requiredConsents(product('TERM_LIFE_20Y'))).not.toContain('benefit_uncertainty');
    for (const p of demoProducts)
      expect(requiredConsents(p)).toEqual(expect.arrayContaining(['recording_notice', 'sensitive_data', 'disclosure_duty', 'key_clauses']));
  });

  it('needs named beneficiaries to share exactly 100%', () => {
    const d = product('TERM_LIFE_20Y');
    const b = (shares: number[]) => ({
      designation: 'named' as const,
      beneficiaries: shares.map((shareBp, i) => ({ name: `受益人${i}`, idNumber: 'x', relationshipToInsured: 'spouse', shareBp })),
    });
    expect(() => assertBeneficiaries(d, b([6000, 4000]))).not.toThrow();
    expect(() => assertBeneficiaries(d, b([6000, 3999]))).toThrow(expect.objectContaining({ code: 'BENEFICIARIES_INVALID' }));
    expect(() => assertBeneficiaries(d, b([]))).toThrow(expect.objectContaining({ code: 'BENEFICIARIES_INVALID' }));
    expect(() => assertBeneficiaries(product('MEDICAL_1Y'), b([10000]))).toThrow(
      expect.objectContaining({ code: 'BENEFICIARIES_INVALID' }),
    );
  });

  it('lets only a parent insure a minor, and only an adult be policyholder', () => {
    const d = product('MEDICAL_1Y');
    expect(() => assertRelationship(d, 'child', 35, 6)).not.toThrow();
    expect(() => assertRelationship(d, 'spouse', 35, 16)).toThrow(expect.objectContaining({ code: 'RELATIONSHIP_NOT_ALLOWED' }));
    expect(() => assertRelationship(d, 'self', 17, 17)).toThrow(expect.objectContaining({ code: 'RELATIONSHIP_NOT_ALLOWED' }));
    expect(() => assertRelationship(product('UNIVERSAL_10Y'), 'spouse', 35, 35)).toThrow(
      expect.objectContaining({ code: 'RELATIONSHIP_NOT_ALLOWED' }),
    );
  });

  it('lists the items not yet answered', () => {
    const d = product('ACCIDENT_1Y');
    const all = answersFor('ACCIDENT_1Y', (_q, i) => i.options[0].code);
    expect(unansweredItems(d.questionnaires, all)).toEqual([]);
    expect(unansweredItems(d.questionnaires, all.slice(1))).toEqual([`${all[0]!.questionnaireCode}.${all[0]!.itemCode}`]);
  });

  it('only moves an application along its transitions', () => {
    expect(canTransition('draft', 'awaiting_signature')).toBe(true);
    expect(canTransition('declined', 'awaiting_signature')).toBe(false);
    expect(canTransition('awaiting_signature', 'issued')).toBe(false);
  });
});

describe('assessSuitability (M§17)', () => {
  const u = product('UNIVERSAL_10Y');
  const best = (q: any, i: any) =>
    q.kind === 'risk_tolerance'
      ? [...i.options].sort((a: any, b: any) => b.score - a.score)[0].code
      : q.kind === 'suitability'
        ? (
            i.options.find((o: any) => o.need && u.servesNeeds.includes(o.need)) ??
            [...i.options].sort((a: any, b: any) => (b.annualIncomeFen ?? 0) - (a.annualIncomeFen ?? 0))[0]
          ).code
        : i.options[0].code;

  it('finds a willing, able, risk-tolerant consumer suitable', () => {
    const r = assessSuitability(u, 5_000_000, 'single', answersFor('UNIVERSAL_10Y', best));
    expect(r).toMatchObject({ suitable: true, findings: [], riskLevel: 5 });
  });

  it('refuses when the risk level from the assessment is below the product’s', () => {
    const lowest = (q: any, i: any) =>
      q.kind === 'risk_tolerance' ? [...i.options].sort((a: any, b: any) => a.score - b.score)[0].code : best(q, i);
    const r = assessSuitability(u, 5_000_000, 'single', answersFor('UNIVERSAL_10Y', lowest));
    expect(r.suitable).toBe(false);
    expect(r.findings.map((f) => f.code)).toEqual(['RISK_TOLERANCE']);
  });

  it('refuses a premium beyond the share of declared income the product allows', () => {
    const r = assessSuitability(u, 10_000_000_000, 'single', answersFor('UNIVERSAL_10Y', best));
    expect(r.findings.map((f) => f.code)).toContain('ABILITY_TO_PAY');
  });
});
