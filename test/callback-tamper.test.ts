import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyContext } from './helpers/journey-context.js';
import {
  answerItems,
  buyWithCallback,
  call,
  completeElectronic,
  createCallbackContext,
  openTask,
  staffToken,
  startAndVerify,
  upload,
} from './callback.helpers.js';

/** Every route the app registered, read from Fastify's own route tree. */
function registeredRoutes(tree: string): Array<{ method: string; url: string }> {
  const out: Array<{ method: string; url: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = url;
    for (const method of m[3]!.split(', ')) out.push({ method, url });
  }
  return out;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe('nobody can bend the callback record', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createCallbackContext();
  });
  afterAll(async () => ctx?.close());

  it('§2.7 CB no staff or consumer route changes an answer the policyholder gave; a correction can only be a new entry', async () => {
    const agent = await staffToken(ctx, ['callback_agent']);
    // In progress: identity proved, a "yes" and a "no" given, the third item on screen.
    const inProgress = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await startAndVerify(ctx, inProgress);
    await answerItems(ctx, inProgress, { product_purchased: 'no' }, 2);
    await call(ctx, { method: 'GET', url: `/v1/callbacks/${inProgress.caseId}/current-item`, token: inProgress.token });
    // Moved to phone after a "no"; the agent has the script and a recording.
    const onPhone = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await startAndVerify(ctx, onPhone);
    await answerItems(ctx, onPhone, { signed_in_person: 'no' }, 3);
    await call(ctx, { method: 'POST', url: `/v1/callbacks/${onPhone.caseId}/phone-request`, token: onPhone.token, body: {} });
    const task = (await openTask(ctx, onPhone.caseId!))!;
    await call(ctx, { method: 'GET', url: `/v1/console/callback-tasks/${task.id}/script`, token: agent.token });
    const recording = await upload(ctx, agent.token, onPhone.caseId!, 'call_recording', Buffer.from('ID3 the call'));
    // Done, with an "unsure".
    const done = await buyWithCallback(ctx, 'UNIVERSAL_10Y');
    await completeElectronic(ctx, done, { fee_deductions: 'unsure' });

    const answers = () => ctx.db.selectFrom('callback_answers').selectAll().orderBy('id').execute();
    const before = await answers();
    const targets: Array<{ answer: (typeof before)[number]; owner: string; ids: string[] }> = [];
    for (const [b, itemCode] of [
      [inProgress, 'product_purchased'],
      [onPhone, 'signed_in_person'],
      [done, 'fee_deductions'],
    ] as const) {
      const a = before.find((x) => x.case_id === b.caseId && x.item_code === itemCode)!;
      const problem = await ctx.db.selectFrom('callback_problems').select('id').where('answer_id', '=', a.id).executeTakeFirstOrThrow();
      const t = await ctx.db.selectFrom('callback_tasks').select('id').where('case_id', '=', b.caseId!).executeTakeFirst();
      targets.push({ answer: a, owner: b.token, ids: [b.caseId!, a.id, a.attempt_id, problem.id, ...(t ? [t.id] : [])] });
    }
    expect(targets.map((t) => t.answer.answer)).toEqual(['no', 'no', 'unsure']);

    const routes = registeredRoutes(ctx.app.printRoutes({ commonPrefix: false }));
    // The parser read Fastify's tree right: every route it found is one Fastify has.
    // (HEAD routes are the ones Fastify adds for each GET; the documentation's wildcard is the UI's own.)
    for (const r of routes.filter((x) => x.method !== 'HEAD' && !x.url.includes('*')))
      expect(ctx.app.hasRoute({ method: r.method as 'GET', url: r.url }), `${r.method} ${r.url}`).toBe(true);
    const mutating = routes
      .filter((r) => MUTATING.has(r.method))
      // Signing out last, so the sessions stay usable for every other route.
      .sort(
        (x, y) =>
          Number(x.url.endsWith('/sessions/current')) - Number(y.url.endsWith('/sessions/current')) ||
          x.url.localeCompare(y.url) ||
          x.method.localeCompare(y.method),
      );
    const callbackRoutes = mutating.filter((r) => r.url.includes('callback'));
    expect(callbackRoutes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(
        [
          ...[
            'start',
            'identity/sms-codes',
            'identity/sms-verification',
            'identity/id-number',
            'identity/face',
            'answers',
            'closing-confirmation',
            'phone-request',
          ].map((p) => `/v1/callbacks/:id/${p}`),
          '/v1/callbacks/:id/refund-offers/:offerId/acceptance',
          '/v1/callbacks/:id/refund-offers/:offerId/refusal',
          '/v1/console/callbacks/:id/media',
          ...['assignment', 'phone-attempts', 'letter-attempts'].map((p) => `/v1/console/callback-tasks/:id/${p}`),
          ...['assignment', 'notes', 'resolution', 'refund-offer-refusal'].map((p) => `/v1/console/callback-problems/:id/${p}`),
        ].map((u) => `POST ${u}`),
      ),
    );

    const roles = ['callback_agent', 'compliance_officer', 'auditor', 'system_admin', 'underwriter'] as const;
    const staff = [agent.token, ...(await Promise.all(roles.slice(1).map(async (r) => (await staffToken(ctx, [r])).token)))];
    const statuses = new Map<string, number[]>();
    let requests = 0;
    for (const route of mutating) {
      for (const target of targets) {
        const a = target.answer;
        const actors = [target.owner, inProgress.token, ...staff, undefined];
        const change = {
          itemCode: a.item_code,
          textVersionId: a.text_version_id,
          answer: 'yes',
          answerId: a.id,
          attemptId: a.attempt_id,
          id: a.id,
        };
        const bodies = [
          change,
          {
            outcome: 'incomplete',
            method: 'letter',
            recordingId: recording.mediaId,
            receiptId: recording.mediaId,
            answers: [{ itemCode: a.item_code, textVersionId: a.text_version_id, answer: 'yes' }],
            resolution: 'explained_confirmed',
            note: '更正回答为“是”',
            body: '更正回答为“是”',
            correctsNoteId: a.id,
          },
        ];
        // Routes outside the callback get every identifier of the first target only: they reach no callback record.
        if (!route.url.includes('callback') && target !== targets[0]) continue;
        const ids = route.url.includes(':') ? target.ids : [''];
        for (const id of ids) {
          const url = route.url.replace(/:[A-Za-z]+/g, id);
          for (const token of actors) {
            for (const body of bodies) {
              const res = await ctx.app.inject({
                method: route.method as 'POST',
                url,
                headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
                payload: JSON.stringify(body),
              });
              requests++;
              expect(res.statusCode, `${route.method} ${url} answered ${res.statusCode}: ${res.body}`).toBeLessThan(500);
              const key = `${route.method} ${route.url}`;
              statuses.set(key, [...(statuses.get(key) ?? []), res.statusCode]);
            }
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(1000);
    // The sweep reached the callback routes themselves, past authentication, not only 404s and 401s.
    for (const r of [
      'POST /v1/callbacks/:id/answers',
      'POST /v1/console/callback-tasks/:id/phone-attempts',
      'POST /v1/console/callback-problems/:id/resolution',
    ])
      expect(
        statuses.get(r)!.some((s) => s === 409 || s === 422 || s === 201 || s === 200),
        r,
      ).toBe(true);

    const after = await answers();
    // Every answer given before is still there, exactly as it was.
    for (const a of before)
      expect(
        after.find((x) => x.id === a.id),
        a.id,
      ).toEqual(a);
    // Anything added is a new entry of another attempt, never a second answer in the attempt of the original.
    for (const t of targets) {
      const same = after.filter((x) => x.attempt_id === t.answer.attempt_id && x.item_code === t.answer.item_code);
      expect(same).toEqual([t.answer]);
      const problem = await ctx.db
        .selectFrom('callback_problems')
        .select(['answer_id', 'kind', 'item_code'])
        .where('answer_id', '=', t.answer.id)
        .executeTakeFirstOrThrow();
      expect(problem.item_code).toBe(t.answer.item_code);
    }
    // What an agent may record is a new entry: a later call's answer, on an attempt of its own, next to the original.
    const onPhoneTarget = targets[1]!.answer;
    const later = after.filter((x) => x.case_id === onPhone.caseId && x.item_code === 'signed_in_person' && x.id !== onPhoneTarget.id);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((x) => x.method === 'phone' && x.attempt_id !== onPhoneTarget.attempt_id && x.recorded_by_id === agent.id)).toBe(
      true,
    );
    // The answer the policyholder was going to give next on screen is theirs alone: no route answered it for them.
    expect(
      after.filter((x) => x.case_id === inProgress.caseId && x.attempt_id === targets[0]!.answer.attempt_id).map((x) => x.item_code),
    ).toEqual(['identity_policyholder', 'product_purchased']);
  }, 240_000);

  it('§2.7 CB the database refuses UPDATE, DELETE and TRUNCATE of callback records, and any change of a written milestone', async () => {
    const agent = await staffToken(ctx, ['callback_agent']);
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await completeElectronic(ctx, b, { policy_received: 'no' });
    const a = await ctx.db
      .selectFrom('callback_answers')
      .selectAll()
      .where('case_id', '=', b.caseId!)
      .where('item_code', '=', 'policy_received')
      .executeTakeFirstOrThrow();
    const problem = await ctx.db.selectFrom('callback_problems').select('id').where('answer_id', '=', a.id).executeTakeFirstOrThrow();
    await call(
      ctx,
      { method: 'POST', url: `/v1/console/callback-problems/${problem.id}/notes`, token: agent.token, body: { body: '已核实' } },
      201,
    );
    await upload(ctx, agent.token, b.caseId!, 'call_recording', Buffer.from('ID3 sql test'));
    // A case that failed everything, for its final record.
    const lost = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    ctx.clock.set(new Date(lost.case!.deadline_at.getTime() + (ctx.config.CALLBACK_LETTER_DAYS + 1) * 86_400_000));
    await ctx.services.callbacks.runCallbackDeadlines(ctx.clock.now());

    const refused = async (q: { execute(db: typeof ctx.db): Promise<unknown> }) => {
      try {
        await q.execute(ctx.db);
      } catch (e) {
        return String((e as Error).message);
      }
      return 'accepted';
    };
    expect(await refused(sql`update callback_answers set answer = 'yes' where id = ${a.id}`)).toMatch(/append-only/);
    expect(await refused(sql`delete from callback_answers where id = ${a.id}`)).toMatch(/append-only/);
    expect(await refused(sql`truncate callback_answers cascade`)).toMatch(/append-only/);
    const appendOnly = {
      callback_attempts: 'started_at',
      callback_attempt_outcomes: 'outcome',
      callback_identity_checks: 'result',
      callback_item_displays: 'displayed_at',
      callback_media_blobs: 'media_type',
      callback_media: 'kind',
      callback_problem_notes: 'body_cipher',
      callback_final_records: 'reasons',
    };
    for (const [table, column] of Object.entries(appendOnly)) {
      const rows = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(ctx.db);
      expect(rows.rows[0]!.n, table).toBeGreaterThan(0);
      expect(await refused(sql`update ${sql.table(table)} set ${sql.ref(column)} = ${sql.ref(column)}`), table).toMatch(/append-only/);
      expect(await refused(sql`delete from ${sql.table(table)}`), table).toMatch(/append-only/);
      expect(await refused(sql`truncate ${sql.table(table)} cascade`), table).toMatch(/append-only/);
    }

    // Cases and problem cases change status, but a written milestone or identity never changes, and nothing is deleted.
    expect(await refused(sql`update callback_cases set succeeded_at = now() where id = ${b.caseId!}`)).toMatch(/written once/);
    expect(await refused(sql`update callback_cases set deadline_at = deadline_at + interval '30 days' where id = ${b.caseId!}`)).toMatch(
      /written once/,
    );
    expect(await refused(sql`update callback_cases set method = 'phone' where id = ${b.caseId!}`)).toMatch(/written once/);
    expect(await refused(sql`delete from callback_cases where id = ${b.caseId!}`)).toMatch(/append-only/);
    expect(await refused(sql`update callback_problems set item_code = 'identity_policyholder' where answer_id = ${a.id}`)).toMatch(
      /written once/,
    );
    expect(await refused(sql`delete from callback_problems where answer_id = ${a.id}`)).toMatch(/append-only/);
    expect(await refused(sql`update callback_problems set status = 'open' where answer_id = ${a.id}`)).toBe('accepted');

    const still = await ctx.db.selectFrom('callback_answers').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(still).toEqual(a);
  });
});
