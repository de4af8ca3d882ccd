import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson } from './helpers/people.js';
import { signIn } from './helpers/journey.js';
import { isValidPolicyNumber } from '../server/modules/policies/policy.js';
import { addDays, addYears, ageOn, shanghaiDate } from '../server/platform/dates.js';

/** The premium the rating table gives, computed here independently of the server's pricing code. */
function expectedPremium(
  definition: any,
  birthDate: string,
  gender: string,
  termYears: number,
  paymentMode: string,
  sumInsuredFen: number,
  today: string,
) {
  const age = ageOn(birthDate, today);
  const row = definition.ratingTable.find(
    (r: any) =>
      r.ageFrom <= age &&
      age <= r.ageTo &&
      (r.gender === gender || r.gender === 'any') &&
      r.termYears === termYears &&
      r.paymentMode === paymentMode,
  );
  return new Decimal(sumInsuredFen).dividedBy(1_000_000).times(row.premiumPer10kFen).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

const purchases = [
  {
    productCode: 'ACCIDENT_1Y',
    termYears: 1,
    paymentMode: 'single' as const,
    sumInsuredFen: 50_000_000,
    holder: ['王喆', '1990-05-17', 'M'] as const,
  },
  {
    productCode: 'MEDICAL_1Y',
    termYears: 1,
    paymentMode: 'single' as const,
    sumInsuredFen: 200_000_000,
    holder: ['李堃', '1988-11-02', 'F'] as const,
  },
  {
    productCode: 'TERM_LIFE_20Y',
    termYears: 20,
    paymentMode: 'annual' as const,
    sumInsuredFen: 100_000_000,
    holder: ['赵赟', '1991-01-23', 'M'] as const,
  },
  {
    productCode: 'UNIVERSAL_10Y',
    termYears: 10,
    paymentMode: 'single' as const,
    sumInsuredFen: 10_000_000,
    holder: ['𠮷野', '1985-07-30', 'F'] as const,
  },
];

describe('the purchase journey, through HTTP only', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext();
  });
  afterAll(async () => ctx?.close());

  for (const p of purchases) {
    it(`M§16–M§19 M§33 buys ${p.productCode} from quote to issued policy`, async () => {
      const holder = makePerson(p.holder[0], p.holder[1], p.holder[2]);
      const product = (await ctx.send({ method: 'GET', url: `/v1/products/${p.productCode}` })).body;
      const today = shanghaiDate(ctx.clock.now());
      const r = await ctx.buy({
        productCode: p.productCode,
        termYears: p.termYears,
        paymentMode: p.paymentMode,
        sumInsuredFen: p.sumInsuredFen,
        policyholder: holder,
      });

      // Quote: the rating table's premium, in integer fen, with an expiry.
      const definition = (
        await ctx.db
          .selectFrom('product_versions')
          .select('definition')
          .where('id', '=', r.application.product.productVersionId)
          .executeTakeFirstOrThrow()
      ).definition as any;
      const premium = expectedPremium(definition, holder.birthDate, holder.gender, p.termYears, p.paymentMode, p.sumInsuredFen, today);
      expect(r.quote.premiumFen).toBe(premium);
      expect(Number.isInteger(r.quote.premiumFen)).toBe(true);
      expect(new Date(r.quote.expiresAt).getTime()).toBeGreaterThan(ctx.clock.now().getTime());

      // Application: recorded against the exact product version, personal data masked in every answer.
      const app = (await ctx.send({ method: 'GET', url: `/v1/applications/${r.application.id}`, token: r.token })).body;
      expect(app.status).toBe('issued');
      expect(app.product.version).toBe(product.version);
      expect(app.premiumFen).toBe(premium);
      expect(app.consents.every((c: any) => c.given)).toBe(true);
      expect(app.unansweredItems).toEqual([]);
      const holderView = app.parties.find((x: any) => x.role === 'policyholder');
      expect(holderView.idNumber).not.toContain(holder.idNumber.slice(6, 14));
      expect(holderView.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
      expect(app.identity.verified).toBe(true);
      const methods = app.identity.checks.filter((c: any) => c.result === 'passed').map((c: any) => c.method);
      expect(methods).toEqual(expect.arrayContaining(['id_checksum', 'sms_otp', ...(definition.faceVerificationRequired ? ['face'] : [])]));
      expect(app.underwriting).toMatchObject({ outcome: 'accept', source: 'rules' });
      expect(app.signatures).toHaveLength(1);

      // Payment: one paid order for the premium, into the dedicated premium account (M§19).
      const orders = await ctx.db.selectFrom('payment_orders').selectAll().where('application_id', '=', r.application.id).execute();
      expect(orders.map((o) => [o.status, o.amount_fen, o.payee_account_no])).toEqual([['paid', premium, ctx.config.PREMIUM_ACCOUNT_NO]]);

      // Policy: number with check character, cover from 00:00 next day, 犹豫期 from the day after receipt.
      const pol = r.policy;
      expect(isValidPolicyNumber(pol.policyNumber)).toBe(true);
      expect(pol.status).toBe('in_force');
      expect(pol.premiumFen).toBe(premium);
      const issueDay = shanghaiDate(new Date(pol.issuedAt));
      expect(pol.effectiveDate).toBe(addDays(issueDay, 1));
      expect(pol.effectiveAt).toBe(new Date(`${addDays(issueDay, 1)}T00:00:00+08:00`).toISOString());
      expect(pol.endDate).toBe(addDays(addYears(pol.effectiveDate, p.termYears), -1));
      expect(pol.coolingOffEndDate).toBe(addDays(shanghaiDate(new Date(pol.receivedAt)), definition.coolingOffDays));
      expect(pol.waitingPeriodEndDate).toBe(
        definition.waitingPeriodDays ? addDays(pol.effectiveDate, definition.waitingPeriodDays - 1) : null,
      );
      expect(pol.coolingOff.canCancel).toBe(true);

      // Events: every step wrote its typed event; confirmations name the exact text version shown.
      const events = await ctx.db
        .selectFrom('events')
        .selectAll()
        .where('subject_id', 'in', [r.application.id, pol.id, r.order.orderId])
        .orderBy('seq')
        .execute();
      const types = events.map((e) => e.type);
      for (const t of [
        'application.created',
        'application.text_displayed',
        'application.consent_given',
        'application.answer_recorded',
        'identity.checked',
        'application.suitability_assessed',
        'application.submitted',
        'underwriting.decided',
        'application.document_displayed',
        'application.signed',
        'payment.order_created',
        'payment.notification_received',
        'policy.issued',
      ])
        expect(types).toContain(t);
      expect(types.indexOf('application.created')).toBeLessThan(types.indexOf('application.submitted'));
      expect(types.indexOf('application.signed')).toBeLessThan(types.indexOf('policy.issued'));
      const consentEvents = events.filter((e) => e.type === 'application.consent_given');
      expect(consentEvents).toHaveLength(app.consents.length);
      expect(consentEvents.every((e) => e.text_version_id)).toBe(true);
      const serialized = JSON.stringify(events);
      expect(serialized).not.toContain(holder.idNumber);
      expect(serialized).not.toContain(holder.phone);
    });
  }

  it('M§17(2) asks the risk-tolerance questionnaire and the uncertainty confirmation of a new-type product only', async () => {
    const holder = makePerson('钱多多', '1984-02-14', 'M');
    const uni = await ctx.buy({
      productCode: 'UNIVERSAL_10Y',
      termYears: 10,
      paymentMode: 'single',
      sumInsuredFen: 10_000_000,
      policyholder: holder,
      until: 'application',
    });
    expect(uni.application.consents.map((c: any) => c.kind)).toContain('benefit_uncertainty');
    const acc = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: makePerson('孙安', '1990-01-01', 'F'),
      until: 'application',
    });
    expect(acc.application.consents.map((c: any) => c.kind)).not.toContain('benefit_uncertainty');
  });

  it('lets a parent insure a child and an adult insured sign for themselves', async () => {
    const parent = makePerson('周父', '1980-03-03', 'M');
    const spouse = makePerson('吴妻', '1982-04-04', 'F');
    const r = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: parent,
      insured: { relationship: 'spouse', person: spouse },
      beneficiary: {
        designation: 'named',
        beneficiaries: [{ name: parent.name, idNumber: parent.idNumber, relationshipToInsured: 'spouse', shareBp: 10_000 }],
      },
    });
    expect(r.policy.status).toBe('in_force');
    const sigs = await ctx.db
      .selectFrom('signatures')
      .select(['signer_role', 'document_hash', 'identity_method'])
      .where('application_id', '=', r.application.id)
      .orderBy('signer_role')
      .execute();
    expect(sigs.map((s) => s.signer_role)).toEqual(['insured', 'policyholder']);
    expect(new Set(sigs.map((s) => s.document_hash)).size).toBe(1);
    const insuredChecks = await ctx.db
      .selectFrom('identity_verifications')
      .select(['method', 'result'])
      .where('application_id', '=', r.application.id)
      .where('party_role', '=', 'insured')
      .execute();
    expect(insuredChecks.map((c) => c.method).sort()).toEqual(['id_checksum', 'sms_otp']);
  });
});

describe('犹豫期 cancellation', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext();
  });
  afterAll(async () => ctx?.close());

  it('§2.8 refunds the full premium minus the ¥10 cost to the original account and voids the policy from the start', async () => {
    const holder = makePerson('郑重', '1987-06-06', 'M');
    const r = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: holder,
    });
    ctx.clock.advanceDays(10);
    const token = await signIn(ctx.send, holder.phone);
    const res = await ctx.send({ method: 'POST', url: `/v1/policies/${r.policy.id}/cooling-off-cancellation`, token });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled_in_cooling_off');
    expect(res.body.voidFromStart).toBe(true);
    expect(res.body.cancellation).toMatchObject({ premiumFen: r.policy.premiumFen, costFen: 1000, refundFen: r.policy.premiumFen - 1000 });

    const refund = await ctx.db
      .selectFrom('refunds')
      .selectAll()
      .where('id', '=', res.body.cancellation.refundId)
      .executeTakeFirstOrThrow();
    expect(refund.amount_fen).toBe(r.policy.premiumFen - 1000);
    // To the original account: the refund's account is the one that paid.
    const order = await ctx.db
      .selectFrom('payment_orders')
      .selectAll()
      .where('application_id', '=', r.application.id)
      .executeTakeFirstOrThrow();
    expect(ctx.platform.pii.decrypt('bank_account', refund.to_account_cipher!)).toBe(holder.accountNo);
    expect(order.payer_account_index).toBe(ctx.platform.pii.blindIndex('bank_account', holder.accountNo));
    const gw = await ctx.db
      .selectFrom('dev_gateway_transactions')
      .selectAll()
      .where('merchant_order_id', '=', order.id)
      .executeTakeFirstOrThrow();
    expect(gw.refunded_fen).toBe(r.policy.premiumFen - 1000);

    const again = await ctx.send({ method: 'POST', url: `/v1/policies/${r.policy.id}/cooling-off-cancellation`, token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVALID_STATE');
  });

  it('§2.8 refuses cancellation after the 犹豫期 has ended', async () => {
    const holder = makePerson('冯迟', '1986-09-09', 'F');
    const r = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: holder,
    });
    ctx.clock.set(new Date(`${addDays(r.policy.coolingOffEndDate, 1)}T01:00:00+08:00`));
    const res = await ctx.send({
      method: 'POST',
      url: `/v1/policies/${r.policy.id}/cooling-off-cancellation`,
      token: await signIn(ctx.send, holder.phone),
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('COOLING_OFF_ENDED');
    const p = await ctx.db.selectFrom('policies').select('status').where('id', '=', r.policy.id).executeTakeFirstOrThrow();
    expect(p.status).toBe('in_force');
  });

  it('M§38 shows a consumer only their own policies', async () => {
    const a = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: makePerson('甲', '1990-01-01', 'M'),
    });
    const b = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: makePerson('乙', '1991-01-01', 'F'),
    });
    const other = await ctx.send({ method: 'GET', url: `/v1/policies/${a.policy.id}`, token: b.token });
    expect(other.status).toBe(404);
    const otherApp = await ctx.send({ method: 'GET', url: `/v1/applications/${a.application.id}`, token: b.token });
    expect(otherApp.status).toBe(404);
    const cancel = await ctx.send({ method: 'POST', url: `/v1/policies/${a.policy.id}/cooling-off-cancellation`, token: b.token });
    expect(cancel.status).toBe(404);
    const list = await ctx.send({ method: 'GET', url: '/v1/policies', token: b.token });
    expect(list.body.items.map((x: any) => x.id)).toEqual([b.policy.id]);
  });
});
