import type { DbOrTrx } from '../../db/database.js';
import type { NewRow } from '../../db/schema.js';
import type { EntryRefs } from '../../ledger/ledger.repository.js';
import { applicationsWithCallback, callbackRefsOfPolicy } from '../callbacks/index.js';
import { listChallengeIdsFor } from '../identity/index.js';
import { listOrderIdsOf } from '../payments/index.js';
import { findPolicyByApplication, findPolicyByNumber, listPolicyTerms } from '../policies/index.js';
import { findApplication, listUnissuedActivity, lockApplication } from '../sales/index.js';

/** Queries of the records module: its disputes, and what it reads of a sale through the other modules' faces. */

export async function insertDispute(db: DbOrTrx, row: NewRow<'disputes'>): Promise<void> {
  await db.insertInto('disputes').values(row).execute();
}

/** Ends an open dispute; undefined when there is no open dispute of that id. */
export function endOpenDispute(db: DbOrTrx, id: string, v: { at: Date; by: string }) {
  return db
    .updateTable('disputes')
    .set({ ended_at: v.at, ended_by: v.by })
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .returning(['application_id'])
    .executeTakeFirst();
}

export function findDispute(db: DbOrTrx, id: string) {
  return db.selectFrom('disputes').select('id').where('id', '=', id).executeTakeFirst();
}

/** Disputes (all, or of the applications named). */
export function listDisputes(db: DbOrTrx, applicationIds?: string[]) {
  let q = db.selectFrom('disputes').select(['application_id', 'ended_at']);
  if (applicationIds) q = q.where('application_id', 'in', applicationIds);
  return q.execute();
}

/** The sale an application id or a policy number names: its application, and its policy once issued; null when none. */
export async function findSale(db: DbOrTrx, target: { applicationId?: string; policyNumber?: string }) {
  const policy = target.policyNumber
    ? await findPolicyByNumber(db, target.policyNumber)
    : await findPolicyByApplication(db, target.applicationId ?? '');
  const applicationId = policy?.application_id ?? target.applicationId;
  const app = applicationId ? await findApplication(db, applicationId) : undefined;
  if (!app) return null;
  return { applicationId: app.id, policyId: policy?.id ?? null, policyNumber: policy?.policy_number ?? null };
}

/** Locks a sale's application: shredding serialises against a dispute being opened at the same moment. */
export async function lockSale(db: DbOrTrx, applicationId: string): Promise<void> {
  await lockApplication(db, applicationId);
}

/** The business references of one sale: its application, its payment orders and (once issued) its policy. */
export async function refsOfSale(db: DbOrTrx, applicationId: string, policyId: string | null): Promise<EntryRefs[]> {
  const [orders, challenges, callback] = await Promise.all([
    listOrderIdsOf(db, applicationId),
    // The codes sent for this application are part of its trail (M§33 identity checks).
    listChallengeIdsFor(db, applicationId),
    // The electronic callback is part of the sale's trail (CB): its case, the problems it raised and its sample review.
    policyId ? callbackRefsOfPolicy(db, policyId) : { caseIds: [], problemIds: [], sampleIds: [] },
  ]);
  return [
    { type: 'application', ids: [applicationId] },
    { type: 'payment_order', ids: orders },
    { type: 'policy', ids: policyId ? [policyId] : [] },
    { type: 'otp_challenge', ids: challenges },
    { type: 'callback_case', ids: callback.caseIds },
    { type: 'callback_problem', ids: callback.problemIds },
    { type: 'callback_sample', ids: callback.sampleIds },
  ].filter((r) => r.ids.length > 0);
}

export { applicationsWithCallback, listPolicyTerms, listUnissuedActivity };
