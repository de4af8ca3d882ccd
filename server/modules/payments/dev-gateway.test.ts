import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { buildAwaitingPaymentApplication, POLICYHOLDER } from './payment.fixtures.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDevPaymentGateway, isDevPaymentGateway, signGatewayNotification } from './dev-gateway.provider.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ completeSale: async () => {} });
});
afterAll(async () => ctx?.close());

async function openOrder(premiumFen = 123_456) {
  const fx = await buildAwaitingPaymentApplication(ctx.db, ctx.platform.pii, { at: ctx.clock.now(), premiumFen });
  return ctx.db.transaction().execute((trx) =>
    ctx.services.payments.openOrder(trx, {
      applicationId: fx.applicationId,
      amountFen: premiumFen,
      expectedPayer: POLICYHOLDER,
      description: '测试意外险 保险费',
    }),
  );
}

describe('the development gateway', () => {
  it('renders a zh-CN payment page with merchant, amount in yuan and the payer form', async () => {
    const o = await openOrder();
    const res = await ctx.app.inject({ url: new URL(o.payUrl).pathname });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const html = res.body;
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain(ctx.config.PREMIUM_ACCOUNT_NAME);
    expect(html).toContain('¥1,234.56');
    expect(html).toContain('测试意外险 保险费');
    for (const label of ['户名', '身份证号', '银行卡号']) expect(html).toContain(label);
    for (const field of ['name="name"', 'name="idNumber"', 'name="accountNo"']) expect(html).toContain(field);
    expect(html).toMatch(new RegExp(`<form method="post" action="${new URL(o.payUrl).pathname}">`));
    // The premium account is shown masked on a page anyone with the link can open.
    expect(html).not.toContain(ctx.config.PREMIUM_ACCOUNT_NO);
  });

  it('turns the form post into a signed notification the platform verifies', async () => {
    const o = await openOrder();
    const path = new URL(o.payUrl).pathname;
    const form = new URLSearchParams({
      name: POLICYHOLDER.name,
      idNumber: POLICYHOLDER.idNumber,
      accountNo: '6222 0212 3456 7890 123',
    }).toString();
    const res = await ctx.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('支付成功');

    expect(ctx.pendingNotifications).toHaveLength(1);
    const n = ctx.pendingNotifications[0]!;
    expect(n.headers['x-gateway-signature']).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const verified = ctx.platform.payments.verifyNotification(n.body, n.headers);
    expect(verified).toMatchObject({
      orderId: o.orderId,
      status: 'paid',
      amountFen: 123_456,
      payeeAccountNo: ctx.config.PREMIUM_ACCOUNT_NO,
      payer: { name: POLICYHOLDER.name, idNumber: POLICYHOLDER.idNumber, accountNo: '6222021234567890123' },
    });
    expect(verified!.paidAt).toEqual(ctx.clock.now());

    // The page now says it is paid and offers no form; paying twice is refused.
    const again = await ctx.app.inject({ url: path });
    expect(again.body).toContain('已支付');
    expect(again.body).not.toContain('<form');
    const twice = await ctx.app.inject({
      method: 'POST',
      url: path,
      payload: { name: POLICYHOLDER.name, idNumber: POLICYHOLDER.idNumber, accountNo: '6222021234567890123' },
    });
    expect(twice.statusCode).toBe(409);

    const delivered = await ctx.deliverNotifications();
    expect(delivered[0]!.statusCode).toBe(200);
    expect((await ctx.db.selectFrom('payment_orders').select('status').where('id', '=', o.orderId).executeTakeFirstOrThrow()).status).toBe(
      'paid',
    );
  });

  it('answers a malformed payer form with 400 problem+json', async () => {
    const o = await openOrder();
    const res = await ctx.app.inject({
      method: 'POST',
      url: new URL(o.payUrl).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=%E7%8E%8B&idNumber=123&accountNo=abc',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(ctx.pendingNotifications).toHaveLength(0);
  });

  it('answers an unknown transaction with 404', async () => {
    expect((await ctx.app.inject({ url: '/dev-gateway/pay/gw_nothing' })).statusCode).toBe(404);
  });

  it('reports its own view of an order through the query API and queryPayment', async () => {
    const o = await openOrder(5000);
    expect(await ctx.platform.payments.queryPayment(o.orderId)).toEqual({ status: 'pending' });
    await ctx.app.inject({
      method: 'POST',
      url: new URL(o.payUrl).pathname,
      payload: { name: POLICYHOLDER.name, idNumber: POLICYHOLDER.idNumber, accountNo: '6222021234567890123' },
    });
    ctx.pendingNotifications.splice(0);
    expect(await ctx.platform.payments.queryPayment(o.orderId)).toEqual({ status: 'paid', paidFen: 5000 });
    const res = await ctx.app.inject({ url: `/dev-gateway/api/orders/${o.orderId}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.transactions).toHaveLength(1);
    expect(body.transactions[0]).toMatchObject({ merchantOrderId: o.orderId, status: 'paid', amountFen: 5000, refundedFen: 0 });
    expect(res.body).not.toContain(POLICYHOLDER.idNumber);
    expect(await ctx.platform.payments.queryPayment('pay_unknown')).toEqual({ status: 'unknown' });
  });

  it('refunds at most what was paid, once per refund id', async () => {
    const o = await openOrder(5000);
    await ctx.app.inject({
      method: 'POST',
      url: new URL(o.payUrl).pathname,
      payload: { name: POLICYHOLDER.name, idNumber: POLICYHOLDER.idNumber, accountNo: '6222021234567890123' },
    });
    ctx.pendingNotifications.splice(0);
    const gw = ctx.platform.payments;
    const a = await gw.refund({ orderId: o.orderId, refundId: 'ref_a', amountFen: 3000, reason: 'test' });
    expect(await gw.refund({ orderId: o.orderId, refundId: 'ref_a', amountFen: 3000, reason: 'test' })).toEqual(a);
    await expect(gw.refund({ orderId: o.orderId, refundId: 'ref_b', amountFen: 2001, reason: 'test' })).rejects.toThrow(/exceeds/);
    await gw.refund({ orderId: o.orderId, refundId: 'ref_c', amountFen: 2000, reason: 'test' });
    expect(await gw.queryPayment(o.orderId)).toEqual({ status: 'refunded', paidFen: 0 });
  });

  it('verifies a signature only within ten minutes of its timestamp', async () => {
    const gw = ctx.platform.payments;
    expect(isDevPaymentGateway(gw)).toBe(true);
    const body = JSON.stringify({
      txnId: 'gw_x',
      merchantOrderId: 'pay_x',
      status: 'paid',
      amountFen: 100,
      payeeAccountNo: ctx.config.PREMIUM_ACCOUNT_NO,
      payer: { accountNo: '6222021234567890123', name: POLICYHOLDER.name, idNumber: POLICYHOLDER.idNumber },
      paidAt: ctx.clock.now().toISOString(),
    });
    const key = ctx.platform.keys.gatewayPrivateKeyPem!;
    const now = ctx.clock.now().getTime();
    expect(gw.verifyNotification(body, signGatewayNotification(key, body, new Date(now - 9 * 60_000)))).not.toBeNull();
    expect(gw.verifyNotification(body, signGatewayNotification(key, body, new Date(now - 11 * 60_000)))).toBeNull();
    expect(gw.verifyNotification(body, signGatewayNotification(key, body, new Date(now + 60 * 60_000)))).toBeNull();
    // A well-signed body of the wrong shape is refused too.
    const odd = JSON.stringify({ txnId: 'gw_x', status: 'paid' });
    expect(gw.verifyNotification(odd, signGatewayNotification(key, odd, new Date(now)))).toBeNull();
    expect(gw.verifyNotification('not json', signGatewayNotification(key, 'not json', new Date(now)))).toBeNull();
  });

  it('without a test hook, POSTs the notification to the merchant asynchronously and retries until the merchant accepts it', async () => {
    const received: Array<{ url: string | undefined; body: string; headers: Record<string, string> }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ url: req.url, body, headers: req.headers as Record<string, string> });
        // The merchant is down the first time.
        res.statusCode = received.length === 1 ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const keys = ctx.platform.keys;
      const gw = createDevPaymentGateway({
        db: ctx.db,
        pii: ctx.platform.pii,
        clock: ctx.clock,
        privateKeyPem: keys.gatewayPrivateKeyPem!,
        publicKeyPem: keys.gatewayPublicKeyPem,
        baseUrl: `http://127.0.0.1:${port}`,
      });
      const created = await gw.createPayment({
        orderId: 'pay_http_delivery',
        amountFen: 100,
        payeeAccountNo: ctx.config.PREMIUM_ACCOUNT_NO,
        expectedPayer: POLICYHOLDER,
        description: 'x',
        expiresAt: new Date(ctx.clock.now().getTime() + 60_000),
      });
      const started = Date.now();
      await gw.pay(created.providerOrderRef, {
        name: POLICYHOLDER.name,
        idNumber: POLICYHOLDER.idNumber,
        accountNo: '6222021234567890123',
      });
      // pay() answered before any delivery finished: the payer's page does not wait for the merchant.
      expect(received).toHaveLength(0);
      for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
      expect(received.map((n) => n.url)).toEqual(['/v1/payments/notifications/dev-gateway', '/v1/payments/notifications/dev-gateway']);
      for (const n of received)
        expect(gw.verifyNotification(n.body, n.headers)).toMatchObject({ orderId: 'pay_http_delivery', amountFen: 100 });
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toHaveLength(2);
    } finally {
      server.close();
    }
  });
});
