import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { NewRow, Row } from '../../db/schema.js';
import type { PolicyStatus } from './policy.js';

/** Kysely queries for policies and their cancellations; no rules here. */

export type PolicyRow = Row<'policies'>;
export type CancellationRow = Row<'cancellations'>;

/** The next number of the policy-number sequence (gaps are allowed; order is not promised across transactions). */
export async function nextPolicySeq(db: DbOrTrx): Promise<number> {
  const r = await sql<{ n: string }>`select nextval('policy_number_seq') as n`.execute(db);
  const [row] = r.rows;
  if (!row) throw new Error('nextval returned no row');
  return Number(row.n);
}

export async function insertPolicy(db: DbOrTrx, row: NewRow<'policies'>): Promise<void> {
  await db.insertInto('policies').values(row).execute();
}

export function findPolicy(db: DbOrTrx, id: string): Promise<PolicyRow | undefined> {
  return db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPolicyByNumber(db: DbOrTrx, policyNumber: string): Promise<PolicyRow | undefined> {
  return db.selectFrom('policies').selectAll().where('policy_number', '=', policyNumber).executeTakeFirst();
}

/** Locks the policy row: changes of one policy are decided one at a time. */
export function lockPolicy(db: DbOrTrx, id: string): Promise<PolicyRow | undefined> {
  return db.selectFrom('policies').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function listByConsumer(db: DbOrTrx, consumerId: string): Promise<PolicyRow[]> {
  return db.selectFrom('policies').selectAll().where('consumer_id', '=', consumerId).orderBy('issued_at', 'desc').execute();
}

export function findIdByApplication(db: DbOrTrx, applicationId: string, consumerId: string) {
  return db
    .selectFrom('policies')
    .select('id')
    .where('application_id', '=', applicationId)
    .where('consumer_id', '=', consumerId)
    .executeTakeFirst();
}

/** in_force → a cancelled status, void from the start; answers false when another change won. */
export async function markCancelled(db: DbOrTrx, id: string, status: PolicyStatus, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('policies')
    .set({ status, cancelled_at: at, void_from_start: true })
    .where('id', '=', id)
    .where('status', '=', 'in_force')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertCancellation(db: DbOrTrx, row: NewRow<'cancellations'>): Promise<void> {
  await db.insertInto('cancellations').values(row).execute();
}

export function findCancellation(db: DbOrTrx, policyId: string): Promise<CancellationRow | undefined> {
  return db.selectFrom('cancellations').selectAll().where('policy_id', '=', policyId).executeTakeFirst();
}

export function findPolicyByApplication(db: DbOrTrx, applicationId: string): Promise<PolicyRow | undefined> {
  return db.selectFrom('policies').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
}

/** Term and termination facts of every policy (or of the applications named), for retention. */
export function listPolicyTerms(db: DbOrTrx, applicationIds?: string[]) {
  let q = db.selectFrom('policies').select(['policy_number', 'application_id', 'term_years', 'end_date', 'cancelled_at']);
  if (applicationIds) q = q.where('application_id', 'in', applicationIds.length ? applicationIds : ['']);
  return q.execute();
}

/** Policy numbers by policy id, for lists that show them. */
export async function policyNumbersOf(db: DbOrTrx, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('policies')
    .select(['id', 'policy_number'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, r.policy_number]));
}

/** The sum insured of each in-force policy of the insured of this blind index, with its product version. */
export function inForceCoverOf(db: DbOrTrx, insuredIdIndex: string) {
  return db
    .selectFrom('policies')
    .select(['product_version_id', 'sum_insured_fen'])
    .where('insured_id_index', '=', insuredIdIndex)
    .where('status', '=', 'in_force')
    .execute();
}
