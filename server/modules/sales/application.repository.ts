import type { DbOrTrx } from '../../db/database.js';
import type { NewRow } from '../../db/schema.js';

/** Queries over applications and what hangs off them. No rules here. */

export function findApplication(db: DbOrTrx, id: string) {
  return db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the application row for the rest of the transaction, so concurrent steps serialise on it. */
export function lockApplication(db: DbOrTrx, id: string) {
  return db.selectFrom('applications').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function insertApplication(db: DbOrTrx, row: NewRow<'applications'>, parties: NewRow<'parties'>[]) {
  await db.insertInto('applications').values(row).execute();
  if (parties.length) await db.insertInto('parties').values(parties).execute();
}

export function findParties(db: DbOrTrx, applicationId: string) {
  return db.selectFrom('parties').selectAll().where('application_id', '=', applicationId).orderBy('role').orderBy('position').execute();
}

export function findConsents(db: DbOrTrx, applicationId: string) {
  return db.selectFrom('consents').selectAll().where('application_id', '=', applicationId).orderBy('given_at').orderBy('id').execute();
}

export function findDisplay(db: DbOrTrx, applicationId: string, textVersionId: string) {
  return db
    .selectFrom('text_displays')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('text_version_id', '=', textVersionId)
    .executeTakeFirst();
}

export async function recordDisplay(db: DbOrTrx, applicationId: string, textVersionId: string, at: Date) {
  await db
    .insertInto('text_displays')
    .values({ application_id: applicationId, text_version_id: textVersionId, displayed_at: at })
    .onConflict((oc) => oc.columns(['application_id', 'text_version_id']).doNothing())
    .execute();
}

/** The latest answer to each item. */
export function findLatestAnswers(db: DbOrTrx, applicationId: string) {
  return db
    .selectFrom('answers')
    .distinctOn(['questionnaire_code', 'item_code'])
    .selectAll()
    .where('application_id', '=', applicationId)
    .orderBy('questionnaire_code')
    .orderBy('item_code')
    .orderBy('answered_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export function findVerifications(db: DbOrTrx, applicationId: string) {
  return db
    .selectFrom('identity_verifications')
    .selectAll()
    .where('application_id', '=', applicationId)
    .orderBy('verified_at')
    .orderBy('id')
    .execute();
}

export function findSignatures(db: DbOrTrx, applicationId: string) {
  return db.selectFrom('signatures').selectAll().where('application_id', '=', applicationId).orderBy('signed_at').orderBy('id').execute();
}

/**
 * The sum insured of each application still on its way to issue (referred, awaiting signature or payment) whose
 * insured is the person of this blind index, with its product version; one application left out.
 */
export function pendingCoverOf(db: DbOrTrx, insuredIdIndex: string, excludeApplicationId: string) {
  return db
    .selectFrom('applications as a')
    .innerJoin('parties as pt', (j) => j.onRef('pt.application_id', '=', 'a.id').on('pt.role', '=', 'insured'))
    .select(['a.product_version_id', 'a.sum_insured_fen'])
    .where('pt.id_number_index', '=', insuredIdIndex)
    .where('a.id', '<>', excludeApplicationId)
    .where('a.status', 'in', ['referred', 'awaiting_signature', 'awaiting_payment'])
    .execute();
}

/** The policyholder's party of an application (the first when several were ever recorded). */
export function findPolicyholder(db: DbOrTrx, applicationId: string) {
  return db
    .selectFrom('parties')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('role', '=', 'policyholder')
    .orderBy('position')
    .executeTakeFirst();
}

/** awaiting_payment → issued; answers false when another change won. */
export async function markIssued(db: DbOrTrx, applicationId: string, at: { paidAt: Date; issuedAt: Date }): Promise<boolean> {
  const r = await db
    .updateTable('applications')
    .set({ status: 'issued', paid_at: at.paidAt, issued_at: at.issuedAt })
    .where('id', '=', applicationId)
    .where('status', '=', 'awaiting_payment')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Applications never issued (all, or among those named), each with the time of its last recorded event. An
 * application is issued in the transaction that issues its policy, so these are the sales without a policy.
 */
export function listUnissuedActivity(db: DbOrTrx, applicationIds?: string[]) {
  let q = db
    .selectFrom('applications')
    .leftJoin('events', (j) => j.onRef('events.subject_id', '=', 'applications.id').on('events.subject_type', '=', 'application'))
    .select((eb) => ['applications.id', 'applications.created_at', eb.fn.max('events.created_at').as('last_at')])
    .where('applications.status', '<>', 'issued')
    .groupBy(['applications.id', 'applications.created_at']);
  if (applicationIds) q = q.where('applications.id', 'in', applicationIds.length ? applicationIds : ['']);
  return q.execute();
}

/** Applications waiting for an underwriter, oldest referral first. */
export function listReferred(db: DbOrTrx) {
  return db
    .selectFrom('applications')
    .select(['id', 'referred_at', 'sum_insured_fen', 'premium_fen', 'product_version_id'])
    .where('status', '=', 'referred')
    .orderBy('referred_at')
    .execute();
}

/** referred → accepted (awaiting_signature) or declined by an underwriter. */
export async function markReferralDecided(
  db: DbOrTrx,
  applicationId: string,
  d: { to: 'awaiting_signature' | 'declined'; outcome: 'accept' | 'decline'; at: Date },
) {
  await db
    .updateTable('applications')
    .set({ status: d.to, underwriting_outcome: d.outcome, ...(d.to === 'declined' ? { declined_at: d.at } : { accepted_at: d.at }) })
    .where('id', '=', applicationId)
    .where('status', '=', 'referred')
    .execute();
}
