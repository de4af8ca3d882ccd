import type { Row, SameUnion } from '../../db/schema.js';
import { AppError } from '../../platform/errors.js';
import { addDays, addYears, shanghaiMidnight, type CalendarDate } from '../../platform/dates.js';

/**
 * The electronic callback (电子化回访, CB; requirements §2.7): statuses, transitions and the pure rules. A case is
 * opened for every new personal-insurance policy of a term over one year; the policyholder does the callback
 * online within the 犹豫期, or it falls back to a recorded phone call, then a letter or visit with a signed
 * receipt, and when everything fails it ends with a final record of what was tried and why it failed.
 */
export const caseStatuses = [
  'awaiting_electronic', // opened; the policyholder has not started
  'electronic_in_progress', // the policyholder started the electronic callback
  'phone_pending', // a phone task is open (asked for, electronic failed, or not done in time)
  'letter_pending', // phone failed: a letter or visit task is open
  'succeeded', // confirmed by one of the methods
  'failed', // every method failed: a final record says what was tried and why
  'closed_policy_cancelled', // the policy ended before the callback did
] as const;
export type CaseStatus = (typeof caseStatuses)[number];
/** The status column allows exactly these. */
const _statusesAreColumn: SameUnion<CaseStatus, Row<'callback_cases'>['status']> = true;

/** Whether `s` (a filter from a request) names a case status. */
export const isCaseStatus = (s: string): s is CaseStatus => (caseStatuses as readonly string[]).includes(s);

const transitions: Record<CaseStatus, readonly CaseStatus[]> = {
  awaiting_electronic: ['electronic_in_progress', 'phone_pending', 'closed_policy_cancelled'],
  electronic_in_progress: ['succeeded', 'phone_pending', 'closed_policy_cancelled'],
  phone_pending: ['succeeded', 'letter_pending', 'closed_policy_cancelled'],
  letter_pending: ['succeeded', 'failed', 'closed_policy_cancelled'],
  succeeded: [],
  failed: [],
  closed_policy_cancelled: [],
};

export const OPEN_CASE_STATUSES: readonly CaseStatus[] = [
  'awaiting_electronic',
  'electronic_in_progress',
  'phone_pending',
  'letter_pending',
];
export const ELECTRONIC_STATUSES: readonly CaseStatus[] = ['awaiting_electronic', 'electronic_in_progress'];

export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return transitions[from].includes(to);
}

export function assertCaseTransition(from: CaseStatus, to: CaseStatus): void {
  if (!canTransition(from, to)) {
    if (!OPEN_CASE_STATUSES.includes(from)) throw new AppError('CALLBACK_CLOSED', `The callback is ${from}`);
    throw new AppError('INVALID_STATE', `A callback in status ${from} cannot become ${to}`);
  }
}

/** How a callback is done. Only the insurer's own platform and staff do it, never a third party (CB). */
export const callbackMethods = ['electronic', 'phone', 'letter', 'visit'] as const;
export type CallbackMethod = (typeof callbackMethods)[number];
/** The method column allows exactly these (or none yet). */
const _methodsAreColumn: SameUnion<CallbackMethod | null, Row<'callback_cases'>['method']> = true;

export const answerValues = ['yes', 'no', 'unsure'] as const;
export type AnswerValue = (typeof answerValues)[number];

/** Why a case was opened: the rule, or a product that opted in. */
export type CaseBasis = 'term_over_one_year' | 'product_opt_in';

/**
 * CB: every new personal-insurance policy with a term of more than one year gets a callback; a product of a shorter
 * term may opt in. Every product the platform sells is personal insurance (人身险: accident, health, life, annuity).
 */
export function callbackBasis(p: { termYears: number; productCode: string }, optInProductCodes: readonly string[]): CaseBasis | null {
  if (p.termYears > 1) return 'term_over_one_year';
  if (optInProductCodes.includes(p.productCode)) return 'product_opt_in';
  return null;
}

export interface CaseTimes {
  /** The end of the 犹豫期: 24:00 Asia/Shanghai on its last day. The callback is due by then (CB). */
  deadlineAt: Date;
  /** Not done electronically by then → a phone task, early enough for the call to happen within the 犹豫期. */
  fallbackAt: Date;
}

/** The deadline and the fallback point of a case, from the last day of the 犹豫期. Never a fallback before opening. */
export function caseTimes(coolingOffEndDate: CalendarDate, openedAt: Date, fallbackDaysBeforeEnd: number): CaseTimes {
  const deadlineAt = shanghaiMidnight(addDays(coolingOffEndDate, 1));
  const fallback = shanghaiMidnight(addDays(coolingOffEndDate, 1 - fallbackDaysBeforeEnd));
  return { deadlineAt, fallbackAt: fallback.getTime() < openedAt.getTime() ? openedAt : fallback };
}

/** What a problem case (问题件) is about (CB: 未签收保险合同、非本人签名、有疑义或否定回答). */
export const problemKinds = ['negative_answer', 'unsure_answer', 'policy_not_received', 'signature_not_own'] as const;
export type ProblemKind = (typeof problemKinds)[number];

/**
 * The problem an answer raises, or null for a plain "yes". A "no" to having received the policy or to having signed
 * in person names that problem; any other "no" or any "not sure" is a problem about the item.
 */
export function problemOf(itemCode: string, answer: AnswerValue): ProblemKind | null {
  if (answer === 'yes') return null;
  if (answer === 'unsure') return 'unsure_answer';
  if (itemCode === 'policy_received') return 'policy_not_received';
  if (itemCode === 'signed_in_person') return 'signature_not_own';
  return 'negative_answer';
}

/** Identity of the policyholder in person by at least two methods (CB): SMS code and ID comparison, plus face where the product enables it. */
export type CallbackIdentityMethod = 'sms_code' | 'id_number' | 'face';

export function requiredIdentityMethods(faceRequired: boolean): CallbackIdentityMethod[] {
  return faceRequired ? ['sms_code', 'id_number', 'face'] : ['sms_code', 'id_number'];
}

export function identityComplete(passed: ReadonlySet<string>, faceRequired: boolean): boolean {
  return requiredIdentityMethods(faceRequired).every((m) => passed.has(m));
}

/** Phone call outcomes; only a connected call carries a recording, and only `completed` finishes the callback. */
export const phoneOutcomes = ['completed', 'incomplete', 'refused', 'no_answer', 'unreachable', 'wrong_number'] as const;
export type PhoneOutcome = (typeof phoneOutcomes)[number];
export const CONNECTED_PHONE_OUTCOMES: readonly PhoneOutcome[] = ['completed', 'incomplete', 'refused'];

/** Letter or visit outcomes; only a receipt signed by the policyholder finishes the callback (CB). */
export const letterOutcomes = ['receipt_signed', 'undeliverable', 'refused', 'not_returned'] as const;
export type LetterOutcome = (typeof letterOutcomes)[number];

/** How a problem case is resolved: explained and confirmed by phone, or mis-selling found (cancellation with a full refund offered). */
export const problemResolutions = ['explained_confirmed', 'misselling'] as const;
export type ProblemResolution = (typeof problemResolutions)[number];

/**
 * CB: callback data is kept at least 10 years from the contract's termination, whatever the term (a one-year product
 * that opted in too). A policy still in force terminates, at the latest, at the end of its cover.
 */
export function callbackRetentionEnd(terminationDate: CalendarDate, longTermYears: number): CalendarDate {
  return addYears(terminationDate, Math.max(10, longTermYears));
}
