import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from '../../../test/helpers/journey-context.js';
import { makePerson } from '../../../test/helpers/people.js';

import { signedInStaff } from '../../../test/helpers/staff.js';

const underwriterToken = async (ctx: JourneyContext) => (await signedInStaff(ctx, ['underwriter'], '核保')).token;

describe('the underwriter console', () => {
  let ctx: JourneyContext;
  let token: string;

  beforeAll(async () => {
    ctx = await createJourneyContext();
    token = await underwriterToken(ctx);
  }, 120_000);
  afterAll(async () => ctx?.close());

  it('M§18 lists a referred application, shows it with masked parties and the rules’ reasons, and takes a decision with reasons', async () => {
    const product = await ctx.definition('MEDICAL_1Y');
    const health = product.questionnaires.find((q: any) => q.kind === 'health');
    const item = health.items.find((i: any) => i.options.some((o: any) => o.underwriting === 'refer'));
    const referring = item.options.find((o: any) => o.underwriting === 'refer');
    const r = await ctx.buy({
      productCode: 'MEDICAL_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 200_000_000,
      policyholder: makePerson('蒋待', '1988-11-02', 'F'),
      answers: { overrides: { [`${health.code}.${item.code}`]: referring.code } },
    });
    expect(r.submission.status).toBe('referred');

    expect((await ctx.send({ method: 'GET', url: '/v1/console/underwriting/referrals', token: r.token })).status).toBe(403);
    const list = await ctx.send({ method: 'GET', url: '/v1/console/underwriting/referrals', token });
    expect(list.status).toBe(200);
    const listed = list.body.items.find((x: any) => x.applicationId === r.application.id);
    expect(listed).toMatchObject({ productCode: 'MEDICAL_1Y', sumInsuredFen: 200_000_000, referredAt: ctx.clock.now().toISOString() });

    const one = await ctx.send({ method: 'GET', url: `/v1/console/underwriting/referrals/${r.application.id}`, token });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ applicationId: r.application.id, status: 'referred', productCode: 'MEDICAL_1Y' });
    // Names and ID numbers are masked; the health answer is shown in words, as the underwriter needs it.
    const holder = one.body.parties.find((p: any) => p.role === 'policyholder');
    expect(holder).toMatchObject({ birthDate: '1988-11-02', gender: 'F' });
    expect(holder.name).not.toBe('蒋待');
    expect(holder.idNumber).toContain('*');
    expect(one.body.answers).toContainEqual({ questionnaire: health.code, item: item.code, question: item.text, answer: referring.label });
    expect(one.body.decisions).toEqual([
      {
        source: 'rules',
        outcome: 'refer',
        reasons: [expect.objectContaining({ code: 'HEALTH', outcome: 'refer' })],
        decidedAt: expect.stringMatching(/Z$/),
      },
    ]);

    const decided = await ctx.send({
      method: 'POST',
      url: `/v1/console/underwriting/referrals/${r.application.id}/decision`,
      token,
      body: { outcome: 'accept', reasons: ['复查稳定，标准体承保'] },
    });
    expect(decided.body).toEqual({ applicationId: r.application.id, status: 'awaiting_signature' });
    const after = await ctx.send({ method: 'GET', url: `/v1/console/underwriting/referrals/${r.application.id}`, token });
    expect(after.body.decisions.at(-1)).toMatchObject({
      source: 'underwriter',
      outcome: 'accept',
      reasons: [{ code: 'UNDERWRITER', outcome: 'accept', message: '复查稳定，标准体承保' }],
    });
  });
});
