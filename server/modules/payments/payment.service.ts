import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../../config.js';
import type { Db, DbOrTrx, Trx } from '../../db/database.js';
import type { Clock } from '../../platform/clock.js';
import { requireConsumer, systemActor, type Actor } from '../../platform/actor.js';
import { AppError, isAppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskBankAccount, type PiiCipher } from '../../platform/pii.js';
import type { PaymentNotification, PaymentProvider } from '../../platform/providers.js';
import { findApplication, findPolicyholder } from '../sales/index.js';
import * as repo from './payment.repository.js';

/** What the sale learns when a payment is confirmed; the purchase flow issues the policy in the same transaction. */
export interface PaidOrder {
  orderId: string;
  applicationId: string;
  paidAt: Date;
  /** Plaintext in memory only: the account refunds and benefits may go back to. Never store it unencrypted. */
  payerAccountNo: string;
}
/**
 * The sale a confirmed payment completes, run in the confirming transaction (the purchase flow hands it in with
 * each notification). An AppError refuses the payment: the sale's work is undone and the money goes back in full.
 */
export type CompleteSale = (trx: Trx, paid: PaidOrder) => Promise<void>;

/**
 * Why a payment was not accepted as the premium of its order. Stored on the order and on the refund; shown to the
 * consumer by code.
 */
export type RefusalReason =
  | 'payee_not_premium_account' // M§19: the money did not land in the dedicated premium account
  | 'amount_mismatch'
  | 'payer_not_policyholder' // M§40: the payer must be the 投保人, paying from their own account
  | 'issuance_refused'; // the sale could not be completed on this payment (compensation: full refund)

/** How a verified notification was settled; a duplicate answers the first outcome again. */
export type NotificationOutcome =
  | 'paid' // the order is paid and the sale hook ran
  | 'refused' // the order is refused and this payment goes back in full
  | 'refunded'; // the order was already paid, expired or refused: this (second or late) payment goes back in full

export interface PaymentServiceDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'PREMIUM_ACCOUNT_NO' | 'PREMIUM_ACCOUNT_NAME' | 'PAYMENT_ORDER_TTL_MINUTES'>;
  pii: PiiCipher;
  payments: PaymentProvider;
}

const normalizeName = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ');
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64url');

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}

/**
 * Premium collection (M§19, M§40): payment orders into the dedicated premium account, signed and idempotent
 * gateway notifications, the payer-is-the-policyholder check, refunds to the original account, and expiry.
 */
export function createPaymentService(deps: PaymentServiceDeps) {
  const { db, clock, config, pii, payments } = deps;
  const providerActor: Actor = { type: 'provider', id: payments.name };

  /** Sends one recorded refund through the gateway; the refund id makes a retry safe. */
  async function sendRefund(r: repo.RefundRow): Promise<{ providerRef: string } | { error: string }> {
    try {
      return await payments.refund({
        orderId: r.order_id,
        refundId: r.id,
        amountFen: r.amount_fen,
        reason: r.reason,
        providerTxnId: r.provider_txn_id ?? undefined,
      });
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }

  async function completeWithEvent(trx: DbOrTrx, r: repo.RefundRow, providerRef: string, actor: Actor): Promise<boolean> {
    const at = clock.now();
    if (!(await repo.completeRefund(trx, r.id, providerRef, at))) return false;
    await recordEvent(trx, {
      type: 'refund.completed',
      actor,
      subject: { type: 'payment_order', id: r.order_id },
      payload: { refundId: r.id, amountFen: r.amount_fen, providerRef },
      at,
    });
    return true;
  }

  /** Settles a refund recorded by a committed transaction: gateway first, then the completion in its own transaction. */
  async function settleRefund(refundId: string, actor: Actor): Promise<'completed' | 'requested'> {
    const r = await repo.findRefund(db, refundId);
    if (!r) return 'requested';
    if (r.status !== 'requested') return r.status === 'completed' ? 'completed' : 'requested';
    const sent = await sendRefund(r);
    if ('error' in sent) {
      await repo.noteRefundFailure(db, r.id, sent.error);
      return 'requested';
    }
    await db.transaction().execute((trx) => completeWithEvent(trx, r, sent.providerRef, actor));
    return 'completed';
  }

  /** Records a refund of `amountFen` to the account that paid, with its event; the gateway is called later. */
  async function requestRefund(
    trx: Trx,
    v: {
      orderId: string;
      policyId?: string | null;
      amountFen: number;
      reason: string;
      toAccountCipher: string | null;
      providerTxnId: string;
      actor: Actor;
    },
  ): Promise<repo.RefundRow> {
    const at = clock.now();
    const row = {
      id: newId('ref', at.getTime()),
      order_id: v.orderId,
      policy_id: v.policyId ?? null,
      amount_fen: v.amountFen,
      reason: v.reason,
      status: 'requested' as const,
      // M§40: refunds go back to the original paying account.
      to_account_cipher: v.toAccountCipher,
      provider_ref: null,
      requested_at: at,
      completed_at: null,
      provider_txn_id: v.providerTxnId,
      failure_reason: null,
    };
    await repo.insertRefund(trx, row);
    await recordEvent(trx, {
      type: 'refund.requested',
      actor: v.actor,
      subject: { type: 'payment_order', id: v.orderId },
      payload: { refundId: row.id, amountFen: v.amountFen, reason: v.reason, providerTxnId: v.providerTxnId, policyId: v.policyId ?? null },
      at,
    });
    return row;
  }

  async function payerIsPolicyholder(trx: Trx, applicationId: string, payer: PaymentNotification['payer']): Promise<boolean> {
    const holder = await findPolicyholder(trx, applicationId);
    if (!holder) return false;
    // The ID number is compared through the blind index, never decrypted; the name needs the plaintext.
    if (pii.blindIndex('id_number', payer.idNumber) !== holder.id_number_index) return false;
    return normalizeName(pii.decrypt('name', holder.name_cipher)) === normalizeName(payer.name);
  }

  async function rejectNotification(provider: string, rawBody: string, reason: string): Promise<void> {
    await db.transaction().execute((trx) =>
      recordEvent(trx, {
        type: 'payment.notification_rejected',
        actor: { type: 'provider', id: provider },
        subject: { type: 'payment_provider', id: provider },
        payload: { reason, bodySha256: sha256(rawBody), bodyLength: rawBody.length },
        at: clock.now(),
      }),
    );
  }

  /** One verified notification, decided under the order's row lock. */
  async function settleNotification(
    provider: string,
    n: PaymentNotification,
    rawBody: string,
    completeSale: CompleteSale,
  ): Promise<{ orderId: string; outcome: NotificationOutcome; duplicate: boolean; refundIds: string[] }> {
    return db.transaction().execute(async (trx) => {
      const order = await repo.lockOrder(trx, n.orderId);
      if (!order) throw new AppError('NOT_FOUND', 'No such payment order');
      // Under the lock, a concurrent delivery of the same transaction has either committed (found here) or not begun.
      const seen = await repo.findNotification(trx, provider, n.providerTxnId);
      if (seen) return { orderId: order.id, outcome: seen.outcome as NotificationOutcome, duplicate: true, refundIds: [] };

      const now = clock.now();
      const payerAccountCipher = pii.encrypt('bank_account', n.payer.accountNo);
      const payerAccountIndex = pii.blindIndex('bank_account', n.payer.accountNo);
      const refundIds: string[] = [];
      let outcome: NotificationOutcome;

      const notificationRow = {
        id: newId('ntf', now.getTime()),
        provider,
        provider_txn_id: n.providerTxnId,
        order_id: order.id,
        body_hash: sha256(rawBody),
        received_at: now,
      };

      let status = order.status;
      // Paid at the gateway after the order's time was up, before the sweep ran: the order expires now.
      if (status === 'pending' && n.paidAt > order.expires_at) {
        if (await repo.markExpired(trx, order.id, now)) {
          await recordEvent(trx, {
            type: 'payment.order_expired',
            actor: systemActor,
            subject: { type: 'payment_order', id: order.id },
            payload: { applicationId: order.application_id, expiresAt: order.expires_at.toISOString() },
            at: now,
          });
        }
        status = 'expired';
      }

      if (status !== 'pending') {
        // A second payment for a settled order, or a late one for an expired order: the money goes back in full.
        outcome = 'refunded';
        const reason = status === 'expired' ? 'order_expired' : status === 'paid' ? 'order_already_paid' : 'order_refused';
        await repo.insertNotification(trx, { ...notificationRow, outcome });
        await recordEvent(trx, {
          type: 'payment.refused',
          actor: providerActor,
          subject: { type: 'payment_order', id: order.id },
          payload: {
            applicationId: order.application_id,
            providerTxnId: n.providerTxnId,
            amountFen: n.amountFen,
            reason,
            orderStatus: status,
          },
          at: now,
        });
        const r = await requestRefund(trx, {
          orderId: order.id,
          amountFen: n.amountFen,
          reason,
          toAccountCipher: payerAccountCipher,
          providerTxnId: n.providerTxnId,
          actor: providerActor,
        });
        refundIds.push(r.id);
        return { orderId: order.id, outcome, duplicate: false, refundIds };
      }

      const reasons: RefusalReason[] = [];
      // M§19: premiums land in the insurer's dedicated premium account and nowhere else.
      if (n.payeeAccountNo !== config.PREMIUM_ACCOUNT_NO || n.payeeAccountNo !== order.payee_account_no)
        reasons.push('payee_not_premium_account');
      if (n.amountFen !== order.amount_fen) reasons.push('amount_mismatch');
      // M§40: the payer is the policyholder, paying from their own account.
      if (!(await payerIsPolicyholder(trx, order.application_id, n.payer))) reasons.push('payer_not_policyholder');

      const refuse = async (from: 'pending' | 'paid', why: RefusalReason[]) => {
        const reason = why.join(',');
        if (
          !(await repo.markRefused(trx, order.id, from, { at: now, reason, txnId: n.providerTxnId, payerAccountCipher, payerAccountIndex }))
        ) {
          throw new AppError('CONFLICT', 'The payment order changed while the notification was processed');
        }
        await recordEvent(trx, {
          type: 'payment.refused',
          actor: providerActor,
          subject: { type: 'payment_order', id: order.id },
          payload: { applicationId: order.application_id, providerTxnId: n.providerTxnId, amountFen: n.amountFen, reasons: why },
          at: now,
        });
        const r = await requestRefund(trx, {
          orderId: order.id,
          amountFen: n.amountFen,
          reason: `refused:${reason}`,
          toAccountCipher: payerAccountCipher,
          providerTxnId: n.providerTxnId,
          actor: providerActor,
        });
        refundIds.push(r.id);
      };

      if (reasons.length > 0) {
        outcome = 'refused';
        await refuse('pending', reasons);
      } else {
        if (!(await repo.markPaid(trx, order.id, { paidAt: n.paidAt, txnId: n.providerTxnId, payerAccountCipher, payerAccountIndex }))) {
          throw new AppError('CONFLICT', 'The payment order changed while the notification was processed');
        }
        await recordEvent(trx, {
          type: 'payment.notification_received',
          actor: providerActor,
          subject: { type: 'payment_order', id: order.id },
          payload: {
            applicationId: order.application_id,
            providerTxnId: n.providerTxnId,
            amountFen: n.amountFen,
            paidAt: n.paidAt.toISOString(),
          },
          at: now,
        });
        outcome = 'paid';
        // The sale is completed in this transaction. If it refuses (an AppError), its partial work is undone and the
        // payment is returned in full (compensation); any other failure rolls everything back and the gateway's
        // retry brings the notification again.
        await sql`savepoint payment_complete_sale`.execute(trx);
        try {
          await completeSale(trx, {
            orderId: order.id,
            applicationId: order.application_id,
            paidAt: n.paidAt,
            payerAccountNo: n.payer.accountNo,
          });
          await sql`release savepoint payment_complete_sale`.execute(trx);
        } catch (e) {
          if (!isAppError(e)) throw e;
          await sql`rollback to savepoint payment_complete_sale`.execute(trx);
          outcome = 'refused';
          await refuse('paid', ['issuance_refused']);
        }
      }
      await repo.insertNotification(trx, { ...notificationRow, outcome });
      return { orderId: order.id, outcome, duplicate: false, refundIds };
    });
  }

  return {
    /**
     * Opens a payment order for an application, inside the caller's transaction, payable into the dedicated
     * premium account (M§19); the gateway is asked for a payment page at once.
     */
    async openOrder(
      trx: Trx,
      input: {
        applicationId: string;
        amountFen: number;
        expectedPayer: { name: string; idNumber: string };
        description: string;
        actor?: Actor;
      },
    ): Promise<{ orderId: string; payUrl: string; expiresAt: Date }> {
      if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0)
        throw new AppError('VALIDATION_FAILED', 'amountFen must be a positive integer');
      const now = clock.now();
      const orderId = newId('pay', now.getTime());
      const expiresAt = new Date(now.getTime() + config.PAYMENT_ORDER_TTL_MINUTES * 60_000);
      await repo.insertOrder(trx, {
        id: orderId,
        application_id: input.applicationId,
        amount_fen: input.amountFen,
        payee_account_no: config.PREMIUM_ACCOUNT_NO,
        provider: payments.name,
        status: 'pending',
        payer_account_cipher: null,
        payer_account_index: null,
        refused_reason: null,
        expires_at: expiresAt,
        created_at: now,
        paid_at: null,
        refused_at: null,
        expired_at: null,
      });
      await recordEvent(trx, {
        type: 'payment.order_created',
        actor: input.actor ?? systemActor,
        subject: { type: 'payment_order', id: orderId },
        payload: {
          applicationId: input.applicationId,
          amountFen: input.amountFen,
          provider: payments.name,
          expiresAt: expiresAt.toISOString(),
        },
        at: now,
      });
      const { payUrl, providerOrderRef } = await payments.createPayment({
        orderId,
        amountFen: input.amountFen,
        payeeAccountNo: config.PREMIUM_ACCOUNT_NO,
        expectedPayer: input.expectedPayer,
        description: input.description,
        expiresAt,
      });
      await repo.setPayUrl(trx, orderId, payUrl, providerOrderRef);
      return { orderId, payUrl, expiresAt };
    },

    /**
     * A gateway's asynchronous notification. Verified first (a forged one changes nothing but its own rejection
     * event); idempotent by the gateway's transaction id; the payee, amount and payer are checked (M§19, M§40)
     * before the order is paid and `completeSale` (the purchase flow) issues the policy in the same transaction.
     */
    async handleNotification(
      provider: string,
      rawBody: string,
      headers: Record<string, string | string[] | undefined>,
      completeSale: CompleteSale,
    ): Promise<{ orderId: string; outcome: NotificationOutcome; duplicate: boolean }> {
      const n = provider === payments.name ? payments.verifyNotification(rawBody, headers) : null;
      if (!n) {
        await rejectNotification(provider, rawBody, 'verification_failed');
        throw new AppError('PAYMENT_NOTIFICATION_INVALID');
      }
      const first = await repo.findNotification(db, provider, n.providerTxnId);
      if (first) return { orderId: first.order_id, outcome: first.outcome as NotificationOutcome, duplicate: true };
      const order = await repo.findOrder(db, n.orderId);
      if (!order || order.provider !== provider) {
        await rejectNotification(provider, rawBody, 'unknown_order');
        throw new AppError('NOT_FOUND', 'No such payment order');
      }
      let settled;
      try {
        settled = await settleNotification(provider, n, rawBody, completeSale);
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        // Lost a race with a concurrent delivery of the same transaction: answer what the winner decided.
        const winner = await repo.findNotification(db, provider, n.providerTxnId);
        if (!winner) throw e;
        return { orderId: winner.order_id, outcome: winner.outcome as NotificationOutcome, duplicate: true };
      }
      // The money goes back once the decision is committed; a gateway failure leaves the refund 'requested' for retry.
      for (const id of settled.refundIds) await settleRefund(id, providerActor);
      return { orderId: settled.orderId, outcome: settled.outcome, duplicate: settled.duplicate };
    },

    /**
     * Returns premium to the account it was paid from (e.g. cooling-off cancellation), inside the caller's
     * transaction. Never more than was paid less earlier refunds. When the gateway cannot be reached the refund
     * stays 'requested' for `retryRequestedRefunds`.
     */
    async refundOrder(
      trx: Trx,
      input: { orderId: string; policyId?: string | null; amountFen: number; reason: string; actor?: Actor },
    ): Promise<{ refundId: string; amountFen: number; status: 'requested' | 'completed'; providerRef: string | null }> {
      if (!Number.isSafeInteger(input.amountFen) || input.amountFen < 0)
        throw new AppError('VALIDATION_FAILED', 'amountFen must be a non-negative integer');
      const actor = input.actor ?? systemActor;
      const order = await repo.lockOrder(trx, input.orderId);
      if (!order) throw new AppError('NOT_FOUND', 'No such payment order');
      if (order.status !== 'paid' || !order.paid_txn_id)
        throw new AppError('INVALID_STATE', `A ${order.status} order has no premium to refund`);
      const refunded = await repo.refundedFromTxn(trx, order.id, order.paid_txn_id);
      const refundable = order.amount_fen - refunded;
      if (input.amountFen > refundable) {
        throw new AppError('REFUND_EXCEEDS_PAID', `At most ${refundable} fen can be refunded`, [
          { path: 'amountFen', code: 'max', message: `paid ${order.amount_fen} fen, refunded ${refunded} fen` },
        ]);
      }
      const r = await requestRefund(trx, {
        orderId: order.id,
        policyId: input.policyId,
        amountFen: input.amountFen,
        reason: input.reason,
        toAccountCipher: order.payer_account_cipher,
        providerTxnId: order.paid_txn_id,
        actor,
      });
      if (input.amountFen === 0) {
        // Nothing to move (e.g. the whole premium went to the allowed cost): complete without the gateway.
        await completeWithEvent(trx, r, 'none', actor);
        return { refundId: r.id, amountFen: 0, status: 'completed', providerRef: null };
      }
      const sent = await sendRefund(r);
      if ('error' in sent) {
        await repo.noteRefundFailure(trx, r.id, sent.error);
        return { refundId: r.id, amountFen: r.amount_fen, status: 'requested', providerRef: null };
      }
      await completeWithEvent(trx, r, sent.providerRef, actor);
      return { refundId: r.id, amountFen: r.amount_fen, status: 'completed', providerRef: sent.providerRef };
    },

    /** Sends refunds the gateway has not confirmed yet again (each idempotent by its id); returns how many completed. */
    async retryRequestedRefunds(limit = 100): Promise<number> {
      let completed = 0;
      for (const r of await repo.listRequestedRefunds(db, limit)) {
        if ((await settleRefund(r.id, systemActor)) === 'completed') completed++;
      }
      return completed;
    },

    /**
     * Reconciliation (requirements §2.5): compares what the platform's books say the gateway should still hold
     * for each order created in [from, to) with what the gateway's query API reports. The platform expects the
     * premium of a paid order less completed refunds of its paying transaction, plus every refund not yet
     * completed of any other transaction. Returns the orders that disagree (a lost notification, a refund the
     * gateway never made, a payment the gateway never took).
     */
    async reconcileOrders(range: { from: Date; to: Date }) {
      const orders = await db
        .selectFrom('payment_orders')
        .select(['id', 'status', 'amount_fen', 'paid_txn_id', 'provider'])
        .where('provider', '=', payments.name)
        .where('created_at', '>=', range.from)
        .where('created_at', '<', range.to)
        .orderBy('created_at')
        .execute();
      const mismatches: Array<{
        orderId: string;
        platformStatus: string;
        gatewayStatus: string;
        expectedHeldFen: number;
        gatewayHeldFen: number;
      }> = [];
      for (const o of orders) {
        const refunds = await repo.listRefunds(db, o.id);
        let expected = o.status === 'paid' ? o.amount_fen : 0;
        for (const r of refunds) {
          const ofPaidTxn = o.status === 'paid' && r.provider_txn_id === o.paid_txn_id;
          if (ofPaidTxn && r.status === 'completed') expected -= r.amount_fen;
          if (!ofPaidTxn && r.status === 'requested') expected += r.amount_fen;
        }
        const g = await payments.queryPayment(o.id);
        const held = g.status === 'paid' ? (g.paidFen ?? 0) : 0;
        if (held !== expected)
          mismatches.push({
            orderId: o.id,
            platformStatus: o.status,
            gatewayStatus: g.status,
            expectedHeldFen: expected,
            gatewayHeldFen: held,
          });
      }
      return { checked: orders.length, mismatches };
    },

    /** Expires every pending order whose time is up; a payment that still arrives for one is refunded. */
    async expireUnpaidOrders(now: Date = clock.now()): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const expired = await repo.expireDue(trx, now);
        for (const o of expired) {
          await recordEvent(trx, {
            type: 'payment.order_expired',
            actor: systemActor,
            subject: { type: 'payment_order', id: o.id },
            payload: { applicationId: o.application_id },
            at: now,
          });
        }
        return expired.length;
      });
    },

    /** The consumer's view of their own payment order. */
    async getOrder(actor: Actor, orderId: string) {
      const consumer = requireConsumer(actor);
      const order = await repo.findOrder(db, orderId);
      const app = order && (await findApplication(db, order.application_id));
      // Someone else's order is answered as not found: its existence is not disclosed.
      if (!order || !app || app.consumer_id !== consumer.id) throw new AppError('NOT_FOUND', 'No such payment order');
      const refunds = await repo.listRefunds(db, order.id);
      return {
        id: order.id,
        applicationId: order.application_id,
        status: order.status,
        amountFen: order.amount_fen,
        payee: { accountName: config.PREMIUM_ACCOUNT_NAME, accountNo: order.payee_account_no },
        payUrl: order.status === 'pending' ? order.pay_url : null,
        expiresAt: order.expires_at,
        paidAt: order.paid_at,
        refusedAt: order.refused_at,
        refusedReason: order.refused_reason,
        expiredAt: order.expired_at,
        payerAccountMasked: order.payer_account_cipher ? maskBankAccount(pii.decrypt('bank_account', order.payer_account_cipher)) : null,
        refunds: refunds.map((r) => ({
          id: r.id,
          amountFen: r.amount_fen,
          reason: r.reason,
          status: r.status,
          requestedAt: r.requested_at,
          completedAt: r.completed_at,
        })),
      };
    },
  };
}
export type PaymentService = ReturnType<typeof createPaymentService>;
