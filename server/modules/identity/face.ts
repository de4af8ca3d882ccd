import type { DbOrTrx } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { FaceProvider } from '../../platform/providers.js';

export type IdentityMethod = 'id_checksum' | 'sms_otp' | 'face';

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

/**
 * Face comparison (M§33 "where configured"): compares a live capture with the authoritative photo of the ID
 * through the face provider and records the outcome, pass or fail. Does not throw on a mismatch, so the caller
 * can keep the failed record and answer FACE_MISMATCH itself. The capture is never stored; only the provider's
 * reference and score are.
 */
export function createFaceCheck(deps: { clock: Clock; face: FaceProvider }) {
  async function compareFace(
    db: DbOrTrx,
    actor: Actor,
    input: { applicationId: string; partyRole: string; idNumber: string; name: string; imageBase64: string },
  ) {
    const result = await deps.face.compare({ idNumber: input.idNumber, name: input.name, imageBase64: input.imageBase64 });
    const verificationId = await recordIdentityVerification(db, actor, {
      applicationId: input.applicationId,
      partyRole: input.partyRole,
      method: 'face',
      passed: result.passed,
      evidence: { provider: deps.face.name, providerRef: result.providerRef, score: result.score },
      at: deps.clock.now(),
    });
    return { verificationId, passed: result.passed, score: result.score, providerRef: result.providerRef };
  }
  return { compareFace };
}
export type FaceCheck = ReturnType<typeof createFaceCheck>;
