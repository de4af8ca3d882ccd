import type { Trx } from '../../db/database.js';
import { assertTransition, type ApplicationStatus } from './application.js';
import { markReferralDecided } from './application.repository.js';

/** Applies an underwriter's decision to a referred application, under the application's transition rules. */
export async function decideReferred(
  trx: Trx,
  applicationId: string,
  d: { from: ApplicationStatus; to: 'awaiting_signature' | 'declined'; outcome: 'accept' | 'decline'; at: Date },
): Promise<void> {
  assertTransition(d.from, d.to);
  await markReferralDecided(trx, applicationId, d);
}
