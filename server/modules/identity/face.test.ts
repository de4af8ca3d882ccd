import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { newId } from '../../platform/ids.js';
import { createFaceCheck } from './face.js';

/** The rows an application hangs off, inserted directly so this test does not depend on the sale. */
async function insertApplication(ctx: TestContext): Promise<string> {
  const at = ctx.clock.now();
  const pii = ctx.platform.pii;
  const consumerId = newId('csm');
  await ctx.db.insertInto('consumers').values({ id: consumerId, phone_index: pii.blindIndex('phone', consumerId), phone_cipher: pii.encrypt('phone', '13800000000'), created_at: at }).execute();
  const productId = newId('prd');
  await ctx.db.insertInto('products').values({ id: productId, code: productId, name: '测试', created_at: at }).execute();
  const pvId = newId('pv');
  await ctx.db
    .insertInto('product_versions')
    .values({ id: pvId, product_id: productId, version: 1, status: 'draft', definition: '{}', definition_hash: pvId, created_by: null, created_at: at, published_at: null, published_by: null, withdrawn_at: null })
    .execute();
  const quoteId = newId('quo');
  await ctx.db.insertInto('quotes').values({ id: quoteId, product_version_id: pvId, options: '{}', premium_fen: 100, expires_at: at, created_at: at }).execute();
  const applicationId = newId('app');
  await ctx.db
    .insertInto('applications')
    .values({
      id: applicationId, consumer_id: consumerId, quote_id: quoteId, product_version_id: pvId, status: 'draft', premium_fen: 100, sum_insured_fen: 100,
      term_years: 1, payment_mode: 'single', insured_relationship: 'self', beneficiary_designation: 'legal', suitability: null, underwriting_outcome: null,
      created_at: at, submitted_at: null, referred_at: null, declined_at: null, accepted_at: null, signed_at: null, paid_at: null, issued_at: null,
      expired_at: null, identity_verified_at: null, insured_identity_verified_at: null,
    })
    .execute();
  return applicationId;
}

describe('compareFace', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  it('M§33 records a passed and a failed face comparison with the event, and keeps neither the capture nor the ID', async () => {
    const applicationId = await insertApplication(ctx);
    const face = createFaceCheck({ clock: ctx.clock, face: ctx.platform.face });
    const who = { applicationId, partyRole: 'policyholder', idNumber: '11010519491231002X', name: '王小明' };
    const actor = { type: 'anonymous' as const };
    const pass = await face.compareFace(ctx.db, actor, { ...who, imageBase64: Buffer.from('a live capture').toString('base64') });
    const fail = await face.compareFace(ctx.db, actor, { ...who, imageBase64: Buffer.from('MISMATCH someone else').toString('base64') });
    expect(pass).toMatchObject({ passed: true, score: 0.97 });
    expect(fail).toMatchObject({ passed: false });
    const rows = await ctx.db.selectFrom('identity_verifications').selectAll().where('application_id', '=', applicationId).orderBy('result', 'desc').execute();
    expect(rows.map((r) => [r.id, r.method, r.result])).toEqual([
      [pass.verificationId, 'face', 'passed'],
      [fail.verificationId, 'face', 'failed'],
    ]);
    const events = await ctx.db.selectFrom('events').selectAll().where('subject_id', '=', applicationId).where('type', '=', 'identity.checked').execute();
    expect(events).toHaveLength(2);
    const dump = JSON.stringify([rows, events]);
    expect(dump).not.toContain('11010519491231002X');
    expect(dump).not.toContain('王小明');
    expect(dump).not.toContain(Buffer.from('a live capture').toString('base64'));
  });
});
