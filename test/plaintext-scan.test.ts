import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson, type Person } from './helpers/people.js';

/**
 * M§38 and requirements §2.10: after real journeys — every product, a second insured, named beneficiaries, a
 * refused third-party payment, a cooling-off cancellation — no table holds an ID number, phone number, bank
 * account or full name in plaintext, in any column, of any type.
 */
describe('personal data at rest', () => {
  let ctx: JourneyContext;
  const people: Person[] = [];
  beforeAll(async () => {
    ctx = await createJourneyContext();
    const p = (name: string, birth: string, g: 'M' | 'F') => {
      const x = makePerson(name, birth, g);
      people.push(x);
      return x;
    };
    await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: p('欧阳明轩', '1990-05-17', 'M'),
    });
    await ctx.buy({
      productCode: 'MEDICAL_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 200_000_000,
      policyholder: p('司马婉清', '1988-11-02', 'F'),
    });
    const term = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: p('诸葛云飞', '1991-01-23', 'M'),
    });
    await ctx.send({ method: 'POST', url: `/v1/policies/${term.policy.id}/cooling-off-cancellation`, token: term.token });
    await ctx.buy({
      productCode: 'UNIVERSAL_10Y',
      termYears: 10,
      paymentMode: 'single',
      sumInsuredFen: 10_000_000,
      policyholder: p('上官若兰', '1985-07-30', 'F'),
    });
    const holder = p('东方既白', '1980-03-03', 'M');
    const spouse = p('慕容晚晴', '1982-04-04', 'F');
    const child = p('东方小溪', '2015-06-01', 'F');
    await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: holder,
      insured: { relationship: 'spouse', person: spouse },
      beneficiary: {
        designation: 'named',
        beneficiaries: [
          { name: holder.name, idNumber: holder.idNumber, relationshipToInsured: 'spouse', shareBp: 6000 },
          { name: child.name, idNumber: child.idNumber, relationshipToInsured: 'child', shareBp: 4000 },
        ],
      },
    });
    await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: p('皇甫守义', '1979-09-09', 'M'),
      payer: p('令狐代付', '1970-01-01', 'F'),
      until: 'paid',
    });
  });
  afterAll(async () => ctx?.close());

  it('M§38 finds no plaintext ID number, phone, bank account or name in any column of any table', async () => {
    const columns = await sql<{ table_name: string; column_name: string }>`
      select c.table_name, c.column_name from information_schema.columns c
        join information_schema.tables t on t.table_name = c.table_name and t.table_schema = c.table_schema
       where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`.execute(ctx.db);
    expect(columns.rows.length).toBeGreaterThan(100);
    const needles = people.flatMap((x) => [x.idNumber, x.idNumber.slice(0, 17), x.phone, x.accountNo, x.name]);
    const found: string[] = [];
    for (const { table_name, column_name } of columns.rows) {
      const r = await sql<{
        v: string;
      }>`select ${sql.ref(column_name)}::text as v from ${sql.table(table_name)} where ${sql.ref(column_name)} is not null`.execute(ctx.db);
      for (const row of r.rows) for (const n of needles) if (row.v.includes(n)) found.push(`${table_name}.${column_name} holds ${n}`);
    }
    expect(found).toEqual([]);
  });

  it('the journeys did put personal data in the database, encrypted', async () => {
    const parties = await ctx.db.selectFrom('parties').select(['id_number_cipher', 'phone_cipher']).execute();
    expect(parties.length).toBeGreaterThanOrEqual(9);
    const decrypted = parties.map((p) => ctx.platform.pii.decrypt('id_number', p.id_number_cipher));
    for (const person of people.filter((x) => x.name !== '令狐代付')) expect(decrypted).toContain(person.idNumber);
  });
});
