import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson, type Person } from './helpers/people.js';
import { readLatestCode } from './helpers/journey.js';
import { verifyLedger } from '../server/ledger/verify.js';
import { retentionEnd, retentionReport } from '../server/modules/records/index.js';
import { addDays, addYears } from '../server/platform/dates.js';
import { maskIdNumber, maskPhone } from '../server/platform/pii.js';
import type { ManualClock } from '../server/platform/clock.js';
import { createSubjectKeys } from '../server/platform/subject-keys.js';

const compliance = { type: 'staff' as const, id: 'stf_compliance', roles: ['compliance_officer' as const] };
const complaints = { type: 'staff' as const, id: 'stf_complaints', roles: ['complaint_handler' as const] };
const rules = { shortTermYears: 5, longTermYears: 10, disputeYears: 2 };

/** Every ledger entry's bytes, sequenced or still queued, as text. */
async function allEntries(ctx: JourneyContext): Promise<string[]> {
  const leaves = await ctx.db.selectFrom('ledger_leaves').select('entry').orderBy('leaf_index').execute();
  const queued = await ctx.db.selectFrom('ledger_queue').select('entry').orderBy('seq').execute();
  return [...leaves, ...queued].map((r) => r.entry.toString('utf8'));
}

async function verify(ctx: JourneyContext) {
  return verifyLedger(ctx.db, { suite: ctx.config.LEDGER_HASH, origin: ctx.config.LEDGER_ORIGIN, verifier: ctx.services.ledger.verifier });
}

describe('crypto-shredding of personal data in the ledger', () => {
  let ctx: JourneyContext;
  let clock: ManualClock;
  let holder: Person;
  let bought: Awaited<ReturnType<JourneyContext['buy']>>;
  let other: Awaited<ReturnType<JourneyContext['buy']>>;
  beforeAll(async () => {
    ctx = await createJourneyContext();
    clock = ctx.clock as ManualClock;
    holder = makePerson('销毁', '1990-05-17', 'M');
    bought = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: holder,
    });
    other = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: makePerson('争议', '1988-02-11', 'F'),
    });
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
  });
  afterAll(async () => ctx?.close());

  it('M§33 seals personal data in ledger entries: no phone or ID number in plaintext, not even masked', async () => {
    const entries = await allEntries(ctx);
    const text = entries.join('\n');
    for (const secret of [holder.phone, holder.idNumber, holder.name, maskPhone(holder.phone), maskIdNumber(holder.idNumber)])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\d{3}\*{4}\d{4}/);
    const sent = entries.map((e) => JSON.parse(e)).filter((e) => e.type === 'consumer.otp_sent');
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const e of sent)
      expect(e.payload.phone.$sealed).toMatchObject({ field: 'phone', ct: expect.stringMatching(/^v1\.(aes|sm4)\.sk_/) });
    const idChecks = entries
      .map((e) => JSON.parse(e))
      .filter((e) => e.type === 'identity.checked' && e.payload.method === 'id_checksum' && e.subject.id === bought.application.id);
    expect(idChecks).toHaveLength(1);
    expect(idChecks[0].payload.idNumber.$sealed.field).toBe('id_number');
  });

  it('M§33 seals the address a consumer signs in from, and replay shows only its network', async () => {
    const phone = '13912345678';
    await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone }, remoteAddress: '203.0.113.77' });
    const code = await readLatestCode(ctx.send, phone);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/consumer/sessions',
      payload: { phone, code },
      remoteAddress: '203.0.113.77',
    });
    expect(res.statusCode).toBe(201);
    const entries = await allEntries(ctx);
    expect(entries.join('\n')).not.toContain('203.0.113.77');
    const signedIn = entries
      .map((e) => JSON.parse(e))
      .filter((e) => e.type === 'consumer.signed_in' && e.subject.id === res.json().consumerId);
    expect(signedIn).toHaveLength(1);
    expect(signedIn[0].payload.ip.$sealed.field).toBe('ip_address');
    const opened = await createSubjectKeys({ pii: ctx.platform.pii }).revealMasked(ctx.db, [signedIn[0].payload.ip]);
    expect([...opened.values()]).toEqual([{ shown: '203.0.113.*', destroyed: false }]);
  });

  it('M§38 replay opens sealed values only to show them masked', async () => {
    const r = await ctx.services.replay.replay(compliance, { policyNumber: bought.policy.policyNumber });
    const idCheck = r.timeline.find((t) => t.type === 'identity.checked' && (t.value as { method?: string }).method === 'id_checksum')!;
    expect((idCheck.value as Record<string, unknown>).idNumber).toEqual({
      sealed: 'id_number',
      shown: maskIdNumber(holder.idNumber),
      destroyed: false,
    });
    const otp = r.timeline.find((t) => t.type === 'consumer.otp_sent')!;
    expect((otp.value as Record<string, unknown>).phone).toEqual({ sealed: 'phone', shown: maskPhone(holder.phone), destroyed: false });
    expect(JSON.stringify(r)).not.toContain(holder.idNumber);
  });

  it('§2.4 serves disputes and shredding over HTTP to staff only', async () => {
    const asConsumer = await ctx.app.inject({
      method: 'POST',
      url: '/v1/console/records/shred',
      headers: { authorization: `Bearer ${other.token}` },
      payload: { policyNumber: other.policy.policyNumber, reason: 'x' },
    });
    expect(asConsumer.statusCode).toBe(403);
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/v1/console/disputes',
      headers: { authorization: `Bearer ${other.token}` },
      payload: { policyNumber: other.policy.policyNumber, kind: 'gossip', reference: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it('§2.4 refuses to shred before retention ends, and lets only compliance officers shred', async () => {
    await expect(
      ctx.services.records.shredSale(compliance, { policyNumber: bought.policy.policyNumber, reason: 'too early' }),
    ).rejects.toMatchObject({ code: 'RETENTION_NOT_ENDED' });
    await expect(
      ctx.services.records.shredSale(complaints, { policyNumber: bought.policy.policyNumber, reason: 'not mine' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const key = await ctx.db
      .selectFrom('subject_keys')
      .select(['key_cipher', 'destroyed_at'])
      .where('scope_type', '=', 'application')
      .where('scope_id', '=', bought.application.id)
      .executeTakeFirstOrThrow();
    expect(key.key_cipher).not.toBeNull();
    expect(key.destroyed_at).toBeNull();
  });

  it('§2.4 holds a disputed sale past its retention end, and keeps it 2 years after the dispute ends', async () => {
    const opened = await ctx.services.records.openDispute(complaints, {
      policyNumber: other.policy.policyNumber,
      kind: 'complaint',
      reference: 'TS-2026-0001',
    });
    const due = retentionEnd(rules, { termYears: 1, terminationDate: bought.policy.endDate });
    clock.set(`${addDays(due, 1)}T04:00:00Z`);
    const report = await retentionReport(ctx.db, rules, clock.now());
    expect(report.pastRetention.map((p) => p.policyNumber)).toContain(bought.policy.policyNumber);
    expect(report.pastRetention.map((p) => p.policyNumber)).not.toContain(other.policy.policyNumber);
    expect(report.heldByOpenDispute.map((p) => p.policyNumber)).toEqual([other.policy.policyNumber]);
    await expect(
      ctx.services.records.shredSale(compliance, { policyNumber: other.policy.policyNumber, reason: 'retention over' }),
    ).rejects.toMatchObject({ code: 'RETENTION_NOT_ENDED' });

    const ended = await ctx.services.records.endDispute(complaints, opened.disputeId);
    await expect(ctx.services.records.endDispute(complaints, opened.disputeId)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    const r = await ctx.services.records.retentionOf(compliance, { policyNumber: other.policy.policyNumber });
    expect(r.heldByOpenDispute).toBe(false);
    expect(r.retentionEnd).toBe(addYears(addDays(due, 1), 2));
    expect(ended.endedAt.toISOString()).toBe(clock.now().toISOString());
  });

  it('M§33 shreds a sale past retention: its sealed values become unreadable while every entry and proof still verifies', async () => {
    const before = await allEntries(ctx);
    const checkpointBefore = await ctx.services.ledger.latestCheckpoint();

    const done = await ctx.services.records.shredSale(compliance, { policyNumber: bought.policy.policyNumber, reason: '保存期届满' });
    expect(done.retentionEnd < done.shreddedAt.toISOString().slice(0, 10)).toBe(true);
    await expect(
      ctx.services.records.shredSale(compliance, { policyNumber: bought.policy.policyNumber, reason: 'again' }),
    ).rejects.toMatchObject({ code: 'INVALID_STATE' });

    const key = await ctx.db
      .selectFrom('subject_keys')
      .select(['key_cipher', 'destroyed_at', 'destroyed_by'])
      .where('scope_type', '=', 'application')
      .where('scope_id', '=', bought.application.id)
      .executeTakeFirstOrThrow();
    expect(key).toMatchObject({ key_cipher: null, destroyed_by: 'stf_compliance' });

    // The entries are byte for byte what they were: shredding added an entry, it changed none.
    const after = await allEntries(ctx);
    expect(after.slice(0, before.length)).toEqual(before);
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
    const report = await verify(ctx);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    // The checkpoint published before shredding is still a prefix of the log.
    const now = await ctx.services.ledger.latestCheckpoint();
    expect(now.treeSize).toBeGreaterThan(checkpointBefore.treeSize);
    const proof = await ctx.services.ledger.consistencyProof(checkpointBefore.treeSize, now.treeSize);
    expect(proof.proof.length).toBeGreaterThan(0);

    const r = await ctx.services.replay.replay(compliance, { policyNumber: bought.policy.policyNumber });
    const idCheck = r.timeline.find((t) => t.type === 'identity.checked' && (t.value as { method?: string }).method === 'id_checksum')!;
    expect((idCheck.value as Record<string, unknown>).idNumber).toEqual({ sealed: 'id_number', shown: null, destroyed: true });
    expect(r.timeline.map((t) => t.type)).toContain('records.shredded');

    // The other sale's sealed values still open: one sale's key is one sale's.
    const o = await ctx.services.replay.replay(compliance, { policyNumber: other.policy.policyNumber });
    const oCheck = o.timeline.find((t) => t.type === 'identity.checked' && (t.value as { method?: string }).method === 'id_checksum')!;
    expect((oCheck.value as { idNumber: { destroyed: boolean } }).idNumber.destroyed).toBe(false);
  });

  it('M§33 lets a subject key only be destroyed, once: SQL can neither restore, alter nor delete it', async () => {
    const q = (s: string) => sql.raw(s).execute(ctx.db);
    const where = `where scope_type = 'application' and scope_id = '${bought.application.id}'`;
    await expect(q(`update subject_keys set key_cipher = 'restored', destroyed_at = null ${where}`)).rejects.toThrow(/only ever destroyed/);
    await expect(q(`delete from subject_keys ${where}`)).rejects.toThrow(/only ever destroyed/);
    const live = `where scope_type = 'application' and scope_id = '${other.application.id}'`;
    await expect(q(`update subject_keys set scope_id = 'app_elsewhere', key_cipher = null, destroyed_at = now() ${live}`)).rejects.toThrow(
      /only ever destroyed/,
    );
  });

  it('M§33 seals nothing more under a shredded sale’s key: a late write is refused, not given a new key', async () => {
    const keys = createSubjectKeys({ pii: ctx.platform.pii });
    await expect(
      keys.seal(ctx.db, { type: 'application', id: bought.application.id }, 'phone', holder.phone, clock.now()),
    ).rejects.toMatchObject({ code: 'RECORDS_SHREDDED' });
    const rows = await ctx.db
      .selectFrom('subject_keys')
      .select('id')
      .where('scope_type', '=', 'application')
      .where('scope_id', '=', bought.application.id)
      .execute();
    expect(rows).toHaveLength(1);
  });
});
