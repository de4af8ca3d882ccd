import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makeIdNumber, makePerson } from './helpers/people.js';
import { readLatestCode } from './helpers/journey.js';

const ACCIDENT = { productCode: 'ACCIDENT_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 50_000_000 };
const MEDICAL = { productCode: 'MEDICAL_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 200_000_000 };

async function countRows(ctx: JourneyContext, table: 'applications' | 'consents' | 'policies' | 'parties' | 'events') {
  const r = await ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('refusals in the purchase journey', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext();
  });
  afterAll(async () => ctx?.close());

  it('M§38 refuses a NUL character anywhere in a request with a 400 problem naming the field, before any query', async () => {
    const staff = await ctx.app.inject({
      method: 'POST',
      url: '/v1/staff/sessions',
      payload: { username: 'sec\u0000admin', password: 'x', totp: '123456' },
    });
    expect(staff.statusCode).toBe(400);
    expect(staff.headers['content-type']).toContain('application/problem+json');
    expect(staff.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'username', code: 'nul_character' }] });
    const code = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone: '1380013800\u0000' } });
    expect(code.statusCode).toBe(400);
    const query = await ctx.app.inject({ url: '/v1/products?line=%00' });
    expect(query.statusCode).toBe(400);
    expect(query.json().code).toBe('VALIDATION_FAILED');
  });

  it('M§33 refuses an ID number that fails the GB 11643 checksum and writes nothing', async () => {
    const holder = makePerson('钱错', '1990-05-17', 'M');
    const bad = holder.idNumber.slice(0, 17) + (holder.idNumber[17] === '1' ? '2' : '1');
    const before = await countRows(ctx, 'applications');
    await expect(ctx.buy({ ...ACCIDENT, policyholder: { ...holder, idNumber: bad }, until: 'application' })).rejects.toMatchObject({
      step: 'application',
      status: 422,
      body: { code: 'ID_NUMBER_INVALID' },
    });
    expect(await countRows(ctx, 'applications')).toBe(before);
  });

  it('M§33 refuses an application whose policyholder phone is not the phone signed in with', async () => {
    const holder = makePerson('冒名', '1990-05-17', 'M');
    const r = await ctx.buy({ ...ACCIDENT, policyholder: holder, until: 'application' });
    const quote = (
      await ctx.send({
        method: 'POST',
        url: '/v1/quotes',
        body: {
          productCode: 'ACCIDENT_1Y',
          insuredBirthDate: '1990-05-17',
          insuredGender: 'M',
          termYears: 1,
          paymentMode: 'single',
          sumInsuredFen: 50_000_000,
        },
      })
    ).body;
    const other = makePerson('他人', '1990-05-17', 'M');
    const res = await ctx.send({
      method: 'POST',
      url: '/v1/applications',
      token: r.token,
      body: {
        quoteId: quote.id,
        policyholder: { name: other.name, idNumber: other.idNumber, phone: other.phone },
        insured: { relationship: 'self' },
        beneficiary: { designation: 'legal' },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'policyholder.phone' })]);
  });

  it('M§33 refuses an ID number whose birth date differs from the quote', async () => {
    const holder = makePerson('钱异', '1990-05-17', 'M');
    const r = ctx.buy({ ...ACCIDENT, policyholder: { ...holder, idNumber: makeIdNumber('1990-05-18', 'M') }, until: 'application' });
    await expect(r).rejects.toMatchObject({ status: 422, body: { code: 'ID_NUMBER_MISMATCH' } });
  });

  it('M§17(5) refuses submission while a confirmation is absent, naming it', async () => {
    const r = await ctx.buy({ ...ACCIDENT, policyholder: makePerson('孙缺', '1990-05-17', 'M'), until: 'application' });
    const res = await ctx.send({ method: 'POST', url: `/v1/applications/${r.application.id}/submission`, token: r.token });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('CONSENT_MISSING');
    expect(res.body.errors.map((e: any) => e.path)).toEqual(
      expect.arrayContaining(['consents.purchase_notice', 'consents.sensitive_data']),
    );
    const app = await ctx.db.selectFrom('applications').select('status').where('id', '=', r.application.id).executeTakeFirstOrThrow();
    expect(app.status).toBe('draft');
  });

  it('M§17(5) refuses a pre-ticked confirmation and one given with no action', async () => {
    const r = await ctx.buy({ ...ACCIDENT, policyholder: makePerson('周预', '1990-05-17', 'M'), until: 'application' });
    const shown = (await ctx.send({ method: 'GET', url: `/v1/applications/${r.application.id}/consents/purchase_notice`, token: r.token }))
      .body;
    expect(shown.preChecked).toBe(false);
    for (const interaction of [
      { initialState: 'checked', action: 'tap', elementId: 'confirm' },
      { initialState: 'unchecked', action: 'none', elementId: 'confirm' },
    ]) {
      const res = await ctx.send({
        method: 'POST',
        url: `/v1/applications/${r.application.id}/consents`,
        token: r.token,
        body: { kind: 'purchase_notice', textVersionId: shown.textVersionId, interaction },
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('CONSENT_NOT_ACTIVE');
    }
    const consents = await ctx.db.selectFrom('consents').select('id').where('application_id', '=', r.application.id).execute();
    expect(consents).toEqual([]);
  });

  it('M§17(5) refuses a confirmation of a text version that was never shown', async () => {
    const r = await ctx.buy({ ...ACCIDENT, policyholder: makePerson('吴未', '1990-05-17', 'M'), until: 'application' });
    const other = await ctx.buy({ ...ACCIDENT, policyholder: makePerson('郑他', '1990-05-17', 'M'), until: 'application' });
    // The same text shown to another application is not shown to this one.
    const shownElsewhere = (
      await ctx.send({ method: 'GET', url: `/v1/applications/${other.application.id}/consents/key_clauses`, token: other.token })
    ).body;
    const res = await ctx.send({
      method: 'POST',
      url: `/v1/applications/${r.application.id}/consents`,
      token: r.token,
      body: {
        kind: 'key_clauses',
        textVersionId: shownElsewhere.textVersionId,
        interaction: { initialState: 'unchecked', action: 'tap', elementId: 'confirm' },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('CONSENT_TEXT_UNKNOWN');
  });

  describe('M§33 SMS one-time codes', () => {
    it('refuses a wrong code, then an expired one, then locks after five wrong attempts', async () => {
      const holder = makePerson('冯码', '1990-05-17', 'M');
      const r = await ctx.buy({ ...ACCIDENT, policyholder: holder, until: 'answers' });
      const url = `/v1/applications/${r.application.id}/identity`;
      await ctx.send({ method: 'POST', url: `${url}/sms-codes`, token: r.token, body: {} });
      const code = await readLatestCode(ctx.send, holder.phone);
      const wrong = code === '000000' ? '111111' : '000000';
      const w = await ctx.send({ method: 'POST', url: `${url}/sms-verification`, token: r.token, body: { code: wrong } });
      expect(w.body.code).toBe('OTP_INVALID');

      ctx.clock.advance(5 * 60_000 + 1000);
      const late = await ctx.send({ method: 'POST', url: `${url}/sms-verification`, token: r.token, body: { code } });
      expect(late.body.code).toBe('OTP_EXPIRED');

      await ctx.send({ method: 'POST', url: `${url}/sms-codes`, token: r.token, body: {} });
      const fresh = await readLatestCode(ctx.send, holder.phone);
      const bad = fresh === '000000' ? '111111' : '000000';
      const codes = [];
      for (let i = 0; i < 5; i++)
        codes.push((await ctx.send({ method: 'POST', url: `${url}/sms-verification`, token: r.token, body: { code: bad } })).body.code);
      expect(codes.slice(0, 4)).toEqual(['OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID']);
      expect(codes[4]).toMatch(/OTP_INVALID|OTP_TOO_MANY_ATTEMPTS/);
      const right = await ctx.send({ method: 'POST', url: `${url}/sms-verification`, token: r.token, body: { code: fresh } });
      expect(right.status).toBe(429);
      expect(right.body.code).toBe('OTP_TOO_MANY_ATTEMPTS');
      const app = await ctx.db
        .selectFrom('applications')
        .select('identity_verified_at')
        .where('id', '=', r.application.id)
        .executeTakeFirstOrThrow();
      expect(app.identity_verified_at).toBeNull();
    });
  });

  it('M§33 keeps a failed face comparison and leaves identity unverified', async () => {
    const holder = makePerson('卫脸', '1991-01-23', 'M');
    const r = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: holder,
      until: 'answers',
    });
    const url = `/v1/applications/${r.application.id}/identity`;
    await ctx.send({ method: 'POST', url: `${url}/sms-codes`, token: r.token, body: {} });
    const afterSms = await ctx.send({
      method: 'POST',
      url: `${url}/sms-verification`,
      token: r.token,
      body: { code: await readLatestCode(ctx.send, holder.phone) },
    });
    expect(afterSms.body.identity).toMatchObject({ verified: false, faceRequired: true });
    const capture = Buffer.from('MISMATCH: a different face').toString('base64');
    const res = await ctx.send({ method: 'POST', url: `${url}/face`, token: r.token, body: { imageBase64: capture } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('FACE_MISMATCH');
    const checks = await ctx.db
      .selectFrom('identity_verifications')
      .selectAll()
      .where('application_id', '=', r.application.id)
      .where('method', '=', 'face')
      .execute();
    expect(checks.map((c) => c.result)).toEqual(['failed']);
    expect(JSON.stringify(checks)).not.toContain(capture);
    const submit = await ctx.send({ method: 'POST', url: `/v1/applications/${r.application.id}/submission`, token: r.token });
    expect(submit.body.code).toBe('IDENTITY_NOT_VERIFIED');
  });

  it('M§33 refuses submission before identity is verified', async () => {
    const r = await ctx.buy({ ...ACCIDENT, policyholder: makePerson('陈身', '1990-05-17', 'M'), until: 'answers' });
    const res = await ctx.send({ method: 'POST', url: `/v1/applications/${r.application.id}/submission`, token: r.token });
    expect(res.body.code).toBe('IDENTITY_NOT_VERIFIED');
  });

  it('M§18 declines on a declining health answer, keeps the reasons, and goes no further', async () => {
    const product = await ctx.definition('MEDICAL_1Y');
    const health = product.questionnaires.find((q: any) => q.kind === 'health');
    const item = health.items.find((i: any) => i.options.some((o: any) => o.underwriting === 'decline'));
    const declining = item.options.find((o: any) => o.underwriting === 'decline').code;
    const r = await ctx.buy({
      ...MEDICAL,
      policyholder: makePerson('褚病', '1988-11-02', 'F'),
      answers: { overrides: { [`${health.code}.${item.code}`]: declining } },
    });
    expect(r.submission).toMatchObject({ status: 'declined', outcome: 'decline' });
    expect(r.submission.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'HEALTH', outcome: 'decline' })]));
    const decisions = await ctx.db
      .selectFrom('underwriting_decisions')
      .selectAll()
      .where('application_id', '=', r.application.id)
      .execute();
    expect(decisions).toHaveLength(1);
    const doc = await ctx.send({ method: 'GET', url: `/v1/applications/${r.application.id}/document`, token: r.token });
    expect(doc.body.code).toBe('INVALID_STATE');
    const pay = await ctx.send({ method: 'POST', url: `/v1/applications/${r.application.id}/payment-orders`, token: r.token });
    expect(pay.body.code).toBe('INVALID_STATE');
  });

  it('M§17 refuses a new-type product to a consumer whose risk tolerance is below its risk level', async () => {
    const product = await ctx.definition('UNIVERSAL_10Y');
    const overrides: Record<string, string> = {};
    for (const q of product.questionnaires.filter((x: any) => x.kind === 'risk_tolerance'))
      for (const i of q.items)
        overrides[`${q.code}.${i.code}`] = [...i.options].sort((a: any, b: any) => (a.score ?? 0) - (b.score ?? 0))[0].code;
    const r = ctx.buy({
      productCode: 'UNIVERSAL_10Y',
      termYears: 10,
      paymentMode: 'single',
      sumInsuredFen: 10_000_000,
      policyholder: makePerson('卫稳', '1985-07-30', 'F'),
      answers: { overrides },
    });
    await expect(r).rejects.toMatchObject({ step: 'submit', status: 422, body: { code: 'SUITABILITY_MISMATCH' } });
  });

  it('M§18 refers to an underwriter, who needs the role and records reasons', async () => {
    const product = await ctx.definition('MEDICAL_1Y');
    const health = product.questionnaires.find((q: any) => q.kind === 'health');
    const item = health.items.find((i: any) => i.options.some((o: any) => o.underwriting === 'refer'));
    const referring = item.options.find((o: any) => o.underwriting === 'refer').code;
    const holder = makePerson('蒋待', '1988-11-02', 'F');
    const r = await ctx.buy({ ...MEDICAL, policyholder: holder, answers: { overrides: { [`${health.code}.${item.code}`]: referring } } });
    expect(r.submission.status).toBe('referred');

    const consumerTry = await ctx.send({
      method: 'POST',
      url: `/v1/console/underwriting/referrals/${r.application.id}/decision`,
      token: r.token,
      body: { outcome: 'accept', reasons: ['x'] },
    });
    expect(consumerTry.status).toBe(403);

    const underwriter = { type: 'staff' as const, id: 'stf_uw', roles: ['underwriter' as const] };
    const claims = { type: 'staff' as const, id: 'stf_cl', roles: ['claims_handler' as const] };
    await expect(
      ctx.services.underwriting.decideReferral(claims, r.application.id, { outcome: 'accept', reasons: ['ok'] }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const queue = await ctx.services.underwriting.listReferrals(underwriter);
    expect(queue.map((q) => q.applicationId)).toContain(r.application.id);
    await expect(
      ctx.services.underwriting.decideReferral(underwriter, r.application.id, { outcome: 'accept', reasons: [] }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await ctx.services.underwriting.decideReferral(underwriter, r.application.id, {
      outcome: 'accept',
      reasons: ['甲状腺结节 2 类，已复查稳定，标准体承保'],
    });
    const decisions = await ctx.db
      .selectFrom('underwriting_decisions')
      .selectAll()
      .where('application_id', '=', r.application.id)
      .orderBy('decided_at')
      .execute();
    expect(decisions.map((d) => [d.source, d.outcome, d.decided_by])).toEqual([
      ['rules', 'refer', null],
      ['underwriter', 'accept', 'stf_uw'],
    ]);
    const status = await ctx.db.selectFrom('applications').select('status').where('id', '=', r.application.id).executeTakeFirstOrThrow();
    expect(status.status).toBe('awaiting_signature');
  });
});

describe("the insured's cumulative sum insured (M§18)", () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext();
  });
  afterAll(async () => ctx?.close());

  it('M§18 counts in-force policies of the same insured: accept, then refer above ¥2,000,000, then decline above ¥5,000,000', async () => {
    const holder = makePerson('累计', '1991-01-23', 'M');
    const TERM = { productCode: 'TERM_LIFE_20Y', termYears: 20, paymentMode: 'annual' as const };
    const first = await ctx.buy({ ...TERM, sumInsuredFen: 200_000_000, policyholder: holder });
    expect(first.submission).toMatchObject({ status: 'awaiting_signature' });
    expect(first.policy.status).toBe('in_force');
    const second = await ctx.buy({ ...TERM, sumInsuredFen: 100_000_000, policyholder: holder });
    expect(second.submission).toMatchObject({
      status: 'referred',
      reasons: [expect.objectContaining({ code: 'CUMULATIVE_SUM_INSURED', outcome: 'refer' })],
    });
    // The referred application counts too while it waits: 200 + 100 + 300 = 600 > 500.
    const third = await ctx.buy({ ...TERM, sumInsuredFen: 300_000_000, policyholder: holder });
    expect(third.submission).toMatchObject({
      status: 'declined',
      reasons: [expect.objectContaining({ code: 'CUMULATIVE_SUM_INSURED', outcome: 'decline' })],
    });
    // Another person is not affected.
    const other = await ctx.buy({ ...TERM, sumInsuredFen: 200_000_000, policyholder: makePerson('别人', '1991-01-23', 'M') });
    expect(other.policy.status).toBe('in_force');
  });
});

describe('refusals in payment (M§19, M§40)', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext();
  });
  afterAll(async () => ctx?.close());

  it('M§40 refuses and returns a payment from someone other than the policyholder', async () => {
    const holder = makePerson('韩主', '1990-05-17', 'M');
    const stranger = makePerson('杨外', '1979-01-01', 'F');
    const r = await ctx.buy({ ...ACCIDENT, policyholder: holder, payer: stranger, until: 'paid' });
    const order = await ctx.db
      .selectFrom('payment_orders')
      .selectAll()
      .where('application_id', '=', r.application.id)
      .executeTakeFirstOrThrow();
    expect(order.status).toBe('refused');
    expect(order.refused_reason).toBe('payer_not_policyholder');
    expect(
      await ctx.db.selectFrom('policies').select('id').where('application_id', '=', r.application.id).executeTakeFirst(),
    ).toBeUndefined();
    const refunds = await ctx.db.selectFrom('refunds').selectAll().where('order_id', '=', order.id).execute();
    expect(refunds.map((x) => x.amount_fen)).toEqual([order.amount_fen]);
    expect(ctx.platform.pii.decrypt('bank_account', refunds[0]!.to_account_cipher!)).toBe(stranger.accountNo);
  });

  it('ignores a forged notification: 400 and nothing changes', async () => {
    const holder = makePerson('秦伪', '1990-05-17', 'M');
    const r = await ctx.buy({ ...ACCIDENT, policyholder: holder, until: 'paid' });
    const [n] = ctx.pendingNotifications.splice(0);
    void n;
    // The real notification was delivered inside buy(); forge a second one by changing the amount.
    const order = await ctx.db
      .selectFrom('payment_orders')
      .selectAll()
      .where('application_id', '=', r.application.id)
      .executeTakeFirstOrThrow();
    const before = await countRows(ctx, 'policies');
    const body = JSON.stringify({
      txnId: 'forged-1',
      merchantOrderId: order.id,
      status: 'paid',
      amountFen: order.amount_fen,
      payeeAccountNo: order.payee_account_no,
      payer: { accountNo: holder.accountNo, name: holder.name, idNumber: holder.idNumber },
      paidAt: ctx.clock.now().toISOString(),
    });
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/payments/notifications/dev-gateway',
      headers: {
        'content-type': 'application/json',
        'x-gateway-timestamp': String(Math.floor(ctx.clock.now().getTime() / 1000)),
        'x-gateway-signature': Buffer.alloc(64, 7).toString('base64'),
      },
      payload: body,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('PAYMENT_NOTIFICATION_INVALID');
    expect(await countRows(ctx, 'policies')).toBe(before);
    expect(
      await ctx.db.selectFrom('payment_notifications').select('id').where('provider_txn_id', '=', 'forged-1').executeTakeFirst(),
    ).toBeUndefined();
  });

  it('M§19 a duplicated notification issues one policy', async () => {
    const holder = makePerson('尤重', '1990-05-17', 'M');
    const r = await ctx.buy({ ...ACCIDENT, policyholder: holder, until: 'ordered' });
    const path = new URL(r.order.payUrl).pathname;
    await ctx.send({ method: 'POST', url: path, form: { name: holder.name, idNumber: holder.idNumber, accountNo: holder.accountNo } });
    const [n] = ctx.pendingNotifications.splice(0);
    ctx.pendingNotifications.push(n!, n!);
    const results = await ctx.deliverNotifications();
    expect(results.map((x) => x.statusCode)).toEqual([200, 200]);
    const policies = await ctx.db.selectFrom('policies').select('id').where('application_id', '=', r.application.id).execute();
    expect(policies).toHaveLength(1);
    const notes = await ctx.db.selectFrom('payment_notifications').select('id').where('order_id', '=', r.order.orderId).execute();
    expect(notes).toHaveLength(1);
  });

  it('M§19 two notifications at once for one order give exactly one policy', async () => {
    const holder = makePerson('许并', '1990-05-17', 'M');
    const r = await ctx.buy({ ...ACCIDENT, policyholder: holder, until: 'ordered' });
    const path = new URL(r.order.payUrl).pathname;
    await ctx.send({ method: 'POST', url: path, form: { name: holder.name, idNumber: holder.idNumber, accountNo: holder.accountNo } });
    const [n] = ctx.pendingNotifications.splice(0);
    const post = () =>
      ctx.app.inject({ method: 'POST', url: '/v1/payments/notifications/dev-gateway', headers: n!.headers, payload: n!.body });
    const results = await Promise.all([post(), post(), post()]);
    expect(results.map((x) => x.statusCode)).toEqual([200, 200, 200]);
    const policies = await ctx.db.selectFrom('policies').select('id').where('application_id', '=', r.application.id).execute();
    expect(policies).toHaveLength(1);
    const issued = await ctx.db
      .selectFrom('events')
      .select('id')
      .where('type', '=', 'policy.issued')
      .where('subject_id', '=', policies[0]!.id)
      .execute();
    expect(issued).toHaveLength(1);
  });

  it('expires an unpaid order', async () => {
    const r = await ctx.buy({ ...ACCIDENT, policyholder: makePerson('何迟', '1990-05-17', 'M'), until: 'ordered' });
    ctx.clock.advance((ctx.config.PAYMENT_ORDER_TTL_MINUTES + 1) * 60_000);
    const n = await ctx.services.payments.expireUnpaidOrders();
    expect(n).toBeGreaterThanOrEqual(1);
    const order = await ctx.db.selectFrom('payment_orders').select('status').where('id', '=', r.order.orderId).executeTakeFirstOrThrow();
    expect(order.status).toBe('expired');
  });
});
