import type { DbOrTrx } from '../../db/database.js';
import type { NewRow, Row } from '../../db/schema.js';

/** Kysely queries for payment orders, notifications and refunds; no rules here. */

export type PaymentOrderRow = Row<'payment_orders'>;
export type RefundRow = Row<'refunds'>;

export async function insertOrder(db: DbOrTrx, row: NewRow<'payment_orders'>): Promise<void> {
  await db.insertInto('payment_orders').values(row).execute();
}

export async function findOrder(db: DbOrTrx, id: string): Promise<PaymentOrderRow | undefined> {
  return db.selectFrom('payment_orders').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the order row: notifications and refunds of one order are decided one at a time. */
export async function lockOrder(db: DbOrTrx, id: string): Promise<PaymentOrderRow | undefined> {
  return db.selectFrom('payment_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function setPayUrl(db: DbOrTrx, id: string, payUrl: string, providerOrderRef: string): Promise<void> {
  await db.updateTable('payment_orders').set({ pay_url: payUrl, provider_order_ref: providerOrderRef }).where('id', '=', id).execute();
}

/** pending → paid; answers false when another change won. */
export async function markPaid(
  db: DbOrTrx,
  id: string,
  v: { paidAt: Date; txnId: string; payerAccountCipher: string; payerAccountIndex: string },
): Promise<boolean> {
  const r = await db
    .updateTable('payment_orders')
    .set({
      status: 'paid',
      paid_at: v.paidAt,
      paid_txn_id: v.txnId,
      payer_account_cipher: v.payerAccountCipher,
      payer_account_index: v.payerAccountIndex,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** from → refused; answers false when another change won. */
export async function markRefused(
  db: DbOrTrx,
  id: string,
  from: 'pending' | 'paid',
  v: { at: Date; reason: string; txnId: string; payerAccountCipher: string; payerAccountIndex: string },
): Promise<boolean> {
  const r = await db
    .updateTable('payment_orders')
    .set({
      status: 'refused',
      refused_at: v.at,
      refused_reason: v.reason,
      paid_txn_id: v.txnId,
      payer_account_cipher: v.payerAccountCipher,
      payer_account_index: v.payerAccountIndex,
    })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markExpired(db: DbOrTrx, id: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('payment_orders')
    .set({ status: 'expired', expired_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every pending order whose time is up, expired in one conditional update. */
export async function expireDue(db: DbOrTrx, now: Date): Promise<Array<{ id: string; application_id: string }>> {
  return db
    .updateTable('payment_orders')
    .set({ status: 'expired', expired_at: now })
    .where('status', '=', 'pending')
    .where('expires_at', '<=', now)
    .returning(['id', 'application_id'])
    .execute();
}

export async function findNotification(db: DbOrTrx, provider: string, providerTxnId: string) {
  return db
    .selectFrom('payment_notifications')
    .selectAll()
    .where('provider', '=', provider)
    .where('provider_txn_id', '=', providerTxnId)
    .executeTakeFirst();
}

export async function insertNotification(db: DbOrTrx, row: NewRow<'payment_notifications'>): Promise<void> {
  await db.insertInto('payment_notifications').values(row).execute();
}

export async function insertRefund(db: DbOrTrx, row: NewRow<'refunds'>): Promise<void> {
  await db.insertInto('refunds').values(row).execute();
}

export async function findRefund(db: DbOrTrx, id: string): Promise<RefundRow | undefined> {
  return db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRefunds(db: DbOrTrx, orderId: string): Promise<RefundRow[]> {
  return db.selectFrom('refunds').selectAll().where('order_id', '=', orderId).orderBy('requested_at').orderBy('id').execute();
}

/** Money already returned, or on its way back, from one gateway transaction. */
export async function refundedFromTxn(db: DbOrTrx, orderId: string, txnId: string): Promise<number> {
  const r = await db
    .selectFrom('refunds')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_fen'), eb.lit(0)).as('total'))
    .where('order_id', '=', orderId)
    .where('provider_txn_id', '=', txnId)
    .where('status', 'in', ['requested', 'completed'])
    .executeTakeFirstOrThrow();
  return Number(r.total);
}

export async function completeRefund(db: DbOrTrx, id: string, providerRef: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('refunds')
    .set({ status: 'completed', provider_ref: providerRef, completed_at: at, failure_reason: null })
    .where('id', '=', id)
    .where('status', '=', 'requested')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function noteRefundFailure(db: DbOrTrx, id: string, reason: string): Promise<void> {
  await db
    .updateTable('refunds')
    .set({ failure_reason: reason.slice(0, 500) })
    .where('id', '=', id)
    .where('status', '=', 'requested')
    .execute();
}

export async function listRequestedRefunds(db: DbOrTrx, limit: number): Promise<RefundRow[]> {
  return db.selectFrom('refunds').selectAll().where('status', '=', 'requested').orderBy('requested_at').limit(limit).execute();
}

/** The paid order of an application (at most one: a paid order issues the application's policy). */
export async function findPaidOrder(db: DbOrTrx, applicationId: string): Promise<PaymentOrderRow | undefined> {
  return db
    .selectFrom('payment_orders')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('status', '=', 'paid')
    .executeTakeFirst();
}

/** The ids of every payment order of an application. */
export async function listOrderIdsOf(db: DbOrTrx, applicationId: string): Promise<string[]> {
  return (await db.selectFrom('payment_orders').select('id').where('application_id', '=', applicationId).execute()).map((o) => o.id);
}
