import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { AppError } from '../../platform/errors.js';
import { buildAwaitingPaymentApplication, POLICYHOLDER } from './payment.fixtures.js';
import { signGatewayNotification, type GatewayNotificationBody } from './dev-gateway.provider.js';
import type { CompleteSale, PaidOrder } from './index.js';

const NOTIFY_URL = '/v1/payments/notifications/dev-gateway';
const HOLDER_ACCOUNT = '6222021234567890123';
const THIRD_PARTY = { name: '李四', idNumber: '110101199003074258', accountNo: '6217001234567890' };

let ctx: TestContext;
let paidCalls: PaidOrder[];
/** The sale a confirmed payment completes, standing in for the purchase flow; a test may swap it. */
let completeSale: CompleteSale;

beforeAll(async () => {
  ctx = await createTestContext({ completeSale: (trx, paid) => completeSale(trx, paid) });
});
afterAll(async () => ctx?.close());
beforeEach(() => {
  ctx.pendingNotifications.splice(0);
  paidCalls = [];
  // The sale stands in as a recorder; it writes in the payment's transaction like the real one.
  completeSale = async (trx, paid) => {
    paidCalls.push(paid);
    await trx
      .updateTable('applications')
      .set({ status: 'issued', paid_at: paid.paidAt, issued_at: paid.paidAt })
      .where('id', '=', paid.applicationId)
      .execute();
  };
});

async function openOrder(opts: { premiumFen?: number } = {}) {
  const fx = await buildAwaitingPaymentApplication(ctx.db, ctx.platform.pii, { at: ctx.clock.now(), premiumFen: opts.premiumFen });
  const order = await ctx.db.transaction().execute((trx) =>
    ctx.services.payments.openOrder(trx, {
      applicationId: fx.applicationId,
      amountFen: fx.premiumFen,
      expectedPayer: POLICYHOLDER,
      description: '测试意外险 保险费',
    }),
  );
  return { ...fx, ...order };
}

/** The payer pays on the gateway's page (JSON form post); the gateway queues its signed notification. */
async function payOnGateway(payUrl: string, payer: { name: string; idNumber: string; accountNo: string }) {
  const res = await ctx.app.inject({ method: 'POST', url: new URL(payUrl).pathname, payload: payer });
  expect(res.statusCode).toBe(200);
  return res.json() as { txnId: string };
}

const holderPayer = { name: POLICYHOLDER.name, idNumber: POLICYHOLDER.idNumber, accountNo: HOLDER_ACCOUNT };

const getOrderRow = (id: string) => ctx.db.selectFrom('payment_orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const countRows = async (table: 'payment_notifications' | 'refunds', orderId: string) =>
  Number(
    (
      await ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('order_id', '=', orderId)
        .executeTakeFirstOrThrow()
    ).n,
  );
const eventTypes = async (orderId: string) =>
  (await ctx.db.selectFrom('events').select('type').where('subject_id', '=', orderId).orderBy('seq').execute()).map((e) => e.type);

/** Plays the gateway directly: a correctly signed notification with any content. */
function signedNotification(body: GatewayNotificationBody, at = ctx.clock.now(), key = ctx.platform.keys.gatewayPrivateKeyPem!) {
  const raw = JSON.stringify(body);
  return { body: raw, headers: signGatewayNotification(key, raw, at) };
}
const post = (n: { body: string; headers: Record<string, string> }) =>
  ctx.app.inject({ method: 'POST', url: NOTIFY_URL, headers: n.headers, payload: n.body });

describe('openOrder', () => {
  it('M§19 the premium lands in the dedicated premium account', async () => {
    const o = await openOrder();
    const row = await getOrderRow(o.orderId);
    expect(row).toMatchObject({ status: 'pending', payee_account_no: ctx.config.PREMIUM_ACCOUNT_NO, amount_fen: o.premiumFen });
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(ctx.config.PAYMENT_ORDER_TTL_MINUTES * 60_000);
    expect(o.payUrl).toMatch(/^http:\/\/wangbao\.test\/dev-gateway\/pay\/gw_/);
    // The gateway was asked to collect into the premium account, and that is where the money is reported to land.
    const txn = await ctx.db
      .selectFrom('dev_gateway_transactions')
      .selectAll()
      .where('merchant_order_id', '=', o.orderId)
      .executeTakeFirstOrThrow();
    expect(txn.payee_account_no).toBe(ctx.config.PREMIUM_ACCOUNT_NO);

    await payOnGateway(o.payUrl, holderPayer);
    const [res] = await ctx.deliverNotifications();
    expect(res).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(res!.body)).toEqual({ result: 'success' });
    const paid = await getOrderRow(o.orderId);
    expect(paid.status).toBe('paid');
    expect(paid.paid_txn_id).toBe(txn.id);
    expect(paidCalls).toHaveLength(1);
    expect(paidCalls[0]).toMatchObject({ orderId: o.orderId, applicationId: o.applicationId, payerAccountNo: HOLDER_ACCOUNT });
    // The sale ran in the payment's transaction: its write is committed with the payment.
    expect(
      (await ctx.db.selectFrom('applications').select('status').where('id', '=', o.applicationId).executeTakeFirstOrThrow()).status,
    ).toBe('issued');
    expect(await eventTypes(o.orderId)).toEqual(['payment.order_created', 'payment.notification_received']);
  });

  it('M§19 refuses and returns a payment the gateway reports as landing in another account', async () => {
    const o = await openOrder();
    const txnId = new URL(o.payUrl).pathname.split('/').at(-1)!;
    const res = await post(
      signedNotification({
        txnId,
        merchantOrderId: o.orderId,
        status: 'paid',
        amountFen: o.premiumFen,
        payeeAccountNo: '6222999988887777666',
        payer: holderPayer,
        paidAt: ctx.clock.now().toISOString(),
      }),
    );
    expect(res.statusCode).toBe(200);
    const row = await getOrderRow(o.orderId);
    expect(row).toMatchObject({ status: 'refused', refused_reason: 'payee_not_premium_account' });
    expect(paidCalls).toHaveLength(0);
    expect(await countRows('refunds', o.orderId)).toBe(1);
  });
});

describe('handleNotification', () => {
  it('M§40 refuses and returns a payment from a third-party payer', async () => {
    const o = await openOrder();
    const { txnId } = await payOnGateway(o.payUrl, THIRD_PARTY);
    const [res] = await ctx.deliverNotifications();
    expect(res!.statusCode).toBe(200);

    const row = await getOrderRow(o.orderId);
    expect(row).toMatchObject({ status: 'refused', refused_reason: 'payer_not_policyholder', paid_at: null });
    expect(row.refused_at).not.toBeNull();
    expect(paidCalls).toHaveLength(0);
    const refunds = await ctx.db.selectFrom('refunds').selectAll().where('order_id', '=', o.orderId).execute();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount_fen: o.premiumFen, status: 'completed', provider_txn_id: txnId });
    // Back to the account it came from.
    expect(ctx.platform.pii.decrypt('bank_account', refunds[0]!.to_account_cipher!)).toBe(THIRD_PARTY.accountNo);
    const txn = await ctx.db.selectFrom('dev_gateway_transactions').selectAll().where('id', '=', txnId).executeTakeFirstOrThrow();
    expect(txn.refunded_fen).toBe(o.premiumFen);
    expect(await eventTypes(o.orderId)).toEqual(['payment.order_created', 'payment.refused', 'refund.requested', 'refund.completed']);
  });

  it("M§40 refuses a payer with the policyholder's ID number but another name", async () => {
    const o = await openOrder();
    await payOnGateway(o.payUrl, { name: '王大明', idNumber: POLICYHOLDER.idNumber, accountNo: HOLDER_ACCOUNT });
    await ctx.deliverNotifications();
    expect(await getOrderRow(o.orderId)).toMatchObject({ status: 'refused', refused_reason: 'payer_not_policyholder' });
    expect(paidCalls).toHaveLength(0);
  });

  it('accepts the policyholder whatever the case of the ID check character', async () => {
    const o = await openOrder();
    await payOnGateway(o.payUrl, { ...holderPayer, idNumber: POLICYHOLDER.idNumber.toLowerCase() });
    await ctx.deliverNotifications();
    expect((await getOrderRow(o.orderId)).status).toBe('paid');
  });

  describe('a forged notification answers 400 and changes nothing', () => {
    const cases: Array<
      [string, (n: { body: string; headers: Record<string, string> }) => { body: string; headers: Record<string, string> }]
    > = [
      ['a changed body', (n) => ({ ...n, body: n.body.replace(/"amountFen":\d+/, '"amountFen":1') })],
      ['a changed payer', (n) => ({ ...n, body: n.body.replace(THIRD_PARTY.name, POLICYHOLDER.name) })],
      [
        'a wrong key',
        (n) => {
          const other = generateKeyPairSync('ed25519').privateKey;
          return { body: n.body, headers: signGatewayNotification(other, n.body, ctx.clock.now()) };
        },
      ],
      [
        'a stale timestamp',
        (n) => ({
          body: n.body,
          headers: signGatewayNotification(
            ctx.platform.keys.gatewayPrivateKeyPem!,
            n.body,
            new Date(ctx.clock.now().getTime() - 11 * 60_000),
          ),
        }),
      ],
      [
        'a shifted timestamp header',
        (n) => ({ ...n, headers: { ...n.headers, 'x-gateway-timestamp': String(Number(n.headers['x-gateway-timestamp']) + 1) } }),
      ],
      [
        'no signature',
        (n) => ({ ...n, headers: { 'content-type': 'application/json', 'x-gateway-timestamp': n.headers['x-gateway-timestamp']! } }),
      ],
      ['garbage signature', (n) => ({ ...n, headers: { ...n.headers, 'x-gateway-signature': 'not base64!' } })],
    ];
    it.each(cases)('%s', async (_label, tamper) => {
      const o = await openOrder();
      await payOnGateway(o.payUrl, THIRD_PARTY);
      const genuine = ctx.pendingNotifications.splice(0)[0]!;
      const rejectedBefore = Number(
        (
          await ctx.db
            .selectFrom('events')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('type', '=', 'payment.notification_rejected')
            .executeTakeFirstOrThrow()
        ).n,
      );
      // The forgery tries to pass off the third party as the policyholder, or at least to be processed.
      const forged = tamper(genuine);
      const res = await post(forged);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('PAYMENT_NOTIFICATION_INVALID');
      expect((await getOrderRow(o.orderId)).status).toBe('pending');
      expect(await countRows('payment_notifications', o.orderId)).toBe(0);
      expect(await countRows('refunds', o.orderId)).toBe(0);
      expect(paidCalls).toHaveLength(0);
      const rejected = await ctx.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'payment.notification_rejected')
        .orderBy('seq', 'desc')
        .execute();
      expect(rejected.length).toBe(rejectedBefore + 1);
      expect(JSON.stringify(rejected[0]!.payload)).not.toContain(THIRD_PARTY.idNumber);
    });
  });

  it('answers a duplicated notification with success and changes nothing the second time', async () => {
    const o = await openOrder();
    await payOnGateway(o.payUrl, holderPayer);
    const n = ctx.pendingNotifications[0]!;
    ctx.pendingNotifications.push({ ...n }, { ...n });
    const results = await ctx.deliverNotifications();
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect((await getOrderRow(o.orderId)).status).toBe('paid');
    expect(await countRows('payment_notifications', o.orderId)).toBe(1);
    expect(paidCalls).toHaveLength(1);
    expect((await eventTypes(o.orderId)).filter((t) => t === 'payment.notification_received')).toHaveLength(1);
  });

  it('completes the sale exactly once when the same notification arrives twice at the same time', async () => {
    const o = await openOrder();
    await payOnGateway(o.payUrl, holderPayer);
    const n = ctx.pendingNotifications.splice(0)[0]!;
    const [a, b] = await Promise.all([post(n), post(n)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(paidCalls).toHaveLength(1);
    expect(await countRows('payment_notifications', o.orderId)).toBe(1);
    expect((await getOrderRow(o.orderId)).status).toBe('paid');
  });

  it('returns in full a second, different payment for an order already paid', async () => {
    const o = await openOrder();
    // The consumer opens a second payment attempt at the gateway for the same order and pays both.
    const second = await ctx.platform.payments.createPayment({
      orderId: o.orderId,
      amountFen: o.premiumFen,
      payeeAccountNo: ctx.config.PREMIUM_ACCOUNT_NO,
      expectedPayer: POLICYHOLDER,
      description: '测试意外险 保险费',
      expiresAt: o.expiresAt,
    });
    const first = await payOnGateway(o.payUrl, holderPayer);
    const again = await payOnGateway(second.payUrl, { ...holderPayer, accountNo: '6222020000000000001' });
    const results = await ctx.deliverNotifications();
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);

    const row = await getOrderRow(o.orderId);
    expect(row).toMatchObject({ status: 'paid', paid_txn_id: first.txnId });
    expect(paidCalls).toHaveLength(1);
    const refunds = await ctx.db.selectFrom('refunds').selectAll().where('order_id', '=', o.orderId).execute();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      provider_txn_id: again.txnId,
      amount_fen: o.premiumFen,
      status: 'completed',
      reason: 'order_already_paid',
    });
    expect(ctx.platform.pii.decrypt('bank_account', refunds[0]!.to_account_cipher!)).toBe('6222020000000000001');
    const txns = await ctx.db
      .selectFrom('dev_gateway_transactions')
      .select(['id', 'refunded_fen'])
      .where('merchant_order_id', '=', o.orderId)
      .execute();
    expect(Object.fromEntries(txns.map((t) => [t.id, t.refunded_fen]))).toEqual({ [first.txnId]: 0, [again.txnId]: o.premiumFen });
    const notes = await ctx.db
      .selectFrom('payment_notifications')
      .select(['provider_txn_id', 'outcome'])
      .where('order_id', '=', o.orderId)
      .execute();
    expect(notes).toHaveLength(2);
    expect(Object.fromEntries(notes.map((x) => [x.provider_txn_id, x.outcome]))).toEqual({
      [first.txnId]: 'paid',
      [again.txnId]: 'refunded',
    });
  });

  it('returns the payment in full when the sale refuses it, undoing the sale’s partial work', async () => {
    const o = await openOrder();
    completeSale = async (trx, paid) => {
      await trx.updateTable('applications').set({ status: 'issued' }).where('id', '=', paid.applicationId).execute();
      throw new AppError('INVALID_STATE', 'the application cannot be issued');
    };
    await payOnGateway(o.payUrl, holderPayer);
    const [res] = await ctx.deliverNotifications();
    expect(res!.statusCode).toBe(200);
    expect(await getOrderRow(o.orderId)).toMatchObject({ status: 'refused', refused_reason: 'issuance_refused' });
    expect(
      (await ctx.db.selectFrom('applications').select('status').where('id', '=', o.applicationId).executeTakeFirstOrThrow()).status,
    ).toBe('awaiting_payment');
    expect(await ctx.db.selectFrom('refunds').select(['amount_fen', 'status']).where('order_id', '=', o.orderId).execute()).toEqual([
      { amount_fen: o.premiumFen, status: 'completed' },
    ]);
  });

  it('leaves nothing behind when the sale fails unexpectedly, so the gateway retry is processed afresh', async () => {
    const o = await openOrder();
    let fail = true;
    completeSale = async (_trx, paid) => {
      if (fail) throw new Error('database hiccup');
      paidCalls.push(paid);
    };
    await payOnGateway(o.payUrl, holderPayer);
    const n = ctx.pendingNotifications.splice(0)[0]!;
    expect((await post(n)).statusCode).toBe(500);
    expect((await getOrderRow(o.orderId)).status).toBe('pending');
    expect(await countRows('payment_notifications', o.orderId)).toBe(0);
    fail = false;
    expect((await post(n)).statusCode).toBe(200);
    expect((await getOrderRow(o.orderId)).status).toBe('paid');
    expect(paidCalls).toHaveLength(1);
  });

  it('answers 404 for a genuine notification naming an unknown order', async () => {
    const res = await post(
      signedNotification({
        txnId: 'gw_unknown',
        merchantOrderId: 'pay_unknown',
        status: 'paid',
        amountFen: 100,
        payeeAccountNo: ctx.config.PREMIUM_ACCOUNT_NO,
        payer: holderPayer,
        paidAt: ctx.clock.now().toISOString(),
      }),
    );
    expect(res.statusCode).toBe(404);
  });
});

describe('expireUnpaidOrders', () => {
  it('expires pending orders past their time, once, and the gateway no longer collects', async () => {
    // Orders left pending by earlier tests expire first, so the counts below are this order's alone.
    ctx.clock.advance(ctx.config.PAYMENT_ORDER_TTL_MINUTES * 60_000);
    await ctx.services.payments.expireUnpaidOrders(ctx.clock.now());
    const o = await openOrder();
    ctx.clock.advance(ctx.config.PAYMENT_ORDER_TTL_MINUTES * 60_000 - 1000);
    expect(await ctx.services.payments.expireUnpaidOrders(ctx.clock.now())).toBe(0);
    ctx.clock.advance(1000);
    expect(await ctx.services.payments.expireUnpaidOrders(ctx.clock.now())).toBe(1);
    expect(await ctx.services.payments.expireUnpaidOrders(ctx.clock.now())).toBe(0);
    const row = await getOrderRow(o.orderId);
    expect(row.status).toBe('expired');
    expect(row.expired_at).toEqual(ctx.clock.now());
    expect(await eventTypes(o.orderId)).toEqual(['payment.order_created', 'payment.order_expired']);
    const res = await ctx.app.inject({ method: 'POST', url: new URL(o.payUrl).pathname, payload: holderPayer });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('PAYMENT_ORDER_EXPIRED');
  });

  it('refunds a payment whose notification arrives after the order expired', async () => {
    const o = await openOrder();
    ctx.clock.advance(ctx.config.PAYMENT_ORDER_TTL_MINUTES * 60_000 - 30_000);
    const { txnId } = await payOnGateway(o.payUrl, holderPayer);
    ctx.clock.advance(60_000);
    expect(await ctx.services.payments.expireUnpaidOrders(ctx.clock.now())).toBe(1);
    const [res] = await ctx.deliverNotifications();
    expect(res!.statusCode).toBe(200);
    expect((await getOrderRow(o.orderId)).status).toBe('expired');
    expect(paidCalls).toHaveLength(0);
    expect(
      await ctx.db
        .selectFrom('refunds')
        .select(['amount_fen', 'status', 'reason', 'provider_txn_id'])
        .where('order_id', '=', o.orderId)
        .execute(),
    ).toEqual([{ amount_fen: o.premiumFen, status: 'completed', reason: 'order_expired', provider_txn_id: txnId }]);
  });

  it('expires and refunds a payment made after expiry that arrives before the sweep', async () => {
    const o = await openOrder();
    const txnId = new URL(o.payUrl).pathname.split('/').at(-1)!;
    ctx.clock.advance(ctx.config.PAYMENT_ORDER_TTL_MINUTES * 60_000 + 60_000);
    const res = await post(
      signedNotification({
        txnId,
        merchantOrderId: o.orderId,
        status: 'paid',
        amountFen: o.premiumFen,
        payeeAccountNo: ctx.config.PREMIUM_ACCOUNT_NO,
        payer: holderPayer,
        paidAt: ctx.clock.now().toISOString(),
      }),
    );
    expect(res.statusCode).toBe(200);
    expect((await getOrderRow(o.orderId)).status).toBe('expired');
    expect(paidCalls).toHaveLength(0);
    // The gateway never collected this one (it was closed), so its refund stays requested for a later retry.
    const refunds = await ctx.db
      .selectFrom('refunds')
      .select(['amount_fen', 'status', 'reason'])
      .where('order_id', '=', o.orderId)
      .execute();
    expect(refunds).toEqual([{ amount_fen: o.premiumFen, status: 'requested', reason: 'order_expired' }]);
  });
});

describe('refundOrder', () => {
  async function paidOrder() {
    const o = await openOrder({ premiumFen: 35_800 });
    await payOnGateway(o.payUrl, holderPayer);
    await ctx.deliverNotifications();
    return o;
  }
  const refund = (orderId: string, amountFen: number) =>
    ctx.db
      .transaction()
      .execute((trx) => ctx.services.payments.refundOrder(trx, { orderId, policyId: null, amountFen, reason: 'cooling_off_cancellation' }));

  it('refunds to the original paying account, never more than was paid less earlier refunds', async () => {
    const o = await paidOrder();
    await expect(refund(o.orderId, 35_801)).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });
    const a = await refund(o.orderId, 20_000);
    expect(a).toMatchObject({ amountFen: 20_000, status: 'completed' });
    expect(a.providerRef).toMatch(/^gw_/);
    await expect(refund(o.orderId, 15_801)).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });
    expect(await refund(o.orderId, 15_800)).toMatchObject({ status: 'completed' });
    await expect(refund(o.orderId, 1)).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });
    const rows = await ctx.db.selectFrom('refunds').selectAll().where('order_id', '=', o.orderId).execute();
    expect(rows.map((r) => r.amount_fen).sort()).toEqual([15_800, 20_000]);
    for (const r of rows) expect(ctx.platform.pii.decrypt('bank_account', r.to_account_cipher!)).toBe(HOLDER_ACCOUNT);
    const txn = await ctx.db
      .selectFrom('dev_gateway_transactions')
      .select('refunded_fen')
      .where('merchant_order_id', '=', o.orderId)
      .executeTakeFirstOrThrow();
    expect(txn.refunded_fen).toBe(35_800);
    expect(await ctx.platform.payments.queryPayment(o.orderId)).toEqual({ status: 'refunded', paidFen: 0 });
  });

  it('caps concurrent refunds of one order at what was paid', async () => {
    const o = await paidOrder();
    const results = await Promise.allSettled([refund(o.orderId, 30_000), refund(o.orderId, 30_000)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'REFUND_EXCEEDS_PAID' } });
  });

  it('refuses to refund an order that was never paid', async () => {
    const o = await openOrder();
    await expect(refund(o.orderId, 100)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});

describe('GET /v1/payment-orders/:id', () => {
  it("shows the consumer their own order with the payer's account masked, and no one else's", async () => {
    const o = await openOrder();
    const pending = await ctx.app.inject({ url: `/v1/payment-orders/${o.orderId}`, headers: { authorization: `Bearer ${o.token}` } });
    expect(pending.statusCode).toBe(200);
    expect(pending.json()).toMatchObject({
      id: o.orderId,
      status: 'pending',
      payUrl: o.payUrl,
      payee: { accountNo: ctx.config.PREMIUM_ACCOUNT_NO },
    });
    await payOnGateway(o.payUrl, holderPayer);
    await ctx.deliverNotifications();
    const paid = await ctx.app.inject({ url: `/v1/payment-orders/${o.orderId}`, headers: { authorization: `Bearer ${o.token}` } });
    expect(paid.json()).toMatchObject({ status: 'paid', payUrl: null, payerAccountMasked: '****0123' });
    expect(paid.body).not.toContain(HOLDER_ACCOUNT);

    const other = await openOrder();
    const foreign = await ctx.app.inject({ url: `/v1/payment-orders/${o.orderId}`, headers: { authorization: `Bearer ${other.token}` } });
    expect(foreign.statusCode).toBe(404);
    expect((await ctx.app.inject({ url: `/v1/payment-orders/${o.orderId}` })).statusCode).toBe(401);
  });
});

describe('reconcileOrders', () => {
  it('agrees with the gateway after payments, refusals and refunds, and names an order whose notification was lost', async () => {
    ctx.clock.advanceDays(1);
    const from = ctx.clock.now();
    const paid = await openOrder();
    await payOnGateway(paid.payUrl, holderPayer);
    const refused = await openOrder();
    await payOnGateway(refused.payUrl, THIRD_PARTY);
    await ctx.deliverNotifications();
    await ctx.db
      .transaction()
      .execute((trx) => ctx.services.payments.refundOrder(trx, { orderId: paid.orderId, amountFen: 1000, reason: 'partial' }));
    const untouched = await openOrder();
    const lost = await openOrder();
    await payOnGateway(lost.payUrl, holderPayer);
    ctx.pendingNotifications.splice(0); // the gateway's notification never arrives

    const report = await ctx.services.payments.reconcileOrders({ from, to: new Date(ctx.clock.now().getTime() + 1) });
    expect(report.checked).toBe(4);
    expect(report.mismatches).toEqual([
      { orderId: lost.orderId, platformStatus: 'pending', gatewayStatus: 'paid', expectedHeldFen: 0, gatewayHeldFen: lost.premiumFen },
    ]);
    void untouched;
  });
});

describe('personal data at rest', () => {
  it('M§38 keeps no payer name, ID number or account in plaintext in any table', async () => {
    // By now this database holds payments by the policyholder and by a third party, refusals and refunds.
    const tables = await sql<{
      table_name: string;
    }>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(ctx.db);
    expect(tables.rows.length).toBeGreaterThan(10);
    const secrets = [
      POLICYHOLDER.idNumber,
      HOLDER_ACCOUNT,
      THIRD_PARTY.idNumber,
      THIRD_PARTY.accountNo,
      THIRD_PARTY.name,
      POLICYHOLDER.name,
      '6222020000000000001',
    ];
    expect(
      await ctx.db.selectFrom('dev_gateway_transactions').select('id').where('payer_account_cipher', 'is not', null).execute(),
    ).not.toHaveLength(0);
    for (const { table_name } of tables.rows) {
      const dump = await sql<{ t: string | null }>`select string_agg(x::text, E'\n') as t from ${sql.table(table_name)} x`.execute(ctx.db);
      const text = dump.rows[0]?.t ?? '';
      for (const s of secrets) expect(text.includes(s), `${table_name} holds ${s.slice(0, 3)}…`).toBe(false);
    }
  });
});
