import type { Row, SameUnion } from '../../db/schema.js';
import { AppError } from '../../platform/errors.js';
import { addDays, addYears, shanghaiDate, shanghaiMidnight, type CalendarDate } from '../../platform/dates.js';

export const policyStatuses = ['in_force', 'cancelled_in_cooling_off', 'cancelled_for_misselling'] as const;
export type PolicyStatus = (typeof policyStatuses)[number];
/** The status column allows exactly these. */
const _listIsColumn: SameUnion<PolicyStatus, Row<'policies'>['status']> = true;

const transitions: Record<PolicyStatus, readonly PolicyStatus[]> = {
  in_force: ['cancelled_in_cooling_off', 'cancelled_for_misselling'],
  cancelled_in_cooling_off: [],
  // Mis-selling found in the callback: cancelled with the whole premium back, in or after the 犹豫期 (CB).
  cancelled_for_misselling: [],
};

export function assertPolicyTransition(from: PolicyStatus, to: PolicyStatus): void {
  if (!transitions[from].includes(to)) throw new AppError('INVALID_STATE', `A policy in status ${from} cannot become ${to}`);
}

// ISO/IEC 7064 MOD 37,36: one check character over digits and letters, catching every single substitution and
// nearly every adjacent transposition (the policy tests measure the few it misses).
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function mod3736CheckChar(body: string): string {
  let p = 36;
  for (const ch of body.toUpperCase()) {
    const v = ALNUM.indexOf(ch);
    if (v < 0) throw new Error(`Not alphanumeric: ${ch}`);
    let s = (p + v) % 36;
    if (s === 0) s = 36;
    p = (s * 2) % 37;
  }
  return ALNUM.charAt((37 - p) % 36);
}

/** WB + issue date (Shanghai) + 8-digit sequence + check character: `WB2026030200000042K`. */
export function formatPolicyNumber(prefix: string, issueDate: CalendarDate, seq: number): string {
  const body = `${prefix}${issueDate.replace(/-/g, '')}${String(seq).padStart(8, '0')}`;
  return body + mod3736CheckChar(body);
}

export function isValidPolicyNumber(n: string): boolean {
  if (!/^[A-Z]{2}\d{16}[0-9A-Z]$/.test(n)) return false;
  return mod3736CheckChar(n.slice(0, -1)) === n.slice(-1);
}

export interface PolicyDates {
  effectiveDate: CalendarDate;
  effectiveAt: Date;
  /** Last day of cover; cover ends at 24:00 Asia/Shanghai on it. */
  endDate: CalendarDate;
  /** Last day of the 犹豫期, counted from the day after receipt (requirements §2.8). */
  coolingOffEndDate: CalendarDate;
  /** Last day of the waiting period, or null when the product has none. */
  waitingPeriodEndDate: CalendarDate | null;
}

/**
 * Cover starts at 00:00 Asia/Shanghai `effectiveAfterDays` after the day of issue (the next day unless the product
 * says otherwise) and runs for whole years. The electronic policy is received when issued, so the 犹豫期 runs from
 * the next day for `coolingOffDays` days. The waiting period runs from the effective date.
 */
export function computePolicyDates(
  issuedAt: Date,
  receivedAt: Date,
  p: { effectiveAfterDays: number; termYears: number; coolingOffDays: number; waitingPeriodDays: number },
): PolicyDates {
  const effectiveDate = addDays(shanghaiDate(issuedAt), p.effectiveAfterDays);
  return {
    effectiveDate,
    effectiveAt: shanghaiMidnight(effectiveDate),
    endDate: addDays(addYears(effectiveDate, p.termYears), -1),
    coolingOffEndDate: addDays(shanghaiDate(receivedAt), p.coolingOffDays),
    waitingPeriodEndDate: p.waitingPeriodDays > 0 ? addDays(effectiveDate, p.waitingPeriodDays - 1) : null,
  };
}

/** 犹豫期 cancellation: the full premium back minus the configured cost, which the rules cap at ¥10. */
export function coolingOffRefund(premiumFen: number, configuredCostFen: number): { costFen: number; refundFen: number } {
  const costFen = Math.min(configuredCostFen, 1000, premiumFen);
  return { costFen, refundFen: premiumFen - costFen };
}

/** What a cancellation owes back: the premium of the policy, what the order collected, the configured cost. */
export interface CancellationMoney {
  premiumFen: number;
  paidFen: number;
  configuredCostFen: number;
}

interface CancellationRule {
  /** The status the policy ends in. */
  status: PolicyStatus;
  /** Only until the last day of the 犹豫期 (Asia/Shanghai). */
  onlyInCoolingOff: boolean;
  /** The reason written on the refund. */
  refundReason: string;
  refund(m: CancellationMoney): { costFen: number; refundFen: number };
}

/**
 * Why a policy is cancelled, as data: one cancellation flow serves every reason (surrender adds a row here).
 * Every reason so far voids the policy from the start.
 */
export const cancellationReasons = {
  // requirements §2.8: in the 犹豫期, the full premium back minus the configured cost (at most ¥10).
  cooling_off: {
    status: 'cancelled_in_cooling_off',
    onlyInCoolingOff: true,
    refundReason: 'cooling_off_cancellation',
    refund: (m) => coolingOffRefund(m.premiumFen, m.configuredCostFen),
  },
  // CB: mis-selling found in the callback: the whole premium paid goes back, no cost, in or after the 犹豫期.
  misselling: {
    status: 'cancelled_for_misselling',
    onlyInCoolingOff: false,
    refundReason: 'misselling_cancellation',
    refund: (m) => ({ costFen: 0, refundFen: m.paidFen }),
  },
} as const satisfies Record<string, CancellationRule>;
export type CancellationReason = keyof typeof cancellationReasons;

/** Throws unless a policy in this state may be cancelled for this reason at `at`. */
export function assertCancellable(
  p: { status: PolicyStatus; cooling_off_end_date: CalendarDate },
  reason: CancellationReason,
  at: Date,
): void {
  const rule = cancellationReasons[reason];
  assertPolicyTransition(p.status, rule.status);
  if (rule.onlyInCoolingOff && shanghaiDate(at) > p.cooling_off_end_date)
    throw new AppError('COOLING_OFF_ENDED', `The 犹豫期 ended on ${p.cooling_off_end_date}`);
}
