import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { NewRow } from '../../db/schema.js';

/** Kysely queries for signed documents, invoices and verification attempts; no rules here. */

/** Serialises the versions of one document (a policy's e-policy, or one invoice) for the rest of the transaction. */
export async function lockDocument(
  db: DbOrTrx,
  d: { policyId: string; kind: 'e_policy' | 'invoice'; invoiceId: string | null },
): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`document:${d.policyId}:${d.kind}:${d.invoiceId ?? ''}`}))`.execute(db);
}

/** The highest version stored of one document, 0 when none. */
export async function lastVersion(
  db: DbOrTrx,
  d: { policyId: string; kind: 'e_policy' | 'invoice'; invoiceId: string | null },
): Promise<number> {
  const last = await db
    .selectFrom('policy_documents')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('policy_id', '=', d.policyId)
    .where('kind', '=', d.kind)
    .where((eb) => (d.invoiceId ? eb('invoice_id', '=', d.invoiceId) : eb('invoice_id', 'is', null)))
    .executeTakeFirst();
  return Number(last?.v ?? 0);
}

export async function insertDocument(db: DbOrTrx, row: NewRow<'policy_documents'>): Promise<void> {
  await db.insertInto('policy_documents').values(row).execute();
}

/** The latest version of a policy's e-policy. */
export function latestEPolicy(db: DbOrTrx, policyId: string) {
  return db
    .selectFrom('policy_documents')
    .select(['pdf', 'version', 'content_hash'])
    .where('policy_id', '=', policyId)
    .where('kind', '=', 'e_policy')
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The latest version of an invoice's PDF. */
export function latestInvoicePdf(db: DbOrTrx, invoiceId: string) {
  return db
    .selectFrom('policy_documents')
    .select(['pdf', 'version', 'content_hash'])
    .where('invoice_id', '=', invoiceId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

/** Every invoice of a policy, in the order issued. */
export function invoicesOfPolicy(db: DbOrTrx, policyId: string) {
  return db.selectFrom('invoices').selectAll().where('policy_id', '=', policyId).orderBy('issued_at').orderBy('invoice_number').execute();
}

export function findInvoice(db: DbOrTrx, id: string) {
  return db.selectFrom('invoices').select(['id', 'invoice_number', 'policy_id']).where('id', '=', id).executeTakeFirst();
}

/** Verification requests from one client since `since`. */
export async function countAttemptsOfClient(db: DbOrTrx, clientKey: string, since: Date): Promise<number> {
  const r = await db
    .selectFrom('verification_attempts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('client_key', '=', clientKey)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Wrong codes given for one policy number since `since`. */
export async function countFailuresOfNumber(db: DbOrTrx, numberKey: string, since: Date): Promise<number> {
  const r = await db
    .selectFrom('verification_attempts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('number_key', '=', numberKey)
    .where('genuine', '=', false)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertAttempt(db: DbOrTrx, row: NewRow<'verification_attempts'>): Promise<void> {
  await db.insertInto('verification_attempts').values(row).execute();
}
