import type { Config } from '../config.js';
import type { Db, Trx } from '../db/database.js';
import type { Actor } from '../platform/actor.js';
import type { Clock } from '../platform/clock.js';
import type { CallbackService } from '../modules/callbacks/index.js';
import { findPaidOrder, type PaymentService } from '../modules/payments/index.js';
import { assertCancellable, cancellationReasons, type CancellationReason, type PolicyService } from '../modules/policies/index.js';

export interface CancellationFlowDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'COOLING_OFF_COST_FEN'>;
  policies: Pick<PolicyService, 'lockPolicy' | 'recordCancellation' | 'getPolicy'>;
  payments: Pick<PaymentService, 'refundOrder'>;
  callbacks: Pick<CallbackService, 'closeForCancelledPolicy'>;
}

/**
 * Cancelling a policy, one flow for every reason (`cancellationReasons` in policies: the status it ends in, the
 * window it is allowed in, the refund it owes): policy locked → refund to the paying account → policy cancelled
 * with its ledger entry → open callback closed (CB), in one transaction. Locks are taken policy first, then the
 * payment order, then the callback case, so two cancellations cannot deadlock.
 *
 * The refund is the one external effect: it is recorded in this transaction and sent to the gateway at once
 * (idempotent by its id); when the gateway cannot be reached it stays 'requested' for `retryRequestedRefunds`.
 * The steps after it only write to the database.
 */
export function createCancellationFlow(deps: CancellationFlowDeps) {
  const { db, clock, config, policies, payments, callbacks } = deps;

  /**
   * Cancels a policy for `reason` in the caller's transaction. With `owner`, only that consumer's own policy can
   * be cancelled.
   */
  async function cancelPolicy(
    trx: Trx,
    actor: Actor,
    input: { policyId: string; reason: CancellationReason; at: Date; owner?: Actor; offerId?: string },
  ) {
    const rule = cancellationReasons[input.reason];
    const p = await policies.lockPolicy(trx, input.policyId, input.owner);
    assertCancellable(p, input.reason, input.at);
    const order = await findPaidOrder(trx, p.application_id);
    if (!order) throw new Error(`Policy ${p.id} has no paid order`);
    const { costFen, refundFen } = rule.refund({
      premiumFen: p.premium_fen,
      paidFen: order.amount_fen,
      configuredCostFen: config.COOLING_OFF_COST_FEN,
    });
    const refund = await payments.refundOrder(trx, { orderId: order.id, policyId: p.id, amountFen: refundFen, reason: rule.refundReason });
    const cancellationId = await policies.recordCancellation(trx, actor, {
      policy: p,
      reason: input.reason,
      costFen,
      refundFen,
      refundId: refund.refundId,
      offerId: input.offerId,
      at: input.at,
    });
    await callbacks.closeForCancelledPolicy(trx, { policyId: p.id, kind: input.reason, at: input.at });
    return { cancellationId, refundId: refund.refundId, refundFen };
  }

  /**
   * The policyholder cancels within the 犹豫期 (requirements §2.8): the full premium back to the original account
   * minus the configured cost (at most ¥10); the policy is void from the start.
   */
  async function cancelInCoolingOff(actor: Actor, policyId: string) {
    const at = clock.now();
    await db.transaction().execute((trx) => cancelPolicy(trx, actor, { policyId, reason: 'cooling_off', at, owner: actor }));
    return policies.getPolicy(actor, policyId);
  }

  /**
   * Mis-selling found in the callback (CB: 发现销售过程中存在误导的，应立即纠正), on the policyholder's acceptance of
   * the offer: the whole premium paid goes back, no cost, inside or after the 犹豫期. Runs in the caller's transaction.
   */
  async function cancelForMisselling(trx: Trx, actor: Actor, input: { policyId: string; offerId: string; at: Date }) {
    return cancelPolicy(trx, actor, { policyId: input.policyId, reason: 'misselling', at: input.at, offerId: input.offerId });
  }

  return { cancelPolicy, cancelInCoolingOff, cancelForMisselling };
}
export type CancellationFlow = ReturnType<typeof createCancellationFlow>;
