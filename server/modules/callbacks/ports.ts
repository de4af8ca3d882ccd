import type { Trx } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';

/**
 * What the callback needs of the cancellation flow: mis-selling found and the offer accepted, the policy is
 * cancelled with the whole premium back, in the caller's transaction (CB).
 */
export type CancelForMisselling = (
  trx: Trx,
  actor: Actor,
  input: { policyId: string; offerId: string; at: Date },
) => Promise<{ cancellationId: string }>;
