import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createJourneyContext, type JourneyContext } from '../../../test/helpers/journey-context.js';
import { makePerson } from '../../../test/helpers/people.js';

let ctx: JourneyContext;
beforeAll(async () => {
  ctx = await createJourneyContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** The ids of an application's consents in the order PostgreSQL returns them when no order is asked for. */
async function heapOrder(applicationId: string): Promise<string[]> {
  const r = await sql<{ id: string }>`select id from consents where application_id = ${applicationId}`.execute(ctx.db);
  return r.rows.map((x) => x.id);
}

describe('the application document (投保单)', () => {
  it('reads the same, with the same hash, however PostgreSQL happens to return its rows', async () => {
    const holder = makePerson('顾予安', '1987-03-21', 'F');
    const { application, token } = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: holder,
      until: 'submitted',
    });
    const show = async () => {
      const res = await ctx.send({ method: 'GET', url: `/v1/applications/${application.id}/document`, token });
      expect(res.status).toBe(200);
      return res.body as { textVersionId: string; documentHash: string; content: string };
    };
    const shown = await show();

    // An UPDATE writes a new row version at the end of the heap: the first consent read now comes last, as rows
    // do after vacuum, HOT updates or a change of plan. The document must not follow.
    const before = await heapOrder(application.id);
    expect(before.length).toBeGreaterThan(2);
    for (const id of before.slice(0, 2)) await sql`update consents set interaction = interaction where id = ${id}`.execute(ctx.db);
    await sql`analyze consents`.execute(ctx.db);
    expect(await heapOrder(application.id)).not.toEqual(before);

    const again = await show();
    expect(again.content).toBe(shown.content);
    expect(again.documentHash).toBe(shown.documentHash);
    expect(again.textVersionId).toBe(shown.textVersionId);

    // Signing renders the document again and compares it with the one shown.
    const signed = await ctx.send({
      method: 'POST',
      url: `/v1/applications/${application.id}/signatures`,
      token,
      body: { signer: 'policyholder', textVersionId: shown.textVersionId, documentHash: shown.documentHash },
    });
    expect(signed.body.code).toBeUndefined();
    expect(signed.status).toBe(201);
  });
});
