import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../server/platform/events.js';
import { newId } from '../server/platform/ids.js';
import { backoffMs } from '../server/platform/outbox.js';

import type { StaffRole } from '../server/platform/actor.js';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson } from './helpers/people.js';
import { signedInStaff } from './helpers/staff.js';
/** A signed-in member of staff with these roles. */
const staffToken = async (ctx: { db: JourneyContext['db']; clock: JourneyContext['clock'] }, roles: StaffRole[]) =>
  (await signedInStaff(ctx, roles)).token;

/** A name with a CJK Extension G ideograph, which no embedded font has (生僻字 beyond the font). */
const RARE = '王\u{30000}';

describe('the outbox: work after commit', () => {
  let ctx: JourneyContext;
  let compliance: string;
  let underwriter: string;
  const accident = (name: string, birth: string) => ({
    productCode: 'ACCIDENT_1Y',
    termYears: 1,
    paymentMode: 'single' as const,
    sumInsuredFen: 50_000_000,
    policyholder: makePerson(name, birth, 'M'),
  });
  const seal = async () => {
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
  };
  const get = async (url: string, token?: string) => {
    const res = await ctx.app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.statusCode, type: String(res.headers['content-type']), body: res.json() };
  };
  const post = async (url: string, token?: string) => {
    const res = await ctx.app.inject({ method: 'POST', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.statusCode, type: String(res.headers['content-type']), body: res.json() };
  };
  const ePolicyOf = (policyId: string) =>
    ctx.db.selectFrom('policy_documents').select(['version']).where('policy_id', '=', policyId).where('kind', '=', 'e_policy').execute();
  const itemsOf = (kind: string, subjectIds: string[]) =>
    ctx.db
      .selectFrom('outbox_items')
      .selectAll()
      .where('kind', '=', kind as 'e_policy')
      .where('subject_id', 'in', subjectIds)
      .orderBy('id')
      .execute();

  /**
   * `n` more issued policies like `policyId` (same holder), each with its own application, paid order and
   * `policy.issued` event in the transaction that writes it, as issuance does: so each gets its outbox items the
   * same way, and an invoice of its own to make.
   */
  async function cloneIssued(policyId: string, n: number): Promise<string[]> {
    return ctx.db.transaction().execute(async (trx) => {
      const pol = await trx.selectFrom('policies').selectAll().where('id', '=', policyId).executeTakeFirstOrThrow();
      const app = await trx.selectFrom('applications').selectAll().where('id', '=', pol.application_id).executeTakeFirstOrThrow();
      const parties = await trx.selectFrom('parties').selectAll().where('application_id', '=', app.id).orderBy('position').execute();
      const order = await trx
        .selectFrom('payment_orders')
        .selectAll()
        .where('application_id', '=', app.id)
        .where('status', '=', 'paid')
        .executeTakeFirstOrThrow();
      const issued = await trx
        .selectFrom('events')
        .select('payload')
        .where('subject_id', '=', policyId)
        .where('type', '=', 'policy.issued')
        .executeTakeFirstOrThrow();
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const at = ctx.clock.now();
        const applicationId = newId('app', at.getTime());
        const id = newId('pol', at.getTime());
        await trx
          .insertInto('applications')
          .values({ ...app, id: applicationId, suitability: app.suitability === null ? null : JSON.stringify(app.suitability) })
          .execute();
        for (const p of parties)
          await trx
            .insertInto('parties')
            .values({ ...p, id: newId('prt', at.getTime()), application_id: applicationId })
            .execute();
        await trx
          .insertInto('payment_orders')
          .values({ ...order, id: newId('pay', at.getTime()), application_id: applicationId })
          .execute();
        const policyNumber = `OB${String(i).padStart(8, '0')}${createHash('sha1').update(id).digest('hex').slice(0, 4).toUpperCase()}`;
        await trx
          .insertInto('policies')
          .values({ ...pol, id, application_id: applicationId, policy_number: policyNumber })
          .execute();
        await recordEvent(trx, {
          type: 'policy.issued',
          actor: { type: 'system', id: 'issuance' },
          subject: { type: 'policy', id },
          payload: { ...(issued.payload as object), policyNumber, applicationId },
          at,
        });
        ids.push(id);
      }
      return ids;
    });
  }

  beforeAll(async () => {
    ctx = await createJourneyContext();
  });
  afterAll(async () => ctx?.close());

  it('enqueues work in the transaction of the change: a change rolled back leaves no item', async () => {
    const subject = { type: 'callback_case', id: newId('cbc', ctx.clock.now().getTime()) };
    let seenInside = 0;
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await recordEvent(trx, {
          type: 'callback.case_opened',
          actor: { type: 'system', id: 'issuance' },
          subject,
          payload: {},
          at: ctx.clock.now(),
        });
        seenInside = (await trx.selectFrom('outbox_items').select('id').where('subject_id', '=', subject.id).execute()).length;
        throw new Error('the change fails after its event');
      }),
    ).rejects.toThrow('the change fails');
    expect(seenInside).toBe(1);
    expect(await ctx.db.selectFrom('outbox_items').select('id').where('subject_id', '=', subject.id).execute()).toEqual([]);
    expect(await ctx.db.selectFrom('events').select('id').where('subject_id', '=', subject.id).execute()).toEqual([]);
  });

  it('M§33 an e-policy not sealed by a checkpoint yet waits without counting a failure, and is made once sealed', async () => {
    const bought = await ctx.buy(accident('周平', '1988-08-08'));
    const first = await ctx.services.outbox.drain({ kinds: ['e_policy'] });
    expect(first.byKind.e_policy).toEqual({ done: 0, skipped: 0, notReady: 1, failed: 0 });
    const [waiting] = await itemsOf('e_policy', [bought.policy.id]);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, last_error: null });
    expect(waiting!.next_attempt_at.getTime()).toBe(ctx.clock.now().getTime() + ctx.services.outbox.policy.notReadyDelayMs);
    await seal();
    // Not looked at again before its wait is over, even sealed.
    expect((await ctx.services.outbox.drain({ kinds: ['e_policy'] })).handled).toBe(0);
    ctx.clock.advance(ctx.services.outbox.policy.notReadyDelayMs);
    expect((await ctx.services.outbox.drain({ kinds: ['e_policy'] })).byKind.e_policy?.done).toBe(1);
    expect(await ePolicyOf(bought.policy.id)).toEqual([{ version: 1 }]);
    expect((await itemsOf('e_policy', [bought.policy.id]))[0]).toMatchObject({ status: 'done', attempts: 0 });
    await ctx.services.outbox.drain();
  });

  it('CB a callback notice that fails once is tried again after its backoff and sent once', async () => {
    const holder = makePerson('冯敏', '1985-05-05', 'F');
    const bought = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: holder,
    });
    const c = await ctx.db.selectFrom('callback_cases').select('id').where('policy_id', '=', bought.policy.id).executeTakeFirstOrThrow();
    const notices = async () =>
      (
        await ctx.db
          .selectFrom('sms_outbox')
          .select('template')
          .where('phone_index', '=', ctx.platform.pii.blindIndex('phone', holder.phone))
          .execute()
      ).filter((m) => m.template === 'callback_notice');
    const sms = ctx.platform.sms;
    const send = sms.send.bind(sms);
    let refusals = 1;
    sms.send = async (message, at) => {
      if (message.template === 'callback_notice' && refusals-- > 0) throw new Error('SMS gateway timed out');
      return send(message, at);
    };
    try {
      const failed = await ctx.services.outbox.drain({ kinds: ['callback_notice'] });
      expect(failed.byKind.callback_notice).toEqual({ done: 0, skipped: 0, notReady: 0, failed: 1 });
      expect(await notices()).toHaveLength(0);
      const [item] = await itemsOf('callback_notice', [c.id]);
      expect(item).toMatchObject({ status: 'pending', attempts: 1, last_error: 'Error: SMS gateway timed out' });
      // Nothing of the failed try is left: the notice is not marked sent.
      expect(
        (await ctx.db.selectFrom('callback_cases').select('notified_at').where('id', '=', c.id).executeTakeFirstOrThrow()).notified_at,
      ).toBeNull();

      ctx.clock.advance(backoffMs(1) - 1);
      expect((await ctx.services.outbox.drain({ kinds: ['callback_notice'] })).handled).toBe(0);
      ctx.clock.advance(1);
      expect((await ctx.services.outbox.drain({ kinds: ['callback_notice'] })).byKind.callback_notice).toEqual({
        done: 1,
        skipped: 0,
        notReady: 0,
        failed: 0,
      });
      expect(await notices()).toHaveLength(1);
      ctx.clock.advance(3_600_000);
      await ctx.services.outbox.drain();
      expect(await notices()).toHaveLength(1);
      expect((await itemsOf('callback_notice', [c.id]))[0]).toMatchObject({ status: 'done', attempts: 1 });
    } finally {
      sms.send = send;
    }
  });

  describe('60 policies whose e-policy cannot be made, then one that can', () => {
    let bad: string[];
    let good: string;

    beforeAll(async () => {
      // Nothing left over from the tests above.
      await seal();
      ctx.clock.advance(86_400_000);
      await ctx.services.outbox.drain();
      expect(await ctx.db.selectFrom('outbox_items').select('id').where('status', '!=', 'done').execute()).toEqual([]);
      const rare = await ctx.buy(accident(RARE, '1990-02-02'));
      bad = [rare.policy.id, ...(await cloneIssued(rare.policy.id, 59))];
      ctx.clock.advance(1_000);
      good = (await ctx.buy(accident('孙平', '1990-03-03'))).policy.id;
      await seal();
    }, 120_000);

    it('M§22 the good one gets its e-policy within one drain; the 60 wait, each with its error', async () => {
      const run = await ctx.services.outbox.drain();
      expect(await ePolicyOf(good)).toEqual([{ version: 1 }]);
      expect(run.byKind.e_policy).toEqual({ done: 1, skipped: 0, notReady: 0, failed: 60 });
      expect(run.byKind.invoice).toEqual({ done: 1, skipped: 0, notReady: 0, failed: 60 });
      for (const id of bad) expect(await ePolicyOf(id)).toEqual([]);

      // Sessions of staff expire when idle, and the clock travels here: signed in afresh.
      compliance = await staffToken(ctx, ['compliance_officer']);
      const listed = await get('/v1/console/outbox-items?status=pending&kind=e_policy', compliance);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((i: { subjectId: string }) => i.subjectId).sort()).toEqual([...bad].sort());
      const retryAt = new Date(ctx.clock.now().getTime() + backoffMs(1)).toISOString();
      for (const item of listed.body.items) {
        expect(item).toMatchObject({ kind: 'e_policy', status: 'pending', attempts: 1, maxAttempts: 8, nextAttemptAt: retryAt });
        expect(item.lastError).toMatch(/^VALIDATION_FAILED: The document prints characters the font has no glyph for \[.*glyph_missing/);
        // The field at fault is named; the character, part of a name, is not.
        expect(item.lastError).not.toContain('\u{30000}');
      }
      expect(listed.body.counts.pending).toBeGreaterThanOrEqual(120);
    });

    it('retries each on its schedule: not before the backoff, again after it, further apart each time', async () => {
      ctx.clock.advance(backoffMs(1) - 1);
      expect((await ctx.services.outbox.drain()).handled).toBe(0);
      ctx.clock.advance(1);
      const second = await ctx.services.outbox.drain();
      expect(second.byKind.e_policy).toEqual({ done: 0, skipped: 0, notReady: 0, failed: 60 });
      const items = await itemsOf('e_policy', bad);
      for (const i of items) {
        expect(i).toMatchObject({ status: 'pending', attempts: 2 });
        expect(i.next_attempt_at.getTime()).toBe(ctx.clock.now().getTime() + backoffMs(2));
      }
      expect(backoffMs(2)).toBe(2 * backoffMs(1));
    });

    it('after the last allowed attempt an item is failed, listed as such, and an operator puts it back', async () => {
      const max = ctx.services.outbox.policy.maxAttempts;
      for (let attempt = 3; attempt <= max; attempt++) {
        ctx.clock.advance(backoffMs(attempt - 1));
        const run = await ctx.services.outbox.drain({ kinds: ['e_policy'] });
        expect(run.byKind.e_policy?.failed).toBe(60);
      }
      ctx.clock.advance(7 * 86_400_000);
      expect((await ctx.services.outbox.drain({ kinds: ['e_policy'] })).handled).toBe(0);

      compliance = await staffToken(ctx, ['compliance_officer']);
      underwriter = await staffToken(ctx, ['underwriter']);
      const failed = await get('/v1/console/outbox-items?status=failed&kind=e_policy&limit=500', compliance);
      expect(failed.body.items).toHaveLength(60);
      expect(failed.body.items[0]).toMatchObject({
        status: 'failed',
        attempts: max,
        nextAttemptAt: null,
        lastError: expect.stringMatching(/^VALIDATION_FAILED/),
      });

      const one = failed.body.items[0].id;
      const retried = await post(`/v1/console/outbox-items/${one}/retry`, compliance);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({
        id: one,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: ctx.clock.now().toISOString(),
        failedAt: null,
      });
      const requeued = await ctx.db.selectFrom('events').select(['type', 'actor_type']).where('subject_id', '=', one).execute();
      expect(requeued).toEqual([{ type: 'outbox.item_requeued', actor_type: 'staff' }]);
      const again = await ctx.services.outbox.drain({ kinds: ['e_policy'] });
      expect(again.byKind.e_policy).toEqual({ done: 0, skipped: 0, notReady: 0, failed: 1 });

      // Only a failed item goes back; bad input and the wrong people are refused as problem+json.
      const pending = await post(`/v1/console/outbox-items/${one}/retry`, compliance);
      expect([pending.status, pending.body.code, pending.type]).toEqual([
        409,
        'INVALID_STATE',
        expect.stringContaining('application/problem+json'),
      ]);
      expect((await post('/v1/console/outbox-items/not-an-id/retry', compliance)).body.code).toBe('VALIDATION_FAILED');
      expect((await post(`/v1/console/outbox-items/${newId('obx')}/retry`, compliance)).body.code).toBe('NOT_FOUND');
      expect((await get('/v1/console/outbox-items?status=lost', compliance)).body.code).toBe('VALIDATION_FAILED');
      expect((await get('/v1/console/outbox-items', underwriter)).status).toBe(403);
      expect((await post(`/v1/console/outbox-items/${failed.body.items[1].id}/retry`, underwriter)).status).toBe(403);
      expect((await get('/v1/console/outbox-items')).body.code).toBe('UNAUTHENTICATED');
    });
  });

  it('the outbox carries ids only: no payload holds personal data', async () => {
    const rows = await sql<{ payload: Record<string, string> }>`select payload from outbox_items`.execute(ctx.db);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const r of rows.rows) for (const v of Object.values(r.payload)) expect(v).toMatch(/^[a-z]+_[0-9A-Z]{26}$/);
  });
});
