import { sql } from 'kysely';
import type { Config } from '../../config.js';
import type { Db, Trx } from '../../db/database.js';
import { requireConsumer, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { shanghaiDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskIdNumber, maskName, type PiiCipher } from '../../platform/pii.js';
import { assertTransition } from '../sales/application.js';
import { loadProductVersion } from '../products/index.js';
import * as salesRepo from '../sales/application.repository.js';
import type { PaymentPort } from '../sales/ports.js';
import { assertPolicyTransition, computePolicyDates, coolingOffRefund, formatPolicyNumber } from './policy.js';

/** Told, in the transaction that makes the change, that a policy was issued or cancelled (e.g. to open or close its callback). */
export type PolicyIssuedListener = (trx: Trx, issued: { policyId: string; applicationId: string; at: Date }) => Promise<void>;
export type PolicyCancelledListener = (trx: Trx, cancelled: { policyId: string; kind: 'cooling_off' | 'misselling'; at: Date }) => Promise<void>;

export interface PaidOrder {
  orderId: string;
  applicationId: string;
  paidAt: Date;
}

/**
 * Policies: issued in the transaction that confirms payment, so a paid order without a policy, or a policy
 * without payment, cannot exist; cancelled in the 犹豫期 with the premium back (requirements §2.8).
 */
export function createPolicyService(deps: { db: Db; clock: Clock; config: Config; pii: PiiCipher; payments: Pick<PaymentPort, 'refundOrder'> }) {
  const { db, clock, config, pii } = deps;
  const issuedListeners: PolicyIssuedListener[] = [];
  const cancelledListeners: PolicyCancelledListener[] = [];

  /** Issues the policy of a paid application. Runs inside the payment confirmation's transaction. */
  async function issuePolicy(trx: Trx, paid: PaidOrder) {
    const app = await salesRepo.lockApplication(trx, paid.applicationId);
    if (!app) throw new Error(`Paid order ${paid.orderId} names unknown application ${paid.applicationId}`);
    assertTransition(app.status, 'issued');
    const pv = (await loadProductVersion(trx, app.product_version_id))!;
    const d = pv.definition;
    const issuedAt = paid.paidAt;
    // The electronic policy is delivered at issue; electronic receipt starts the 犹豫期 (requirements §2.8).
    const receivedAt = issuedAt;
    const dates = computePolicyDates(issuedAt, receivedAt, {
      effectiveAfterDays: d.effectiveAfterDays,
      termYears: app.term_years,
      coolingOffDays: d.coolingOffDays,
      waitingPeriodDays: d.waitingPeriodDays,
    });
    const seq = await sql<{ n: string }>`select nextval('policy_number_seq') as n`.execute(trx);
    const policyNumber = formatPolicyNumber(config.POLICY_NUMBER_PREFIX, shanghaiDate(issuedAt), Number(seq.rows[0]!.n));
    const insured = (await salesRepo.findParties(trx, app.id)).find((p) => p.role === 'insured')!;
    const policyId = newId('pol', issuedAt.getTime());
    await trx
      .insertInto('policies')
      .values({
        id: policyId,
        policy_number: policyNumber,
        application_id: app.id,
        product_version_id: app.product_version_id,
        consumer_id: app.consumer_id,
        insured_id_index: insured.id_number_index,
        status: 'in_force',
        premium_fen: app.premium_fen,
        sum_insured_fen: app.sum_insured_fen,
        term_years: app.term_years,
        payment_mode: app.payment_mode,
        effective_date: dates.effectiveDate,
        end_date: dates.endDate,
        cooling_off_end_date: dates.coolingOffEndDate,
        waiting_period_end_date: dates.waitingPeriodEndDate,
        issued_at: issuedAt,
        received_at: receivedAt,
        effective_at: dates.effectiveAt,
      })
      .execute();
    const updated = await trx
      .updateTable('applications')
      .set({ status: 'issued', paid_at: paid.paidAt, issued_at: issuedAt })
      .where('id', '=', app.id)
      .where('status', '=', 'awaiting_payment')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT');
    await recordEvent(trx, {
      type: 'policy.issued',
      actor: { type: 'system', id: 'issuance' },
      subject: { type: 'policy', id: policyId },
      payload: { policyNumber, applicationId: app.id, orderId: paid.orderId, productCode: pv.code, productVersion: pv.version, ...dates, effectiveAt: dates.effectiveAt.toISOString() },
      at: issuedAt,
    });
    for (const listener of issuedListeners) await listener(trx, { policyId, applicationId: app.id, at: issuedAt });
    return { policyId, policyNumber };
  }

  async function loadOwnedPolicy(actor: Actor, policyId: string, trx: Db | Trx = db, lock = false) {
    const consumer = requireConsumer(actor);
    let q = trx.selectFrom('policies').selectAll().where('id', '=', policyId);
    if (lock) q = q.forUpdate();
    const p = await q.executeTakeFirst();
    if (!p || p.consumer_id !== consumer.id) throw new AppError('NOT_FOUND', 'No such policy');
    return p;
  }

  async function view(p: Awaited<ReturnType<typeof loadOwnedPolicy>>) {
    const pv = (await loadProductVersion(db, p.product_version_id))!;
    const d = pv.definition;
    const parties = await salesRepo.findParties(db, p.application_id);
    const cancellation = await db.selectFrom('cancellations').selectAll().where('policy_id', '=', p.id).executeTakeFirst();
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
      parties: parties.map((x) => ({ role: x.role, name: maskName(pii.decrypt('name', x.name_cipher)), idNumber: maskIdNumber(pii.decrypt('id_number', x.id_number_cipher)) })),
      coolingOff: { endDate: p.cooling_off_end_date, canCancel: p.status === 'in_force' && today <= p.cooling_off_end_date },
      cancellation: cancellation ? { kind: cancellation.kind, premiumFen: cancellation.premium_fen, costFen: cancellation.cost_fen, refundFen: cancellation.refund_fen, refundId: cancellation.refund_id } : null,
    };
  }

  async function listPolicies(actor: Actor) {
    const consumer = requireConsumer(actor);
    const rows = await db.selectFrom('policies').selectAll().where('consumer_id', '=', consumer.id).orderBy('issued_at', 'desc').execute();
    return Promise.all(rows.map(view));
  }

  async function getPolicy(actor: Actor, policyId: string) {
    return view(await loadOwnedPolicy(actor, policyId));
  }

  async function getPolicyByApplication(actor: Actor, applicationId: string) {
    const consumer = requireConsumer(actor);
    const p = await db.selectFrom('policies').select('id').where('application_id', '=', applicationId).where('consumer_id', '=', consumer.id).executeTakeFirst();
    if (!p) throw new AppError('NOT_FOUND', 'No policy for this application');
    return getPolicy(actor, p.id);
  }

  /**
   * Cancels within the 犹豫期: the full premium back to the original account minus the configured cost (at most
   * ¥10); the policy is void from the start.
   */
  async function cancelInCoolingOff(actor: Actor, policyId: string) {
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const p = await loadOwnedPolicy(actor, policyId, trx, true);
      assertPolicyTransition(p.status, 'cancelled_in_cooling_off');
      if (shanghaiDate(now) > p.cooling_off_end_date) throw new AppError('COOLING_OFF_ENDED', `The 犹豫期 ended on ${p.cooling_off_end_date}`);
      const order = await trx.selectFrom('payment_orders').select(['id', 'amount_fen']).where('application_id', '=', p.application_id).where('status', '=', 'paid').executeTakeFirstOrThrow();
      const { costFen, refundFen } = coolingOffRefund(p.premium_fen, config.COOLING_OFF_COST_FEN);
      const refund = await deps.payments.refundOrder(trx, { orderId: order.id, policyId: p.id, amountFen: refundFen, reason: 'cooling_off_cancellation' });
      await trx.updateTable('policies').set({ status: 'cancelled_in_cooling_off', cancelled_at: now, void_from_start: true }).where('id', '=', p.id).where('status', '=', 'in_force').execute();
      await trx
        .insertInto('cancellations')
        .values({ id: newId('can', now.getTime()), policy_id: p.id, kind: 'cooling_off', premium_fen: p.premium_fen, cost_fen: costFen, refund_fen: refundFen, refund_id: refund.refundId, requested_at: now })
        .execute();
      await recordEvent(trx, {
        type: 'policy.cancelled_in_cooling_off',
        actor,
        subject: { type: 'policy', id: p.id },
        payload: { policyNumber: p.policy_number, premiumFen: p.premium_fen, costFen, refundFen, refundId: refund.refundId, voidFromStart: true },
        at: now,
      });
      for (const listener of cancelledListeners) await listener(trx, { policyId: p.id, kind: 'cooling_off', at: now });
    });
    return getPolicy(actor, policyId);
  }

  /**
   * Cancels a policy for mis-selling found in the callback (CB: 发现销售过程中存在误导的，应立即纠正), on the
   * policyholder's acceptance of the offer: the whole premium paid goes back to the original account, no cost is
   * deducted, inside or after the 犹豫期; the policy is void from the start. Runs in the caller's transaction.
   */
  async function cancelForMisselling(trx: Trx, actor: Actor, input: { policyId: string; offerId: string; at: Date }) {
    const p = await trx.selectFrom('policies').selectAll().where('id', '=', input.policyId).forUpdate().executeTakeFirst();
    if (!p) throw new AppError('NOT_FOUND', 'No such policy');
    assertPolicyTransition(p.status, 'cancelled_for_misselling');
    const order = await trx.selectFrom('payment_orders').select(['id', 'amount_fen']).where('application_id', '=', p.application_id).where('status', '=', 'paid').executeTakeFirstOrThrow();
    const refundFen = order.amount_fen;
    const refund = await deps.payments.refundOrder(trx, { orderId: order.id, policyId: p.id, amountFen: refundFen, reason: 'misselling_cancellation' });
    const updated = await trx
      .updateTable('policies')
      .set({ status: 'cancelled_for_misselling', cancelled_at: input.at, void_from_start: true })
      .where('id', '=', p.id)
      .where('status', '=', 'in_force')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT');
    const cancellationId = newId('can', input.at.getTime());
    await trx
      .insertInto('cancellations')
      .values({ id: cancellationId, policy_id: p.id, kind: 'misselling', premium_fen: p.premium_fen, cost_fen: 0, refund_fen: refundFen, refund_id: refund.refundId, requested_at: input.at })
      .execute();
    await recordEvent(trx, {
      type: 'policy.cancelled_for_misselling',
      actor,
      subject: { type: 'policy', id: p.id },
      payload: { policyNumber: p.policy_number, premiumFen: p.premium_fen, costFen: 0, refundFen, refundId: refund.refundId, offerId: input.offerId, voidFromStart: true },
      at: input.at,
    });
    for (const listener of cancelledListeners) await listener(trx, { policyId: p.id, kind: 'misselling', at: input.at });
    return { cancellationId, refundId: refund.refundId, refundFen };
  }

  /** Listeners run inside the issuing or cancelling transaction: if one throws, the change does not happen. */
  function onIssued(listener: PolicyIssuedListener) {
    issuedListeners.push(listener);
  }
  function onCancelled(listener: PolicyCancelledListener) {
    cancelledListeners.push(listener);
  }

  return { issuePolicy, listPolicies, getPolicy, getPolicyByApplication, cancelInCoolingOff, cancelForMisselling, onIssued, onCancelled };
}
export type PolicyService = ReturnType<typeof createPolicyService>;
