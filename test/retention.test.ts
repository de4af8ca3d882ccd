import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson } from './helpers/people.js';
import { retentionEnd, retentionReport } from '../server/modules/records/index.js';
import { addDays } from '../server/platform/dates.js';

const rules = { shortTermYears: 5, longTermYears: 10, disputeYears: 2 };

describe('retentionEnd (requirements §2.4)', () => {
  it('§2.4 keeps a one-year policy 5 years and a longer one 10 years after termination', () => {
    expect(retentionEnd(rules, { termYears: 1, terminationDate: '2027-03-02' })).toBe('2032-03-02');
    expect(retentionEnd(rules, { termYears: 20, terminationDate: '2046-03-02' })).toBe('2056-03-02');
  });
  it('§2.7 keeps a one-year sale with callback data 10 years, as callback data must be', () => {
    expect(retentionEnd(rules, { termYears: 1, hasCallback: true, terminationDate: '2027-03-02' })).toBe('2037-03-02');
  });
  it('§2.4 keeps records under dispute until 2 years after the dispute ends, when that is later', () => {
    expect(retentionEnd(rules, { termYears: 1, terminationDate: '2027-03-02', disputeEndDate: '2031-06-30' })).toBe('2033-06-30');
    expect(retentionEnd(rules, { termYears: 1, terminationDate: '2027-03-02', disputeEndDate: '2028-01-01' })).toBe('2032-03-02');
  });
});

describe('the retention report', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext();
  });
  afterAll(async () => ctx?.close());

  it('§2.4 reports a policy only once it is past retention, and purges nothing', async () => {
    const short = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: makePerson('保留', '1990-05-17', 'M'),
    });
    const long = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: makePerson('长期', '1991-01-23', 'F'),
    });
    const due = retentionEnd(rules, { termYears: 1, terminationDate: short.policy.endDate });
    const onDueDay = await retentionReport(ctx.db, rules, new Date(`${due}T12:00:00+08:00`));
    expect(onDueDay.pastRetention).toEqual([]);
    const dayAfter = await retentionReport(ctx.db, rules, new Date(`${addDays(due, 1)}T12:00:00+08:00`));
    expect(dayAfter.pastRetention.map((p) => p.policyNumber)).toEqual([short.policy.policyNumber]);
    expect(dayAfter.pastRetention.map((p) => p.policyNumber)).not.toContain(long.policy.policyNumber);
    const stillThere = await ctx.db
      .selectFrom('policies')
      .select('id')
      .where('policy_number', '=', short.policy.policyNumber)
      .executeTakeFirst();
    expect(stillThere).toBeDefined();
  });
});
