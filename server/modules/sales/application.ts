import { Decimal } from 'decimal.js';
import type { Row, SameUnion } from '../../db/schema.js';
import { AppError, must } from '../../platform/errors.js';
import {
  NEW_TYPE_LINES,
  findOption,
  type PaymentMode,
  type ProductDefinition,
  type QuestionAnswer,
  type Questionnaire,
} from '../products/index.js';

/** An application's life: collected, then underwritten, signed, paid, issued. */
export const applicationStatuses = ['draft', 'referred', 'declined', 'awaiting_signature', 'awaiting_payment', 'issued'] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];
/** The status column allows exactly these. */
const _listIsColumn: SameUnion<ApplicationStatus, Row<'applications'>['status']> = true;

const transitions: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  draft: ['referred', 'declined', 'awaiting_signature'],
  referred: ['declined', 'awaiting_signature'],
  declined: [],
  awaiting_signature: ['awaiting_payment'],
  awaiting_payment: ['issued'],
  issued: [],
};

/**
 * The application's party in `role`. Every application has one policyholder and one insured (a copy of the
 * policyholder when they are the same person), written together when it starts.
 */
export function partyIn<P extends { role: string }>(parties: readonly P[], role: 'policyholder' | 'insured'): P {
  return must(
    parties.find((p) => p.role === role),
    `the ${role} of the application`,
  );
}

export function canTransition(from: ApplicationStatus, to: ApplicationStatus): boolean {
  return transitions[from].includes(to);
}

export function assertTransition(from: ApplicationStatus, to: ApplicationStatus): void {
  if (!canTransition(from, to)) throw new AppError('INVALID_STATE', `An application in status ${from} cannot become ${to}`);
}

/**
 * What the consumer must actively confirm before submitting, each on its own page (M§17(5), requirements §2.4):
 * the recording notice on entry, the 投保须知, the key clauses with the exclusions, the duty of disclosure, the
 * online-service scope and no-branch warning (M§17(1)), separate consent for sensitive personal data (PIPL Art. 29),
 * and for new-type products the uncertainty of benefits (M§17(2)).
 */
export const consentKinds = [
  'recording_notice',
  'purchase_notice',
  'key_clauses',
  'disclosure_duty',
  'online_service',
  'sensitive_data',
  'benefit_uncertainty',
] as const;
export type ConsentKind = (typeof consentKinds)[number];

export function requiredConsents(definition: ProductDefinition): ConsentKind[] {
  const kinds: ConsentKind[] = [
    'recording_notice',
    'purchase_notice',
    'key_clauses',
    'disclosure_duty',
    'online_service',
    'sensitive_data',
  ];
  if (isNewType(definition)) kinds.push('benefit_uncertainty');
  return kinds;
}

export function isNewType(definition: ProductDefinition): boolean {
  return NEW_TYPE_LINES.includes(definition.line);
}

/**
 * How the consumer gave a confirmation, as the page reports it. A box that started ticked, or a confirmation with
 * no action of the consumer's own, is not consent (M§17(5)).
 */
export interface ConsentInteraction {
  initialState: 'unchecked' | 'checked';
  action: 'tap' | 'click' | 'keyboard' | 'none';
  elementId: string;
  /** Milliseconds the page was open before the confirmation, as the client measured. */
  dwellMs?: number;
}

export function assertActiveConsent(i: ConsentInteraction): void {
  if (i.initialState !== 'unchecked') throw new AppError('CONSENT_NOT_ACTIVE', 'The confirmation box was pre-ticked (M§17(5))');
  if (i.action === 'none') throw new AppError('CONSENT_NOT_ACTIVE', 'No action of the consumer confirmed this text (M§17(5))');
}

// ——— parties ———

export type BeneficiaryInput =
  | { designation: 'legal' }
  | { designation: 'named'; beneficiaries: Array<{ name: string; idNumber: string; relationshipToInsured: string; shareBp: number }> };

/** Named beneficiaries' shares are basis points and sum to exactly 100%. Health benefits go to the insured. */
export function assertBeneficiaries(definition: ProductDefinition, b: BeneficiaryInput): void {
  if (b.designation === 'legal') return;
  if (definition.line === 'health')
    throw new AppError('BENEFICIARIES_INVALID', 'Health benefits are paid to the insured; name no beneficiaries');
  const list = b.beneficiaries;
  if (list.length === 0) throw new AppError('BENEFICIARIES_INVALID', 'Named designation needs at least one beneficiary');
  const total = list.reduce((s, x) => s + x.shareBp, 0);
  if (total !== 10_000)
    throw new AppError(
      'BENEFICIARIES_INVALID',
      `Beneficiary shares must sum to 100%, they sum to ${new Decimal(total).dividedBy(100).toString()}%`,
      [{ path: 'beneficiaries', code: 'shares', message: 'shares must sum to 10000 basis points' }],
    );
  if (list.some((x) => x.relationshipToInsured === 'self'))
    throw new AppError('BENEFICIARIES_INVALID', 'The insured cannot be the beneficiary of a death benefit');
}

/**
 * The policyholder is an adult. A minor may be insured only by a parent (the insured is their child); 'self' makes
 * policyholder and insured one person.
 */
export function assertRelationship(definition: ProductDefinition, relationship: string, policyholderAge: number, insuredAge: number): void {
  if (policyholderAge < 18) throw new AppError('RELATIONSHIP_NOT_ALLOWED', 'The policyholder must be at least 18');
  if (!definition.insuredRelationships.includes(relationship as never))
    throw new AppError('RELATIONSHIP_NOT_ALLOWED', `This product does not allow insuring a ${relationship}`);
  if (insuredAge < 18 && relationship !== 'child' && relationship !== 'self')
    throw new AppError('RELATIONSHIP_NOT_ALLOWED', 'A minor may be insured only by a parent');
}

// ——— suitability (M§17) ———

export { findOption, type QuestionAnswer } from '../products/index.js';

/** Items not yet answered, as `questionnaire.item`. */
export function unansweredItems(questionnaires: Questionnaire[], answers: QuestionAnswer[]): string[] {
  const answered = new Set(answers.map((a) => `${a.questionnaireCode}.${a.itemCode}`));
  return questionnaires.flatMap((q) => q.items.map((i) => `${q.code}.${i.code}`)).filter((k) => !answered.has(k));
}

export function annualisedPremiumFen(premiumFen: number, mode: PaymentMode): number {
  return mode === 'monthly' ? premiumFen * 12 : premiumFen;
}

export interface SuitabilityResult {
  suitable: boolean;
  findings: Array<{ code: 'NEEDS' | 'ABILITY_TO_PAY' | 'RISK_TOLERANCE'; message: string }>;
  declaredIncomeFen?: number;
  riskLevel?: number;
}

/**
 * The suitability check (M§17): the product serves a need the consumer declared, the annualised premium is within
 * the share of declared income the product allows, and for new-type products the consumer's risk level from the
 * risk-tolerance assessment is at least the product's.
 */
export function assessSuitability(
  definition: ProductDefinition,
  premiumFen: number,
  mode: PaymentMode,
  answers: QuestionAnswer[],
): SuitabilityResult {
  const findings: SuitabilityResult['findings'] = [];
  const picked = answers.map((a) => findOption(definition.questionnaires, a)).filter((x) => x !== undefined);
  const suit = picked.filter((p) => p.questionnaire.kind === 'suitability');
  const needs = suit.map((p) => p.option.need).filter((n): n is string => !!n);
  if (definition.servesNeeds.length && needs.length && !needs.some((n) => definition.servesNeeds.includes(n)))
    findings.push({
      code: 'NEEDS',
      message: `The product serves ${definition.servesNeeds.join('/')}; the needs declared were ${needs.join('/')}`,
    });
  const incomes = suit.map((p) => p.option.annualIncomeFen).filter((n): n is number => n !== undefined);
  const declaredIncomeFen = incomes.length ? Math.max(...incomes) : undefined;
  if (declaredIncomeFen !== undefined) {
    const limit = new Decimal(declaredIncomeFen).times(definition.maxPremiumIncomeRatio);
    if (limit.lessThan(annualisedPremiumFen(premiumFen, mode)))
      findings.push({
        code: 'ABILITY_TO_PAY',
        message: `The annual premium exceeds ${new Decimal(definition.maxPremiumIncomeRatio).times(100).toString()}% of the declared income`,
      });
  }
  let riskLevel: number | undefined;
  if (isNewType(definition)) {
    const risk = definition.questionnaires.filter((q) => q.kind === 'risk_tolerance');
    const max = risk.reduce((s, q) => s + q.items.reduce((t, i) => t + Math.max(...i.options.map((o) => o.score ?? 0)), 0), 0);
    const score = picked.filter((p) => p.questionnaire.kind === 'risk_tolerance').reduce((s, p) => s + (p.option.score ?? 0), 0);
    riskLevel = max > 0 ? Math.max(1, Math.ceil((score / max) * 5)) : 1;
    if (riskLevel < definition.riskLevel)
      findings.push({
        code: 'RISK_TOLERANCE',
        message: `Risk tolerance level ${riskLevel} is below the product's risk level ${definition.riskLevel}`,
      });
  }
  return { suitable: findings.length === 0, findings, declaredIncomeFen, riskLevel };
}
