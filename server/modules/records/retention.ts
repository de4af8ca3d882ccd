import type { Db, DbOrTrx } from '../../db/database.js';
import { addYears, shanghaiDate, type CalendarDate } from '../../platform/dates.js';
import * as repo from './records.repository.js';

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
export function retentionEnd(
  r: RetentionRules,
  p: {
    termYears: number;
    terminationDate: CalendarDate;
    disputeEndDate?: CalendarDate | null;
    /** callback data: at least the long term (requirements §2.7) */ hasCallback?: boolean;
  },
): CalendarDate {
  const byContract = addYears(p.terminationDate, p.termYears <= 1 && !p.hasCallback ? r.shortTermYears : r.longTermYears);
  if (!p.disputeEndDate) return byContract;
  const byDispute = addYears(p.disputeEndDate, r.disputeYears);
  return byDispute > byContract ? byDispute : byContract;
}

/** What keeps one sale's records: the contract's term and termination, and its disputes. */
interface SaleRecord {
  applicationId: string;
  policyNumber: string | null;
  termYears: number;
  hasCallback: boolean;
  terminationDate: CalendarDate;
}

/**
 * Disputes of each application: an open one holds the records indefinitely (`open`), ended ones extend retention
 * to 2 years after the last ends.
 */
async function disputesByApplication(db: DbOrTrx, applicationIds?: string[]) {
  const out = new Map<string, { open: boolean; lastEnd: CalendarDate | null }>();
  if (applicationIds && !applicationIds.length) return out;
  // All disputes for the whole report (no id list: a list of every sale would outgrow PostgreSQL's 65,535 parameters).
  const rows = await repo.listDisputes(db, applicationIds);
  for (const r of rows) {
    const d = out.get(r.application_id) ?? { open: false, lastEnd: null };
    if (!r.ended_at) d.open = true;
    else {
      const end = shanghaiDate(r.ended_at);
      if (!d.lastEnd || end > d.lastEnd) d.lastEnd = end;
    }
    out.set(r.application_id, d);
  }
  return out;
}

/** Every sale's record: issued policies by their term and termination; applications never issued as 1-year records ending at their last event. */
async function saleRecords(db: DbOrTrx, applicationIds?: string[]): Promise<SaleRecord[]> {
  const policies = await repo.listPolicyTerms(db, applicationIds);
  // Callback data is kept at least as long as a long-term contract's records (requirements §2.7), so a one-year
  // product that opted into the callback keeps the whole sale's records 10 years.
  const withCallback = await repo.applicationsWithCallback(db, applicationIds);
  const records: SaleRecord[] = policies.map((p) => ({
    applicationId: p.application_id,
    policyNumber: p.policy_number,
    termYears: p.term_years,
    hasCallback: withCallback.has(p.application_id),
    // A policy cancelled in the 犹豫期 terminated that day; otherwise at the end of its cover.
    terminationDate: p.cancelled_at ? shanghaiDate(p.cancelled_at) : p.end_date,
  }));
  const issued = new Set(policies.map((p) => p.application_id));
  for (const a of await repo.listUnissuedActivity(db, applicationIds)) {
    if (issued.has(a.id)) continue;
    // An application that never became a contract ends with its last recorded step; kept as a short-term record.
    const last = (a.last_at as Date | null) ?? a.created_at;
    records.push({ applicationId: a.id, policyNumber: null, termYears: 0, hasCallback: false, terminationDate: shanghaiDate(last) });
  }
  return records;
}

export interface SaleRetention {
  applicationId: string;
  policyNumber: string | null;
  terminationDate: CalendarDate;
  /** null while a dispute is open: the records are held until it ends. */
  retentionEnd: CalendarDate | null;
  heldByOpenDispute: boolean;
}

/** The retention of each sale (all of them, or the ones named). */
export async function saleRetentions(db: DbOrTrx, rules: RetentionRules, applicationIds?: string[]): Promise<SaleRetention[]> {
  const records = await saleRecords(db, applicationIds);
  const disputes = await disputesByApplication(db, applicationIds);
  return records.map((r) => {
    const d = disputes.get(r.applicationId);
    return {
      applicationId: r.applicationId,
      policyNumber: r.policyNumber,
      terminationDate: r.terminationDate,
      retentionEnd: d?.open
        ? null
        : retentionEnd(rules, {
            termYears: r.termYears,
            hasCallback: r.hasCallback,
            terminationDate: r.terminationDate,
            disputeEndDate: d?.lastEnd ?? null,
          }),
      heldByOpenDispute: !!d?.open,
    };
  });
}

/**
 * The retention report: every sale whose records are past retention on `now`, with the date they were due, and
 * the sales held by an open dispute. Nothing is purged here or anywhere else; the report is what a records officer
 * acts on (and crypto-shredding of a sale's sealed personal data is refused before its date).
 */
export async function retentionReport(db: Db, rules: RetentionRules, now: Date) {
  const today = shanghaiDate(now);
  const all = await saleRetentions(db, rules);
  const due = all
    .filter((r): r is SaleRetention & { retentionEnd: CalendarDate } => r.retentionEnd !== null && r.retentionEnd < today)
    .sort((a, b) => a.retentionEnd.localeCompare(b.retentionEnd))
    .map((r) => ({
      policyNumber: r.policyNumber,
      applicationId: r.applicationId,
      terminationDate: r.terminationDate,
      retentionEnd: r.retentionEnd,
    }));
  return {
    asOf: today,
    policiesChecked: all.filter((r) => r.policyNumber).length,
    salesChecked: all.length,
    pastRetention: due,
    heldByOpenDispute: all
      .filter((r) => r.heldByOpenDispute)
      .map((r) => ({ policyNumber: r.policyNumber, applicationId: r.applicationId })),
  };
}
