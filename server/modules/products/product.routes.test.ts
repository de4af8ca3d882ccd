import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import type { Actor, StaffRole } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';

import { demoProducts, seedDemoProducts } from './demo-products.js';
import type { ProductDefinition } from './product.js';
import { signedInStaff } from '../../../test/helpers/staff.js';
/** A signed-in member of staff with these roles. */
const staffToken = async (ctx: TestContext, roles: StaffRole[]) => (await signedInStaff(ctx, roles)).token;

const compliance: Actor = { type: 'staff', id: 'stf_test', roles: ['compliance_officer'] };
const demo = (code: string): ProductDefinition => structuredClone(demoProducts.find((p) => p.code === code)!);

async function appErrorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

async function eventsOf(ctx: TestContext, subjectId: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('events').select('type').where('subject_id', '=', subjectId).orderBy('seq').execute();
  return rows.map((r) => r.type);
}

describe('the product service', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  it('lets only a compliance officer draft, publish or withdraw', async () => {
    const d = demo('ACCIDENT_1Y');
    const underwriter: Actor = { type: 'staff', id: 'stf_uw', roles: ['underwriter'] };
    expect((await appErrorOf(ctx.services.products.createVersion(underwriter, d))).code).toBe('FORBIDDEN');
    expect((await appErrorOf(ctx.services.products.createVersion({ type: 'anonymous' }, d))).code).toBe('UNAUTHENTICATED');
    expect((await appErrorOf(ctx.services.products.publishVersion({ type: 'consumer', id: 'csm_x' }, 'ACCIDENT_1Y', 1))).code).toBe(
      'FORBIDDEN',
    );
  });

  it('refuses a definition that does not match the schema, naming the fields', async () => {
    const e = await appErrorOf(ctx.services.products.createVersion(compliance, { ...demo('ACCIDENT_1Y'), code: 'lower case' }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.items).toContainEqual(expect.objectContaining({ path: 'code' }));
  });

  it('publishes a complete product, registering each section and questionnaire item as a text version', async () => {
    const created = await ctx.services.products.createVersion(compliance, demo('MEDICAL_1Y'));
    expect(created.version).toBe(1);
    const draft = await ctx.services.products.getVersion(created.productVersionId);
    expect(draft).toMatchObject({ status: 'draft', textVersions: {} });
    await expect(ctx.services.products.getOnSale('MEDICAL_1Y')).rejects.toMatchObject({ code: 'PRODUCT_NOT_ON_SALE' });

    const published = await ctx.services.products.publishVersion(compliance, 'MEDICAL_1Y', 1);
    expect(published.status).toBe('published');
    expect(Object.keys(published.textVersions)).toEqual(
      expect.arrayContaining(['exclusions', 'purchaseNotice', 'disclosureDuty', 'HEALTH.H1', 'SUITABILITY.INCOME']),
    );
    const tv = await ctx.db
      .selectFrom('text_versions')
      .selectAll()
      .where('id', '=', published.textVersions.exclusions!)
      .executeTakeFirstOrThrow();
    expect(tv).toMatchObject({ kind: 'product_disclosure', ref: 'MEDICAL_1Y@1:exclusions', title: '责任免除' });
    // Online: no offline time has been recorded for it.
    expect(
      await ctx.db.selectFrom('text_version_offline').selectAll().where('text_version_id', '=', tv.id).executeTakeFirst(),
    ).toBeUndefined();
    const q = await ctx.db
      .selectFrom('text_versions')
      .selectAll()
      .where('id', '=', published.textVersions['HEALTH.H1']!)
      .executeTakeFirstOrThrow();
    expect(q).toMatchObject({ kind: 'questionnaire_item', ref: 'MEDICAL_1Y@1:HEALTH.H1' });

    const onSale = await ctx.services.products.getOnSale('MEDICAL_1Y');
    expect(onSale.productVersionId).toBe(created.productVersionId);
    expect(onSale.textVersions).toEqual(published.textVersions);
    expect(await eventsOf(ctx, created.productVersionId)).toEqual(['product.version_created', 'product.version_published']);
  });

  it('M§14 refuses to publish an incomplete disclosure naming every missing item, and keeps the draft', async () => {
    const d = demo('ACCIDENT_1Y');
    d.code = 'ACCIDENT_DRAFT';
    d.regulatory.number = '';
    d.disclosure = { clauseText: d.disclosure.clauseText, premiumExplanation: d.disclosure.premiumExplanation };
    const created = await ctx.services.products.createVersion(compliance, d);
    const e = await appErrorOf(ctx.services.products.publishVersion(compliance, 'ACCIDENT_DRAFT', created.version));
    expect(e.code).toBe('PRODUCT_DISCLOSURE_INCOMPLETE');
    expect(e.status).toBe(422);
    const named = e.items!.map((i) => i.path);
    expect(named).toEqual(
      expect.arrayContaining([
        'regulatory.number',
        'disclosure.exclusions',
        'disclosure.coverage',
        'disclosure.claimConditions',
        'disclosure.claimProcess',
        'disclosure.fees',
        'disclosure.surrenderLoss',
        'disclosure.disclosureDuty',
        'disclosure.onlineServiceStatement',
        'disclosure.noBranchWarning',
        'disclosure.paymentMethods',
        'disclosure.policyDelivery',
        'disclosure.invoiceDelivery',
        'disclosure.purchaseNotice',
      ]),
    );
    expect(named).not.toContain('disclosure.clauseText');
    expect((await ctx.services.products.getVersion(created.productVersionId)).status).toBe('draft');
    const refusal = await ctx.db
      .selectFrom('events')
      .selectAll()
      .where('subject_id', '=', created.productVersionId)
      .where('type', '=', 'product.publish_refused')
      .executeTakeFirstOrThrow();
    expect((refusal.payload as any).problems).toHaveLength(e.items!.length);
  });

  it('refuses 护理险 with PRODUCT_LINE_NOT_ONLINE', async () => {
    const d = demo('MEDICAL_1Y');
    d.code = 'NURSING_1Y';
    d.line = 'nursing';
    const { version } = await ctx.services.products.createVersion(compliance, d);
    const e = await appErrorOf(ctx.services.products.publishVersion(compliance, 'NURSING_1Y', version));
    expect(e.code).toBe('PRODUCT_LINE_NOT_ONLINE');
    expect(e.items).toEqual([expect.objectContaining({ path: 'line', code: 'LINE_NOT_ONLINE' })]);
  });

  it('M§17(2) refuses a new-type product whose uncertainty statement is smaller than the product name', async () => {
    const d = demo('UNIVERSAL_10Y');
    d.code = 'UNIVERSAL_SMALL';
    d.disclosure.uncertaintyStatement!.fontSizePx = 14;
    const { version } = await ctx.services.products.createVersion(compliance, d);
    const e = await appErrorOf(ctx.services.products.publishVersion(compliance, 'UNIVERSAL_SMALL', version));
    expect(e.code).toBe('PRODUCT_NEW_TYPE_RULES');
    expect(e.items).toEqual([expect.objectContaining({ code: 'NEW_TYPE_STATEMENT_TOO_SMALL' })]);
  });

  it('publishing a new version withdraws the previous one, whose texts stay readable but go offline', async () => {
    const d1 = demo('TERM_LIFE_20Y');
    const v1 = await ctx.services.products.createVersion(compliance, d1);
    const p1 = await ctx.services.products.publishVersion(compliance, 'TERM_LIFE_20Y', v1.version);
    const d2 = demo('TERM_LIFE_20Y');
    d2.disclosure.fees = `${d2.disclosure.fees}（2026年修订）`;
    const v2 = await ctx.services.products.createVersion(compliance, d2);
    expect(v2.version).toBe(v1.version + 1);
    expect(v2.productId).toBe(v1.productId);
    const p2 = await ctx.services.products.publishVersion(compliance, 'TERM_LIFE_20Y', v2.version);

    expect((await ctx.services.products.getOnSale('TERM_LIFE_20Y')).productVersionId).toBe(v2.productVersionId);
    const old = await ctx.services.products.getVersion(v1.productVersionId);
    expect(old.status).toBe('withdrawn');
    expect(old.definition).toEqual(p1.definition);
    expect(old.textVersions.fees).toBe(p1.textVersions.fees);
    expect(p2.textVersions.fees).not.toBe(p1.textVersions.fees);
    const oldFees = await ctx.db
      .selectFrom('text_versions')
      .leftJoin('text_version_offline', 'text_version_offline.text_version_id', 'text_versions.id')
      .select(['text_version_offline.offline_at', 'text_versions.content'])
      .where('text_versions.id', '=', p1.textVersions.fees!)
      .executeTakeFirstOrThrow();
    expect(oldFees.offline_at).not.toBeNull();
    expect(oldFees.content).toBe(d1.disclosure.fees);
    expect(await eventsOf(ctx, v1.productVersionId)).toEqual([
      'product.version_created',
      'product.version_published',
      'product.version_withdrawn',
    ]);
  });

  it('a published version never changes through the service (PRODUCT_VERSION_PUBLISHED)', async () => {
    const onSale = await ctx.services.products.getOnSale('MEDICAL_1Y');
    const changed = demo('MEDICAL_1Y');
    changed.disclosure.fees = '改过的费用说明';
    const e = await appErrorOf(ctx.services.products.reviseDraft(compliance, 'MEDICAL_1Y', onSale.version, changed));
    expect(e.code).toBe('PRODUCT_VERSION_PUBLISHED');
    expect((await appErrorOf(ctx.services.products.publishVersion(compliance, 'MEDICAL_1Y', onSale.version))).code).toBe(
      'PRODUCT_VERSION_PUBLISHED',
    );
    expect((await ctx.services.products.getVersion(onSale.productVersionId)).definition.disclosure.fees).not.toBe('改过的费用说明');
  });

  it('M§14 a published version is immutable even through direct SQL (the database trigger)', async () => {
    const onSale = await ctx.services.products.getOnSale('MEDICAL_1Y');
    await expect(
      sql`update product_versions set definition = jsonb_set(definition, '{clauseName}', '"篡改"') where id = ${onSale.productVersionId}`.execute(
        ctx.db,
      ),
    ).rejects.toThrow(/never changes/);
    await expect(
      sql`update product_versions set definition_hash = 'x' where id = ${onSale.productVersionId}`.execute(ctx.db),
    ).rejects.toThrow(/never changes/);
    expect((await ctx.services.products.getVersion(onSale.productVersionId)).definition.clauseName).toBe(demo('MEDICAL_1Y').clauseName);
  });

  it('a draft may be revised, and the revision is what gets published', async () => {
    const d = demo('ACCIDENT_1Y');
    d.code = 'ACCIDENT_REVISE';
    d.disclosure.fees = '';
    const { version, productVersionId } = await ctx.services.products.createVersion(compliance, d);
    expect((await appErrorOf(ctx.services.products.publishVersion(compliance, 'ACCIDENT_REVISE', version))).items).toEqual([
      expect.objectContaining({ path: 'disclosure.fees' }),
    ]);
    await ctx.services.products.reviseDraft(compliance, 'ACCIDENT_REVISE', version, { ...demo('ACCIDENT_1Y'), code: 'ACCIDENT_REVISE' });
    const p = await ctx.services.products.publishVersion(compliance, 'ACCIDENT_REVISE', version);
    expect(p.definition.disclosure.fees).toBe(demo('ACCIDENT_1Y').disclosure.fees);
    expect(await eventsOf(ctx, productVersionId)).toEqual([
      'product.version_created',
      'product.publish_refused',
      'product.draft_revised',
      'product.version_published',
    ]);
  });

  it('two versions published at once leave exactly one on sale', async () => {
    const a = demo('ACCIDENT_1Y');
    a.code = 'ACCIDENT_RACE';
    const v1 = await ctx.services.products.createVersion(compliance, a);
    const v2 = await ctx.services.products.createVersion(compliance, { ...a, promotionalName: '网保安心意外险（新版）' });
    const results = await Promise.allSettled([
      ctx.services.products.publishVersion(compliance, 'ACCIDENT_RACE', v1.version),
      ctx.services.products.publishVersion(compliance, 'ACCIDENT_RACE', v2.version),
      ctx.services.products.publishVersion(compliance, 'ACCIDENT_RACE', v2.version),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as AppError).status).toBeLessThan(500);
    const rows = await ctx.db.selectFrom('product_versions').select('status').where('product_id', '=', v1.productId).execute();
    expect(rows.filter((r) => r.status === 'published')).toHaveLength(1);
  });

  it('seeds the four demo products once, however often it runs', async () => {
    const first = await seedDemoProducts(ctx.services, compliance);
    // MEDICAL_1Y and TERM_LIFE_20Y were published by earlier tests.
    expect(first.published.sort()).toEqual(['ACCIDENT_1Y', 'UNIVERSAL_10Y']);
    expect(first.alreadyOnSale.sort()).toEqual(['MEDICAL_1Y', 'TERM_LIFE_20Y']);
    const second = await seedDemoProducts(ctx.services, compliance);
    expect(second.published).toEqual([]);
    const onSale = (await ctx.services.products.listOnSale()).map((p) => p.code);
    expect(onSale).toEqual(expect.arrayContaining(['ACCIDENT_1Y', 'MEDICAL_1Y', 'TERM_LIFE_20Y', 'UNIVERSAL_10Y']));
    const versions = await ctx.db
      .selectFrom('product_versions')
      .innerJoin('products', 'products.id', 'product_versions.product_id')
      .select('products.code')
      .where('products.code', '=', 'ACCIDENT_1Y')
      .execute();
    expect(versions).toHaveLength(1);
  });
});

describe('product routes', () => {
  let ctx: TestContext;
  let token: string;
  beforeAll(async () => {
    ctx = await createTestContext();
    token = await staffToken(ctx, ['compliance_officer']);
    await seedDemoProducts(ctx.services, compliance);
  });
  afterAll(async () => ctx?.close());

  it('lists the products on sale with names, line, cover and the lowest premium', async () => {
    const res = await ctx.app.inject({ url: '/v1/products' });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as any[];
    expect(items.map((i) => i.code).sort()).toEqual(['ACCIDENT_1Y', 'MEDICAL_1Y', 'TERM_LIFE_20Y', 'UNIVERSAL_10Y']);
    expect(items.find((i) => i.code === 'ACCIDENT_1Y')).toMatchObject({
      promotionalName: '网保安心意外险',
      line: 'accident',
      newType: false,
      coverSummary: ['意外身故保险金', '意外伤残保险金'],
      premiumFrom: { premiumFen: 6_000, paymentMode: 'single' },
    });
    expect(items.find((i) => i.code === 'UNIVERSAL_10Y')).toMatchObject({ newType: true, riskLevel: 3 });
  });

  it('M§14 shows the full disclosure with text version ids and highlighted exclusions', async () => {
    const res = await ctx.app.inject({ url: '/v1/products/TERM_LIFE_20Y' });
    expect(res.statusCode).toBe(200);
    const p = res.json();
    expect(p).toMatchObject({
      code: 'TERM_LIFE_20Y',
      clauseName: '网保示范人寿定期寿险（互联网专属）',
      regulatory: { kind: 'filing', number: 'C00012332112022031500023' },
      coolingOffDays: 15,
      waitingPeriodDays: 90,
      faceVerificationRequired: true,
      uncertaintyStatement: null,
    });
    expect(p.exclusions.highlight).toBe(true);
    expect(p.exclusions.items.length).toBeGreaterThan(0);
    expect(p.exclusions.textVersionId).toBe(p.textVersions.exclusions);
    for (const s of p.sections) expect(s.textVersionId, s.key).toMatch(/^txt_/);
    expect(p.sections.find((s: any) => s.key === 'exclusions').highlight).toBe(true);
    for (const q of p.questionnaires) for (const i of q.items) expect(i.textVersionId).toMatch(/^txt_/);
    // Underwriting outcomes stay on the server.
    expect(JSON.stringify(p.questionnaires)).not.toContain('decline');
  });

  it('M§17(2) shows the new-type statement bold, no smaller than the name, and the risk questionnaire', async () => {
    const p = (await ctx.app.inject({ url: '/v1/products/UNIVERSAL_10Y' })).json();
    expect(p.newType).toBe(true);
    expect(p.uncertaintyStatement).toMatchObject({ bold: true, textVersionId: expect.stringMatching(/^txt_/) });
    expect(p.uncertaintyStatement.text).toContain('保单利益具有不确定性');
    expect(p.uncertaintyStatement.fontSizePx).toBeGreaterThanOrEqual(p.productNameFontSizePx);
    expect(p.questionnaires.map((q: any) => q.kind)).toEqual(['risk_tolerance', 'suitability']);
    expect(JSON.stringify(p.questionnaires)).not.toContain('score');
  });

  it('answers an unknown product with 404 and a withdrawn one with PRODUCT_NOT_ON_SALE', async () => {
    const res = await ctx.app.inject({ url: '/v1/products/NO_SUCH_PRODUCT' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const d = demo('ACCIDENT_1Y');
    d.code = 'ACCIDENT_GONE';
    const { version } = await ctx.services.products.createVersion(compliance, d);
    await ctx.services.products.publishVersion(compliance, 'ACCIDENT_GONE', version);
    const w = await ctx.app.inject({
      method: 'POST',
      url: `/v1/console/products/ACCIDENT_GONE/versions/${version}/withdraw`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(w.statusCode).toBe(200);
    expect(w.json().status).toBe('withdrawn');
    const gone = await ctx.app.inject({ url: '/v1/products/ACCIDENT_GONE' });
    expect(gone.statusCode).toBe(422);
    expect(gone.json().code).toBe('PRODUCT_NOT_ON_SALE');
  });

  it('console: refuses without a staff session and without the compliance role', async () => {
    expect((await ctx.app.inject({ url: '/v1/console/products' })).statusCode).toBe(401);
    const uw = await staffToken(ctx, ['underwriter']);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/console/products',
      headers: { authorization: `Bearer ${uw}` },
      payload: demo('ACCIDENT_1Y'),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('FORBIDDEN');
  });

  it('M§14 console: refuses to publish over HTTP naming every missing item', async () => {
    const d = demo('MEDICAL_1Y') as any;
    d.code = 'MEDICAL_INCOMPLETE';
    delete d.disclosure.exclusions;
    delete d.disclosure.noBranchWarning;
    delete d.disclosure.invoiceDelivery;
    const auth = { authorization: `Bearer ${token}` };
    const created = await ctx.app.inject({ method: 'POST', url: '/v1/console/products', headers: auth, payload: d });
    expect(created.statusCode).toBe(201);
    const { version } = created.json();
    const check = (
      await ctx.app.inject({ url: `/v1/console/products/MEDICAL_INCOMPLETE/versions/${version}/check`, headers: auth })
    ).json();
    expect(check.publishable).toBe(false);
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/v1/console/products/MEDICAL_INCOMPLETE/versions/${version}/publish`,
      headers: auth,
    });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body.code).toBe('PRODUCT_DISCLOSURE_INCOMPLETE');
    expect(body.errors.map((e: any) => e.path).sort()).toEqual([
      'disclosure.exclusions',
      'disclosure.invoiceDelivery',
      'disclosure.noBranchWarning',
    ]);
    expect(body.errors).toEqual(check.problems);
  });

  it('console: drafts, publishes and lists versions; a published version refuses edits with 409', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const d = demo('ACCIDENT_1Y');
    d.code = 'ACCIDENT_CONSOLE';
    const created = await ctx.app.inject({ method: 'POST', url: '/v1/console/products', headers: auth, payload: d });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ version: 1, productVersionId: expect.stringMatching(/^pv_/) });
    const pub = await ctx.app.inject({ method: 'POST', url: '/v1/console/products/ACCIDENT_CONSOLE/versions/1/publish', headers: auth });
    expect(pub.statusCode).toBe(200);
    expect(pub.json()).toMatchObject({ status: 'published', textVersions: { exclusions: expect.stringMatching(/^txt_/) } });
    const edit = await ctx.app.inject({
      method: 'PUT',
      url: '/v1/console/products/ACCIDENT_CONSOLE/versions/1',
      headers: auth,
      payload: d,
    });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().code).toBe('PRODUCT_VERSION_PUBLISHED');
    const list = (await ctx.app.inject({ url: '/v1/console/products', headers: auth })).json();
    expect(list.items).toContainEqual(expect.objectContaining({ code: 'ACCIDENT_CONSOLE', version: 1, status: 'published' }));
  });

  it('console: an invalid definition is a 400 with field findings, never a 5xx', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/console/products',
      headers: { authorization: `Bearer ${token}` },
      payload: { ...demo('ACCIDENT_1Y'), coolingOffDays: 'fifteen', ratingTable: [] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/v1/console/products/ACCIDENT_1Y/versions/abc/publish',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bad.statusCode).toBe(400);
    const missing = await ctx.app.inject({
      method: 'POST',
      url: '/v1/console/products/ACCIDENT_1Y/versions/99/publish',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.statusCode).toBe(404);
  });
});
