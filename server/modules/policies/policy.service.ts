import type { Config } from '../../config.js';
import type { Db, DbOrTrx, Trx } from '../../db/database.js';
import { requireConsumer, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { shanghaiDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskIdNumber, maskName, type PiiCipher } from '../../platform/pii.js';
import { requireProductVersion } from '../products/index.js';
import { findParties } from '../sales/index.js';
import { cancellationReasons, computePolicyDates, formatPolicyNumber, type CancellationReason } from './policy.js';
import * as repo from './policy.repository.js';

/** The facts of a paid application a policy is issued from (read by the purchase flow from sales). */
export interface IssuableApplication {
  id: string;
  productVersionId: string;
  consumerId: string;
  /** Blind index of the insured's ID number, to find the insured's cover across policies. */
  insuredIdIndex: string;
  premiumFen: number;
  sumInsuredFen: number;
  termYears: number;
  paymentMode: string;
}

/**
 * Policies: issued in the transaction that confirms payment, so a paid order without a policy, or a policy
 * without payment, cannot exist (the purchase flow); cancelled with the premium back (the cancellation flow).
 */
export function createPolicyService(deps: { db: Db; clock: Clock; config: Pick<Config, 'POLICY_NUMBER_PREFIX'>; pii: PiiCipher }) {
  const { db, clock, config, pii } = deps;

  /** Issues the policy of a paid application, in the payment confirmation's transaction. */
  async function issuePolicy(trx: Trx, input: { orderId: string; paidAt: Date; application: IssuableApplication }) {
    const app = input.application;
    const pv = await requireProductVersion(trx, app.productVersionId);
    const d = pv.definition;
    const issuedAt = input.paidAt;
    // The electronic policy is delivered at issue; electronic receipt starts the 犹豫期 (requirements §2.8).
    const receivedAt = issuedAt;
    const dates = computePolicyDates(issuedAt, receivedAt, {
      effectiveAfterDays: d.effectiveAfterDays,
      termYears: app.termYears,
      coolingOffDays: d.coolingOffDays,
      waitingPeriodDays: d.waitingPeriodDays,
    });
    const policyNumber = formatPolicyNumber(config.POLICY_NUMBER_PREFIX, shanghaiDate(issuedAt), await repo.nextPolicySeq(trx));
    const policyId = newId('pol', issuedAt.getTime());
    await repo.insertPolicy(trx, {
      id: policyId,
      policy_number: policyNumber,
      application_id: app.id,
      product_version_id: app.productVersionId,
      consumer_id: app.consumerId,
      insured_id_index: app.insuredIdIndex,
      status: 'in_force',
      premium_fen: app.premiumFen,
      sum_insured_fen: app.sumInsuredFen,
      term_years: app.termYears,
      payment_mode: app.paymentMode,
      effective_date: dates.effectiveDate,
      end_date: dates.endDate,
      cooling_off_end_date: dates.coolingOffEndDate,
      waiting_period_end_date: dates.waitingPeriodEndDate,
      issued_at: issuedAt,
      received_at: receivedAt,
      effective_at: dates.effectiveAt,
    });
    await recordEvent(trx, {
      type: 'policy.issued',
      actor: { type: 'system', id: 'issuance' },
      subject: { type: 'policy', id: policyId },
      payload: {
        policyNumber,
        applicationId: app.id,
        orderId: input.orderId,
        productCode: pv.code,
        productVersion: pv.version,
        ...dates,
        effectiveAt: dates.effectiveAt.toISOString(),
      },
      at: issuedAt,
    });
    return { policyId, policyNumber };
  }

  /**
   * Locks a policy for a change. With `owner`, only that consumer's policy is found; anyone else is told it does
   * not exist.
   */
  async function lockPolicy(trx: Trx, policyId: string, owner?: Actor) {
    const consumer = owner ? requireConsumer(owner) : undefined;
    const p = await repo.lockPolicy(trx, policyId);
    if (!p || (consumer && p.consumer_id !== consumer.id)) throw new AppError('NOT_FOUND', 'No such policy');
    return p;
  }

  /**
   * Writes a cancellation the cancellation flow decided and paid back: the policy's new status (void from the
   * start), the cancellation record and its ledger entry.
   */
  async function recordCancellation(
    trx: Trx,
    actor: Actor,
    c: {
      policy: repo.PolicyRow;
      reason: CancellationReason;
      costFen: number;
      refundFen: number;
      refundId: string;
      offerId?: string;
      at: Date;
    },
  ): Promise<string> {
    const p = c.policy;
    const status = cancellationReasons[c.reason].status;
    if (!(await repo.markCancelled(trx, p.id, status, c.at))) throw new AppError('CONFLICT');
    const cancellationId = newId('can', c.at.getTime());
    await repo.insertCancellation(trx, {
      id: cancellationId,
      policy_id: p.id,
      kind: c.reason,
      premium_fen: p.premium_fen,
      cost_fen: c.costFen,
      refund_fen: c.refundFen,
      refund_id: c.refundId,
      requested_at: c.at,
    });
    await recordEvent(trx, {
      type: `policy.${status}`,
      actor,
      subject: { type: 'policy', id: p.id },
      payload: {
        policyNumber: p.policy_number,
        premiumFen: p.premium_fen,
        costFen: c.costFen,
        refundFen: c.refundFen,
        refundId: c.refundId,
        ...(c.offerId === undefined ? {} : { offerId: c.offerId }),
        voidFromStart: true,
      },
      at: c.at,
    });
    return cancellationId;
  }

  async function loadOwnedPolicy(actor: Actor, policyId: string, q: DbOrTrx = db) {
    const consumer = requireConsumer(actor);
    const p = await repo.findPolicy(q, policyId);
    if (!p || p.consumer_id !== consumer.id) throw new AppError('NOT_FOUND', 'No such policy');
    return p;
  }

  async function view(p: repo.PolicyRow) {
    const pv = await requireProductVersion(db, p.product_version_id);
    const d = pv.definition;
    const parties = await findParties(db, p.application_id);
    const cancellation = await repo.findCancellation(db, p.id);
    const today = shanghaiDate(clock.now());
    return {
      id: p.id,
      policyNumber: p.policy_number,
      status: p.status,
      product: { code: pv.code, version: pv.version, name: d.promotionalName, clauseName: d.clauseName, filingNumber: d.regulatory.number },
      premiumFen: p.premium_fen,
      sumInsuredFen: p.sum_insured_fen,
      termYears: p.term_years,
      paymentMode: p.payment_mode,
      effectiveDate: p.effective_date,
      effectiveAt: p.effective_at.toISOString(),
      endDate: p.end_date,
      coolingOffEndDate: p.cooling_off_end_date,
      waitingPeriodEndDate: p.waiting_period_end_date,
      issuedAt: p.issued_at.toISOString(),
      receivedAt: p.received_at.toISOString(),
      cancelledAt: p.cancelled_at?.toISOString() ?? null,
      voidFromStart: p.void_from_start,
      parties: parties.map((x) => ({
        role: x.role,
        name: maskName(pii.decrypt('name', x.name_cipher)),
        idNumber: maskIdNumber(pii.decrypt('id_number', x.id_number_cipher)),
      })),
      coolingOff: { endDate: p.cooling_off_end_date, canCancel: p.status === 'in_force' && today <= p.cooling_off_end_date },
      cancellation: cancellation
        ? {
            kind: cancellation.kind,
            premiumFen: cancellation.premium_fen,
            costFen: cancellation.cost_fen,
            refundFen: cancellation.refund_fen,
            refundId: cancellation.refund_id,
          }
        : null,
    };
  }

  async function listPolicies(actor: Actor) {
    const consumer = requireConsumer(actor);
    return Promise.all((await repo.listByConsumer(db, consumer.id)).map(view));
  }

  async function getPolicy(actor: Actor, policyId: string) {
    return view(await loadOwnedPolicy(actor, policyId));
  }

  async function getPolicyByApplication(actor: Actor, applicationId: string) {
    const consumer = requireConsumer(actor);
    const p = await repo.findIdByApplication(db, applicationId, consumer.id);
    if (!p) throw new AppError('NOT_FOUND', 'No policy for this application');
    return getPolicy(actor, p.id);
  }

  return { issuePolicy, lockPolicy, recordCancellation, listPolicies, getPolicy, getPolicyByApplication };
}
export type PolicyService = ReturnType<typeof createPolicyService>;
