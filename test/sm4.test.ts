import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson } from './helpers/people.js';

/** Requirements §2.10: with PII_CIPHER=sm4 the whole journey runs on 国密 SM4 for personal data at rest. */
describe('a journey with PII_CIPHER=sm4', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext({ env: { PII_CIPHER: 'sm4' } });
  });
  afterAll(async () => ctx?.close());

  it('M§38 issues a policy with every personal-data column under SM4', async () => {
    const holder = makePerson('国密', '1990-05-17', 'M');
    const r = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: holder,
    });
    expect(r.policy.status).toBe('in_force');
    const parties = await ctx.db
      .selectFrom('parties')
      .select(['name_cipher', 'id_number_cipher', 'phone_cipher'])
      .where('application_id', '=', r.application.id)
      .execute();
    const ciphertexts = parties.flatMap((p) => [p.name_cipher, p.id_number_cipher, p.phone_cipher]).filter((x): x is string => !!x);
    expect(ciphertexts.length).toBeGreaterThanOrEqual(5);
    for (const c of ciphertexts) expect(c.startsWith('v1.sm4.')).toBe(true);
    const answers = await ctx.db.selectFrom('answers').select('answer_cipher').where('application_id', '=', r.application.id).execute();
    for (const a of answers) expect(a.answer_cipher.startsWith('v1.sm4.')).toBe(true);
    expect(ctx.platform.pii.decrypt('id_number', parties[0]!.id_number_cipher)).toBe(holder.idNumber);
  });
});
