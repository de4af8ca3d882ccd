import type { Db } from '../db/database.js';
import { addYears, shanghaiDate, type CalendarDate } from '../platform/dates.js';

export interface RetentionRules {
  /** Policies of a term of one year or less: years kept after termination (at least 5). */
  shortTermYears: number;
  /** Policies of a term over one year: years kept after termination (at least 10). */
  longTermYears: number;
  /** Records under dispute: years kept after the dispute ends (at least 2). */
  disputeYears: number;
}

/**
 * When a sale's trace records may go (requirements §2.4, §2.7): counted from the contract's termination — 5
 * years for a term of at most one year, 10 years beyond — and never before 2 years after a dispute ends.
 */
export function retentionEnd(r: RetentionRules, p: { termYears: number; terminationDate: CalendarDate; disputeEndDate?: CalendarDate | null }): CalendarDate {
  const byContract = addYears(p.terminationDate, p.termYears <= 1 ? r.shortTermYears : r.longTermYears);
  if (!p.disputeEndDate) return byContract;
  const byDispute = addYears(p.disputeEndDate, r.disputeYears);
  return byDispute > byContract ? byDispute : byContract;
}

/**
 * The retention report: every issued policy whose records are past retention on `now`, with the date they were
 * due. Nothing is purged here or anywhere else; the report is what a records officer acts on.
 */
export async function retentionReport(db: Db, rules: RetentionRules, now: Date) {
  const today = shanghaiDate(now);
  const policies = await db.selectFrom('policies').select(['policy_number', 'application_id', 'term_years', 'end_date', 'cancelled_at', 'status']).execute();
  const due = policies
    .map((p) => {
      // A policy cancelled in the 犹豫期 terminated that day; otherwise at the end of its cover.
      const terminationDate = p.cancelled_at ? shanghaiDate(p.cancelled_at) : p.end_date;
      return { policyNumber: p.policy_number, applicationId: p.application_id, terminationDate, retentionEnd: retentionEnd(rules, { termYears: p.term_years, terminationDate }) };
    })
    .filter((p) => p.retentionEnd < today)
    .sort((a, b) => a.retentionEnd.localeCompare(b.retentionEnd));
  return { asOf: today, policiesChecked: policies.length, pastRetention: due };
}
