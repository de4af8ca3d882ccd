import type { DbOrTrx } from '../../db/database.js';
import type { Row } from '../../db/schema.js';
import type { Actor } from '../../platform/actor.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';

/** How a party's identity was verified in the sale: the values of identity_verifications.method. */
export type IdentityMethod = Row<'identity_verifications'>['method'];

/**
 * Records one identity check of an application party (M§33), with the event, in the caller's transaction.
 * `evidence` must carry no personal data in plaintext: provider references, scores, masked values only.
 */
export async function recordIdentityVerification(
  db: DbOrTrx,
  actor: Actor,
  v: { applicationId: string; partyRole: string; method: IdentityMethod; passed: boolean; evidence: Record<string, unknown>; at: Date },
): Promise<string> {
  const id = newId('idv', v.at.getTime());
  await db
    .insertInto('identity_verifications')
    .values({
      id,
      application_id: v.applicationId,
      party_role: v.partyRole,
      method: v.method,
      result: v.passed ? 'passed' : 'failed',
      evidence: JSON.stringify(v.evidence),
      verified_at: v.at,
    })
    .execute();
  await recordEvent(db, {
    type: 'identity.checked',
    actor,
    subject: { type: 'application', id: v.applicationId },
    payload: { method: v.method, partyRole: v.partyRole, result: v.passed ? 'passed' : 'failed', verificationId: id, ...v.evidence },
    at: v.at,
  });
  return id;
}
