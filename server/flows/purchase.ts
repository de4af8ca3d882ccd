import { AppError } from '../platform/errors.js';
import type { Trx } from '../db/database.js';
import type { CallbackService } from '../modules/callbacks/index.js';
import type { PaidOrder } from '../modules/payments/index.js';
import type { PolicyService } from '../modules/policies/index.js';
import { assertApplicationTransition, findParties, lockApplication, markApplicationIssued, partyIn } from '../modules/sales/index.js';

export interface PurchaseFlowDeps {
  policies: Pick<PolicyService, 'issuePolicy'>;
  callbacks: Pick<CallbackService, 'openCaseForPolicy'>;
}

/**
 * The purchase, from the gateway's word that the premium arrived: payment confirmed → policy issued → application
 * issued → callback case opened (CB), all in the payment's transaction, so a paid order without a policy, or a
 * policy without payment, cannot exist.
 *
 * Compensation: when the sale refuses (an AppError from any step, e.g. the application changed meanwhile), the
 * payment service undoes the sale's work and returns the payment in full (`issuance_refused`); any other failure
 * rolls everything back and the gateway's retry brings the notification again.
 */
export function createPurchaseFlow(deps: PurchaseFlowDeps) {
  const { policies, callbacks } = deps;

  /** Completes the sale a confirmed payment pays for, inside the payment's transaction. */
  async function completeSale(trx: Trx, paid: PaidOrder): Promise<void> {
    const app = await lockApplication(trx, paid.applicationId);
    if (!app) throw new Error(`Paid order ${paid.orderId} names unknown application ${paid.applicationId}`);
    assertApplicationTransition(app.status, 'issued');
    const insured = partyIn(await findParties(trx, app.id), 'insured');
    const issued = await policies.issuePolicy(trx, {
      orderId: paid.orderId,
      paidAt: paid.paidAt,
      application: {
        id: app.id,
        productVersionId: app.product_version_id,
        consumerId: app.consumer_id,
        insuredIdIndex: insured.id_number_index,
        premiumFen: app.premium_fen,
        sumInsuredFen: app.sum_insured_fen,
        termYears: app.term_years,
        paymentMode: app.payment_mode,
      },
    });
    if (!(await markApplicationIssued(trx, app.id, { paidAt: paid.paidAt, issuedAt: paid.paidAt }))) throw new AppError('CONFLICT');
    await callbacks.openCaseForPolicy(trx, { policyId: issued.policyId, at: paid.paidAt });
  }

  return { completeSale };
}
export type PurchaseFlow = ReturnType<typeof createPurchaseFlow>;
