import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import type { Actor } from '../../platform/actor.js';
import { demoProducts, seedDemoProducts } from '../products/index.js';

const compliance: Actor = { type: 'staff', id: 'stf_test', roles: ['compliance_officer'] };
const termQuote = {
  productCode: 'TERM_LIFE_20Y',
  insuredBirthDate: '1996-01-01',
  insuredGender: 'M',
  termYears: 20,
  paymentMode: 'annual',
  sumInsuredFen: 100_000_000,
};

describe('quotes', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    // 2026-03-02 10:00 in Shanghai
    ctx = await createTestContext({ start: '2026-03-02T02:00:00.000Z' });
    await seedDemoProducts(ctx.services, compliance);
  });
  afterAll(async () => ctx?.close());

  it('lets anyone quote, signed in or not, from the rating table of the version on sale', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/quotes', payload: termQuote });
    expect(res.statusCode).toBe(201);
    const q = res.json();
    const onSale = await ctx.services.products.getOnSale('TERM_LIFE_20Y');
    expect(q).toMatchObject({
      id: expect.stringMatching(/^quo_/),
      productCode: 'TERM_LIFE_20Y',
      productVersionId: onSale.productVersionId,
      premiumFen: 115_000,
      options: { ...termQuote, insuredAge: 30, quotedOn: '2026-03-02' },
      expired: false,
    });
    expect(new Date(q.expiresAt).getTime() - ctx.clock.now().getTime()).toBe(ctx.config.QUOTE_TTL_MINUTES * 60_000);
    // M§14: the cash value of each policy year for the options chosen.
    expect(q.cashValues).toHaveLength(20);
    expect(q.cashValues[19]).toEqual({ policyYear: 20, cashValueFen: 0 });

    const row = await ctx.db.selectFrom('quotes').selectAll().where('id', '=', q.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ premium_fen: 115_000, product_version_id: onSale.productVersionId });
    const event = await ctx.db.selectFrom('events').selectAll().where('subject_id', '=', q.id).executeTakeFirstOrThrow();
    expect(event).toMatchObject({ type: 'quote.created', actor_type: 'anonymous', actor_id: null });
    expect(event.payload).toMatchObject({ insuredAge: 30, premiumFen: 115_000 });
    expect(JSON.stringify(event.payload)).not.toContain('1996-01-01');
  });

  it('prices each demo product at its lowest option', async () => {
    const picks: Record<string, { birth: string; term: number; mode: string; sum: number; premium: number }> = {
      ACCIDENT_1Y: { birth: '1990-05-17', term: 1, mode: 'single', sum: 10_000_000, premium: 6_000 },
      MEDICAL_1Y: { birth: '1990-05-17', term: 1, mode: 'single', sum: 200_000_000, premium: 25_600 },
      UNIVERSAL_10Y: { birth: '1985-07-30', term: 10, mode: 'annual', sum: 5_000_000, premium: 500_000 },
    };
    for (const [code, p] of Object.entries(picks)) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/quotes',
        payload: {
          productCode: code,
          insuredBirthDate: p.birth,
          insuredGender: 'F',
          termYears: p.term,
          paymentMode: p.mode,
          sumInsuredFen: p.sum,
        },
      });
      expect(res.statusCode, code).toBe(201);
      expect(res.json().premiumFen, code).toBe(p.premium);
    }
    expect(demoProducts).toHaveLength(4);
  });

  it('refuses an insured outside the entry ages with AGE_OUT_OF_RANGE', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/quotes', payload: { ...termQuote, insuredBirthDate: '1970-01-01' } });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('AGE_OUT_OF_RANGE');
  });

  it('refuses options not in the rating table with QUOTE_OPTION_INVALID, naming them', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/quotes', payload: { ...termQuote, termYears: 30, sumInsuredFen: 123 } });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.code).toBe('QUOTE_OPTION_INVALID');
    expect(body.errors.map((e: any) => e.path).sort()).toEqual(['sumInsuredFen', 'termYears']);
  });

  it('answers an unknown product with 404 and a malformed request with 400', async () => {
    expect(
      (await ctx.app.inject({ method: 'POST', url: '/v1/quotes', payload: { ...termQuote, productCode: 'NOPE_NOPE' } })).statusCode,
    ).toBe(404);
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/v1/quotes',
      payload: { ...termQuote, sumInsuredFen: 1.5, insuredGender: 'X' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    const badDate = await ctx.app.inject({ method: 'POST', url: '/v1/quotes', payload: { ...termQuote, insuredBirthDate: '1996-02-30' } });
    expect(badDate.statusCode).toBe(400);
    expect((await ctx.app.inject({ url: '/v1/quotes/quo_missing' })).statusCode).toBe(404);
  });

  it('keeps a quote readable after it expires, but refuses it where freshness is required', async () => {
    const q = (await ctx.app.inject({ method: 'POST', url: '/v1/quotes', payload: termQuote })).json();
    ctx.clock.advance(ctx.config.QUOTE_TTL_MINUTES * 60_000 - 1);
    expect((await ctx.services.quotes.getQuote(q.id, { requireFresh: true })).expired).toBe(false);
    ctx.clock.advance(1);
    const res = await ctx.app.inject({ url: `/v1/quotes/${q.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: q.id, premiumFen: 115_000, expired: true });
    await expect(ctx.services.quotes.getQuote(q.id, { requireFresh: true })).rejects.toMatchObject({ code: 'QUOTE_EXPIRED' });
  });

  it('a quote keeps the product version it was priced from after a new version goes on sale', async () => {
    const q = (await ctx.app.inject({ method: 'POST', url: '/v1/quotes', payload: termQuote })).json();
    const next = structuredClone(demoProducts.find((p) => p.code === 'TERM_LIFE_20Y')!);
    next.ratingTable = next.ratingTable.map((r) => ({ ...r, premiumPer10kFen: String(Number(r.premiumPer10kFen) + 100) }));
    const { version } = await ctx.services.products.createVersion(compliance, next);
    await ctx.services.products.publishVersion(compliance, 'TERM_LIFE_20Y', version);
    const again = (await ctx.app.inject({ url: `/v1/quotes/${q.id}` })).json();
    expect(again.productVersionId).toBe(q.productVersionId);
    expect(again.premiumFen).toBe(115_000);
    const fresh = (await ctx.app.inject({ method: 'POST', url: '/v1/quotes', payload: termQuote })).json();
    expect(fresh.productVersionId).not.toBe(q.productVersionId);
    expect(fresh.premiumFen).toBe(125_000);
  });
});
