import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson, type Person } from './helpers/people.js';

/** M§38: every log line of a full journey, at trace level with request logging on, is free of personal data. */
describe('logs', () => {
  let ctx: JourneyContext;
  const lines: string[] = [];
  const people: Person[] = [];
  beforeAll(async () => {
    ctx = await createJourneyContext({ logLines: lines });
    const holder = makePerson('欧阳日志', '1990-05-17', 'M');
    const spouse = makePerson('司马记录', '1991-06-18', 'F');
    people.push(holder, spouse);
    await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: holder,
      insured: { relationship: 'spouse', person: spouse },
    });
    // A refused request too: errors are logged with their details.
    await ctx.send({ method: 'POST', url: '/v1/consumer/sessions', body: { phone: holder.phone, code: '000000' } });
  });
  afterAll(async () => ctx?.close());

  it('M§38 writes request logs during a journey', () => {
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.some((l) => l.includes('/v1/dev/sms-outbox'))).toBe(true);
  });

  it('M§38 never logs an ID number, phone number, bank account or name', () => {
    const text = lines.join('\n');
    for (const p of people) for (const secret of [p.idNumber, p.phone, p.accountNo, p.name]) expect(text).not.toContain(secret);
  });
});
