import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, addYears, shanghaiDate, shanghaiMidnight } from '../server/platform/dates.js';
import type { JourneyContext } from './helpers/journey-context.js';
import { readLatestCode } from './helpers/journey.js';
import { makeIdNumber } from './helpers/people.js';
import {
  EXPECTED_ITEMS,
  answerItems,
  buyWithCallback,
  call,
  caseRow,
  completeElectronic,
  createCallbackContext,
  eventTypesOf,
  openTask,
  scriptedAnswers,
  staffToken,
  startAndVerify,
  upload,
} from './callback.helpers.js';

const DAY = 86_400_000;
const TERM_LIFE_ITEMS = EXPECTED_ITEMS.TERM_LIFE_20Y;

describe('the electronic callback (电子化回访)', () => {
  let ctx: JourneyContext;
  let agent: { token: string; id: string };
  beforeAll(async () => {
    ctx = await createCallbackContext();
    agent = await staffToken(ctx, ['callback_agent']);
  });
  afterAll(async () => ctx?.close());

  const smsOf = async (phone: string) =>
    (await ctx.send({ method: 'GET', url: `/v1/dev/sms-outbox?phone=${phone}&limit=50` })).body.items as Array<{
      template: string;
      body: string;
    }>;
  const answersOf = (caseId: string) =>
    ctx.db.selectFrom('callback_answers').selectAll().where('case_id', '=', caseId).orderBy('answered_at').orderBy('id').execute();
  const attemptsOf = (caseId: string) =>
    ctx.db
      .selectFrom('callback_attempts')
      .leftJoin('callback_attempt_outcomes', 'callback_attempt_outcomes.attempt_id', 'callback_attempts.id')
      .select([
        'callback_attempts.id',
        'callback_attempts.method',
        'callback_attempt_outcomes.outcome',
        'callback_attempt_outcomes.reason',
        'callback_attempt_outcomes.media_id',
      ])
      .where('callback_attempts.case_id', '=', caseId)
      .orderBy('callback_attempts.started_at')
      .orderBy('callback_attempts.id')
      .execute();
  const problemsOf = (caseId: string) =>
    ctx.db.selectFrom('callback_problems').selectAll().where('case_id', '=', caseId).orderBy('opened_at').orderBy('id').execute();

  it('§2.7 CB opens a case with the policy, due when the 犹豫期 ends, and tells the policyholder by SMS with a link to the platform', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    const c = b.case!;
    expect(c).toMatchObject({
      status: 'awaiting_electronic',
      basis: 'term_over_one_year',
      product_code: 'TERM_LIFE_20Y',
      face_required: true,
      new_type: false,
      channel: 'direct',
    });
    expect(c.deadline_date).toBe(b.policy.coolingOffEndDate);
    expect(c.deadline_at.toISOString()).toBe(shanghaiMidnight(addDays(b.policy.coolingOffEndDate, 1)).toISOString());
    expect(c.fallback_at.getTime()).toBe(c.deadline_at.getTime() - ctx.config.CALLBACK_FALLBACK_DAYS_BEFORE_END * DAY);
    // Opened in the issuing transaction: the same instant as the policy.
    expect(c.opened_at.toISOString()).toBe(b.policy.issuedAt);
    expect(await eventTypesOf(ctx, c.id)).toEqual(['callback.case_opened']);

    expect(c.notified_at).toBeNull();
    const run = await ctx.services.outbox.drain({ kinds: ['callback_notice'] });
    expect(run.byKind.callback_notice?.done).toBeGreaterThanOrEqual(1);
    const notices = (await smsOf(b.holder.phone)).filter((m) => m.template === 'callback_notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toContain(`http://wangbao.test/h5/callbacks/${c.id}`);
    expect(notices[0]!.body).toContain(c.deadline_date);
    const after = await caseRow(ctx, c.id);
    expect(after.notified_at?.toISOString()).toBe(ctx.clock.now().toISOString());
    expect(after.notice_message_id).toMatch(/^sms_/);
    await ctx.services.outbox.drain({ kinds: ['callback_notice'] });
    expect((await smsOf(b.holder.phone)).filter((m) => m.template === 'callback_notice')).toHaveLength(1);
  });

  it('§2.7 a one-year policy gets no callback case', async () => {
    const b = await buyWithCallback(ctx, 'ACCIDENT_1Y');
    expect(b.policy.termYears).toBe(1);
    expect(b.case).toBeUndefined();
    expect((await call(ctx, { method: 'GET', url: '/v1/callbacks', token: b.token })).items).toEqual([]);
  });

  it('§2.7 CB success: SMS code, ID comparison and face; the items one at a time, each answer with its text version and time; the closing confirmation', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    const before = await call(ctx, { method: 'GET', url: `/v1/callbacks/${b.caseId}`, token: b.token });
    expect(before).toMatchObject({
      status: 'awaiting_electronic',
      electronicOpen: true,
      identity: { required: ['sms_code', 'id_number', 'face'], verified: false },
      progress: { answered: 0, total: 9 },
    });

    await startAndVerify(ctx, b);
    const shown = await answerItems(ctx, b);
    expect(shown.map((s) => s.itemCode)).toEqual([...TERM_LIFE_ITEMS, 'closing_confirmation']);
    for (const [i, s] of shown.slice(0, -1).entries()) {
      expect(s).toMatchObject({ step: 'item', position: i + 1, total: 9, preselected: null });
      expect(s.options.map((o: any) => o.code)).toEqual(['yes', 'no', 'unsure']);
    }
    expect(shown[1].content).toContain('定期寿险');
    const done = await call(ctx, {
      method: 'POST',
      url: `/v1/callbacks/${b.caseId}/closing-confirmation`,
      token: b.token,
      body: { textVersionId: shown.at(-1).textVersionId },
    });
    expect(done).toMatchObject({ status: 'succeeded', method: 'electronic', progress: { answered: 9, total: 9 } });

    const answers = await answersOf(b.caseId!);
    expect(answers.map((a) => [a.item_code, a.answer, a.method, a.recorded_by_type])).toEqual(
      TERM_LIFE_ITEMS.map((code) => [code, 'yes', 'electronic', 'consumer']),
    );
    for (const [i, a] of answers.entries()) {
      // The version answered is the version shown, and it holds the words shown.
      expect(a.text_version_id).toBe(shown[i].textVersionId);
      const tv = await ctx.db.selectFrom('text_versions').selectAll().where('id', '=', a.text_version_id).executeTakeFirstOrThrow();
      expect([tv.kind, tv.content]).toEqual(['callback_item', shown[i].content]);
      expect(tv.content_hash).toBe(createHash('sha256').update(`${tv.title}\n\n${tv.content}`).digest('hex'));
      expect(a.displayed_at!.getTime()).toBeLessThanOrEqual(a.answered_at.getTime());
    }
    const checks = await ctx.db
      .selectFrom('callback_identity_checks')
      .select(['method', 'result'])
      .where('case_id', '=', b.caseId!)
      .orderBy('checked_at')
      .orderBy('id')
      .execute();
    expect(checks).toEqual([
      { method: 'sms_code', result: 'passed' },
      { method: 'id_number', result: 'passed' },
      { method: 'face', result: 'passed' },
    ]);
    const c = await caseRow(ctx, b.caseId!);
    expect(c.succeeded_at).not.toBeNull();
    expect(c.identity_verified_at).not.toBeNull();
    expect(await attemptsOf(b.caseId!)).toEqual([expect.objectContaining({ method: 'electronic', outcome: 'completed' })]);
    expect(await problemsOf(b.caseId!)).toEqual([]);

    const types = await eventTypesOf(ctx, b.caseId!);
    expect(types.filter((t) => t === 'callback.item_answered')).toHaveLength(9);
    expect(types.slice(-2)).toEqual(['callback.attempt_ended', 'callback.succeeded']);
    // Every answer event names the text version asked; every event is queued for the ledger in its transaction.
    const answered = await ctx.db
      .selectFrom('events')
      .selectAll()
      .where('subject_id', '=', b.caseId!)
      .where('type', '=', 'callback.item_answered')
      .orderBy('seq')
      .execute();
    expect(answered.map((e) => e.text_version_id)).toEqual(answers.map((a) => a.text_version_id));
    const all = await ctx.db.selectFrom('events').select('id').where('subject_id', '=', b.caseId!).execute();
    const queued = await ctx.db.selectFrom('ledger_queue').select('entry_id').where('ref_id', '=', b.caseId!).execute();
    const leaves = await ctx.db.selectFrom('ledger_leaves').select('entry_id').where('ref_id', '=', b.caseId!).execute();
    expect(new Set([...queued, ...leaves].map((x) => x.entry_id))).toEqual(new Set(all.map((e) => e.id)));
  });

  it('§2.7 the items are answered one at a time, in order, in the version shown, after identity, and an answer is final', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    const url = `/v1/callbacks/${b.caseId}`;
    expect((await ctx.send({ method: 'GET', url: `${url}/current-item`, token: b.token })).body.code).toBe('INVALID_STATE');
    await call(ctx, { method: 'POST', url: `${url}/start`, token: b.token });
    expect((await ctx.send({ method: 'GET', url: `${url}/current-item`, token: b.token })).body.code).toBe('CALLBACK_IDENTITY_REQUIRED');
    await startAndVerify(ctx, b);
    const tv = (await ctx.db.selectFrom('text_versions').select('id').where('kind', '=', 'callback_item').executeTakeFirstOrThrow()).id;
    const answer = (itemCode: string, textVersionId: string) =>
      ctx.send({ method: 'POST', url: `${url}/answers`, token: b.token, body: { itemCode, textVersionId, answer: 'yes' } });

    // Not shown in this attempt yet.
    expect((await answer('identity_policyholder', tv)).body.code).toBe('CALLBACK_ITEM_NOT_SHOWN');
    const first = await call(ctx, { method: 'GET', url: `${url}/current-item`, token: b.token });
    expect((await answer('product_purchased', first.textVersionId)).body.code).toBe('CALLBACK_ITEM_OUT_OF_ORDER');
    expect((await answer('identity_policyholder', tv === first.textVersionId ? 'txt_x' : tv)).body.code).toBe('CALLBACK_ITEM_NOT_SHOWN');
    expect((await answer('no_such_item', first.textVersionId)).status).toBe(400);
    expect((await answer('identity_policyholder', first.textVersionId)).status).toBe(201);
    const again = await ctx.send({
      method: 'POST',
      url: `${url}/answers`,
      token: b.token,
      body: { itemCode: 'identity_policyholder', textVersionId: first.textVersionId, answer: 'no' },
    });
    expect([again.status, again.body.code]).toEqual([409, 'CALLBACK_ANSWER_FINAL']);
    expect(
      (await ctx.send({ method: 'POST', url: `${url}/closing-confirmation`, token: b.token, body: { textVersionId: first.textVersionId } }))
        .body.code,
    ).toBe('CALLBACK_ITEMS_INCOMPLETE');
    expect((await answersOf(b.caseId!)).map((a) => [a.item_code, a.answer])).toEqual([['identity_policyholder', 'yes']]);

    // Someone else's callback does not exist for this consumer.
    const other = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    expect((await ctx.send({ method: 'GET', url: `/v1/callbacks/${other.caseId}`, token: b.token })).status).toBe(404);
    expect((await ctx.send({ method: 'POST', url: `/v1/callbacks/${other.caseId}/start`, token: b.token })).status).toBe(404);
  });

  it('§2.7 new-type products (万能) add the items on uncertain benefits, fee deductions and investment risk', async () => {
    const b = await buyWithCallback(ctx, 'UNIVERSAL_10Y');
    expect(b.case).toMatchObject({ new_type: true, face_required: false, product_line: 'universal' });
    await completeElectronic(ctx, b);
    const answers = await answersOf(b.caseId!);
    // A single premium has no payment term to confirm.
    expect(answers.map((a) => a.item_code)).toEqual([
      ...TERM_LIFE_ITEMS.filter((c) => c !== 'payment_term_frequency'),
      'benefit_uncertainty',
      'fee_deductions',
      'investment_risk',
    ]);
    const uncertainty = await ctx.db
      .selectFrom('text_versions')
      .select('content')
      .where('id', '=', answers.at(-3)!.text_version_id)
      .executeTakeFirstOrThrow();
    expect(uncertainty.content).toContain('保单利益具有不确定性');
  });

  it('§2.7 CB the policyholder stops midway and asks for a phone callback: the switch is recorded and a phone task opens', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await startAndVerify(ctx, b);
    await answerItems(ctx, b, {}, 3);
    const view = await call(ctx, {
      method: 'POST',
      url: `/v1/callbacks/${b.caseId}/phone-request`,
      token: b.token,
      body: { reason: 'prefer_phone' },
    });
    expect(view).toMatchObject({ status: 'phone_pending', electronicOpen: false });
    const c = await caseRow(ctx, b.caseId!);
    expect(c.phone_requested_at?.toISOString()).toBe(ctx.clock.now().toISOString());
    expect(await attemptsOf(b.caseId!)).toEqual([
      expect.objectContaining({ method: 'electronic', outcome: 'stopped', reason: 'policyholder_requested_phone' }),
    ]);
    const task = (await openTask(ctx, b.caseId!))!;
    expect(task).toMatchObject({ kind: 'phone', reason: 'policyholder_requested_phone', status: 'open' });
    expect(task.due_at.toISOString()).toBe(c.deadline_at.toISOString());
    expect(task.assigned_to).not.toBeNull();
    const requested = await ctx.db
      .selectFrom('events')
      .select('payload')
      .where('subject_id', '=', b.caseId!)
      .where('type', '=', 'callback.phone_requested')
      .executeTakeFirstOrThrow();
    expect(requested.payload).toMatchObject({ itemsAnswered: 3, identityVerified: true, reason: 'prefer_phone' });
    // The answers given stay; the electronic pages are closed.
    expect(await answersOf(b.caseId!)).toHaveLength(3);
    const refused = await ctx.send({ method: 'GET', url: `/v1/callbacks/${b.caseId}/current-item`, token: b.token });
    expect([refused.status, refused.body.code]).toEqual([409, 'CALLBACK_NOT_ELECTRONIC']);
  });

  it('§2.7 CB phone success: the script shown, the recording stored by SHA-256, sealed in the ledger and served to auditors as stored, an outcome per item, the closing confirmation', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await call(ctx, { method: 'POST', url: `/v1/callbacks/${b.caseId}/phone-request`, token: b.token, body: {} });
    const task = (await openTask(ctx, b.caseId!))!;
    const queue = await call(ctx, { method: 'GET', url: '/v1/console/callback-tasks?kind=phone', token: agent.token });
    expect(queue.items.map((t: any) => t.id)).toContain(task.id);
    await call(ctx, { method: 'POST', url: `/v1/console/callback-tasks/${task.id}/assignment`, token: agent.token, body: {} });

    // The agent reads the number to call; the read is logged.
    const contact = await call(ctx, { method: 'GET', url: `/v1/console/callback-tasks/${task.id}/contact`, token: agent.token });
    expect(contact).toMatchObject({ phone: b.holder.phone, name: b.holder.name });
    expect(await eventTypesOf(ctx, b.caseId!)).toContain('staff.personal_data_read');

    const s = await scriptedAnswers(ctx, agent.token, task.id);
    expect(s.script.opening.content).toContain('录音');
    expect(s.script.items.map((i: any) => i.itemCode)).toEqual(TERM_LIFE_ITEMS);
    const attempt = (body: object) =>
      ctx.send({ method: 'POST', url: `/v1/console/callback-tasks/${task.id}/phone-attempts`, token: agent.token, body });
    expect((await attempt({ outcome: 'completed', answers: s.answers, closingTextVersionId: s.closingTextVersionId })).body.code).toBe(
      'CALLBACK_EVIDENCE_REQUIRED',
    );

    const recording = Buffer.concat([Buffer.from('ID3'), Buffer.from(`call with ${b.policy.policyNumber}`)]);
    const media = await upload(ctx, agent.token, b.caseId!, 'call_recording', recording);
    expect(media.sha256).toBe(createHash('sha256').update(recording).digest('hex'));
    const blob = await ctx.db.selectFrom('callback_media_blobs').selectAll().where('sha256', '=', media.sha256).executeTakeFirstOrThrow();
    expect(Buffer.compare(blob.content, recording)).toBe(0);
    const sealed = await ctx.db
      .selectFrom('events')
      .select(['id', 'payload'])
      .where('subject_id', '=', b.caseId!)
      .where('type', '=', 'callback.media_stored')
      .executeTakeFirstOrThrow();
    expect(sealed.payload).toMatchObject({ sha256: media.sha256, kind: 'call_recording', sizeBytes: recording.length });
    const entry =
      (await ctx.db.selectFrom('ledger_queue').select('entry').where('entry_id', '=', sealed.id).executeTakeFirst()) ??
      (await ctx.db.selectFrom('ledger_leaves').select('entry').where('entry_id', '=', sealed.id).executeTakeFirstOrThrow());
    expect(entry.entry.toString('utf8')).toContain(media.sha256);

    expect(
      (
        await attempt({
          outcome: 'completed',
          recordingId: media.mediaId,
          answers: s.answers.slice(1),
          closingTextVersionId: s.closingTextVersionId,
        })
      ).body.code,
    ).toBe('CALLBACK_ITEMS_INCOMPLETE');
    expect((await attempt({ outcome: 'completed', recordingId: media.mediaId, answers: s.answers })).body.code).toBe(
      'CALLBACK_ITEM_NOT_SHOWN',
    );
    const done = await attempt({
      outcome: 'completed',
      recordingId: media.mediaId,
      answers: s.answers,
      closingTextVersionId: s.closingTextVersionId,
    });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ caseStatus: 'succeeded', taskStatus: 'succeeded', problemsOpened: 0 });
    expect(await caseRow(ctx, b.caseId!)).toMatchObject({ status: 'succeeded', method: 'phone' });
    const phoneAnswers = (await answersOf(b.caseId!)).filter((a) => a.method === 'phone');
    expect(phoneAnswers.map((a) => [a.item_code, a.recorded_by_id])).toEqual(TERM_LIFE_ITEMS.map((c) => [c, agent.id]));
    expect((await attemptsOf(b.caseId!)).at(-1)).toMatchObject({ method: 'phone', outcome: 'completed', media_id: media.mediaId });

    // An auditor fetches the recording byte for byte and checks it against the sealed hash; the read is 调阅.
    const auditor = await staffToken(ctx, ['auditor']);
    const fetched = await ctx.app.inject({
      url: `/v1/console/callbacks/${b.caseId}/media/${media.mediaId}`,
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.headers['content-type']).toBe('audio/mpeg');
    expect(Buffer.compare(fetched.rawPayload, recording)).toBe(0);
    expect(fetched.headers['x-content-sha256']).toBe((sealed.payload as { sha256: string }).sha256);
    const reads = await ctx.db
      .selectFrom('events')
      .select(['actor_id', 'payload'])
      .where('type', '=', 'staff.trace_read')
      .where('subject_id', '=', b.caseId!)
      .execute();
    expect(reads).toEqual([{ actor_id: auditor.id, payload: { record: 'callback_media', mediaId: media.mediaId, sha256: media.sha256 } }]);
    const asConsumer = await ctx.app.inject({
      url: `/v1/console/callbacks/${b.caseId}/media/${media.mediaId}`,
      headers: { authorization: `Bearer ${b.token}` },
    });
    expect(asConsumer.statusCode).toBe(403);
    const otherCase = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    const wrongCase = await ctx.app.inject({
      url: `/v1/console/callbacks/${otherCase.caseId}/media/${media.mediaId}`,
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect([wrongCase.statusCode, wrongCase.json().code]).toEqual([404, 'NOT_FOUND']);
  });

  it('§2.7 CB the phone fails N times → a letter or visit task, closed with the scan of the receipt the policyholder signed', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await call(ctx, { method: 'POST', url: `/v1/callbacks/${b.caseId}/phone-request`, token: b.token, body: {} });
    const phone = (await openTask(ctx, b.caseId!))!;
    const n = ctx.config.CALLBACK_PHONE_MAX_ATTEMPTS;
    for (let i = 1; i <= n; i++) {
      const r = await call(ctx, {
        method: 'POST',
        url: `/v1/console/callback-tasks/${phone.id}/phone-attempts`,
        token: agent.token,
        body: { outcome: i % 2 ? 'no_answer' : 'unreachable' },
      });
      expect(r).toMatchObject(
        i < n ? { caseStatus: 'phone_pending', taskStatus: 'open' } : { caseStatus: 'letter_pending', taskStatus: 'failed' },
      );
    }
    const letter = (await openTask(ctx, b.caseId!))!;
    const c = await caseRow(ctx, b.caseId!);
    expect(letter).toMatchObject({ kind: 'letter_visit', reason: 'phone_failed' });
    expect(letter.due_at.getTime()).toBe(c.deadline_at.getTime() + ctx.config.CALLBACK_LETTER_DAYS * DAY);

    const s = await scriptedAnswers(ctx, agent.token, letter.id);
    const post = (body: object) =>
      ctx.send({ method: 'POST', url: `/v1/console/callback-tasks/${letter.id}/letter-attempts`, token: agent.token, body });
    expect(
      (await post({ method: 'letter', outcome: 'receipt_signed', answers: s.answers, closingTextVersionId: s.closingTextVersionId })).body
        .code,
    ).toBe('CALLBACK_EVIDENCE_REQUIRED');
    const recording = await upload(ctx, agent.token, b.caseId!, 'call_recording', Buffer.from('ID3 not a receipt'));
    expect(
      (
        await post({
          method: 'letter',
          outcome: 'receipt_signed',
          receiptId: recording.mediaId,
          answers: s.answers,
          closingTextVersionId: s.closingTextVersionId,
        })
      ).body.code,
    ).toBe('CALLBACK_EVIDENCE_REQUIRED');
    const wrongType = await ctx.app.inject({
      method: 'POST',
      url: `/v1/console/callbacks/${b.caseId}/media?kind=signed_receipt`,
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'audio/mpeg' },
      payload: Buffer.from('x'),
    });
    expect(JSON.parse(wrongType.body).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const scan = await upload(ctx, agent.token, b.caseId!, 'signed_receipt', Buffer.from('\xff\xd8\xff signed receipt scan', 'latin1'));
    const done = await post({
      method: 'letter',
      outcome: 'receipt_signed',
      receiptId: scan.mediaId,
      answers: s.answers,
      closingTextVersionId: s.closingTextVersionId,
    });
    expect(done.status).toBe(201);
    expect(await caseRow(ctx, b.caseId!)).toMatchObject({ status: 'succeeded', method: 'letter' });
    expect((await attemptsOf(b.caseId!)).map((a) => [a.method, a.outcome])).toEqual([
      // Asked for a phone call before starting: no electronic attempt to end.
      ...Array.from({ length: n }, (_, i) => ['phone', i % 2 ? 'unreachable' : 'no_answer']),
      ['letter', 'receipt_signed'],
    ]);
  });

  it('§2.7 CB a "no" and a "not sure" open problem cases naming the item, assigned to callback staff; notes are added, corrected by new notes; explained and confirmed by phone, closed with the reason', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await completeElectronic(ctx, b, { policy_received: 'no', surrender_loss: 'unsure' });
    expect((await caseRow(ctx, b.caseId!)).status).toBe('succeeded');
    const problems = await problemsOf(b.caseId!);
    expect(problems.map((p) => [p.kind, p.item_code, p.status])).toEqual([
      ['policy_not_received', 'policy_received', 'open'],
      ['unsure_answer', 'surrender_loss', 'open'],
    ]);
    for (const p of problems) {
      const assignee = await ctx.db.selectFrom('staff_accounts').select('roles').where('id', '=', p.assigned_to!).executeTakeFirstOrThrow();
      expect(assignee.roles).toContain('callback_agent');
    }
    const p = problems[0]!;
    const url = `/v1/console/callback-problems/${p.id}`;
    const listed = await call(ctx, { method: 'GET', url: '/v1/console/callback-problems?status=open', token: agent.token });
    expect(listed.items.map((x: any) => x.id)).toEqual(expect.arrayContaining(problems.map((x) => x.id)));

    const first = await call(
      ctx,
      { method: 'POST', url: `${url}/notes`, token: agent.token, body: { body: '保单已于承保当日发送至投保人手机，客户称未查看短信。' } },
      201,
    );
    const fix = await call(
      ctx,
      {
        method: 'POST',
        url: `${url}/notes`,
        token: agent.token,
        body: { body: '更正：电子保单发送至投保人邮箱及手机短信。', correctsNoteId: first.noteId },
      },
      201,
    );
    const stored = await ctx.db
      .selectFrom('callback_problem_notes')
      .selectAll()
      .where('problem_id', '=', p.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    expect(stored.map((n) => [n.id, n.kind, n.corrects_note_id])).toEqual([
      [first.noteId, 'investigation', null],
      [fix.noteId, 'correction', first.noteId],
    ]);
    expect(stored[0]!.body_cipher).not.toContain('保单');

    const resolve = (body: object) => ctx.send({ method: 'POST', url: `${url}/resolution`, token: agent.token, body });
    expect((await resolve({ resolution: 'explained_confirmed', recordingId: 'cbm_nope', note: '已电话说明' })).body.code).toBe(
      'CALLBACK_EVIDENCE_REQUIRED',
    );
    const rec = await upload(ctx, agent.token, b.caseId!, 'call_recording', Buffer.from('ID3 explanation call'));
    const closed = await resolve({
      resolution: 'explained_confirmed',
      recordingId: rec.mediaId,
      note: '已电话告知电子保单查阅方式，客户确认已收到。',
    });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      resolution: 'explained_confirmed',
      closeReason: 'explained_and_confirmed_by_phone',
      resolvedBy: agent.id,
    });
    expect(closed.body.notes.map((n: any) => n.kind)).toEqual(['investigation', 'correction', 'phone_explanation']);
    expect(closed.body.notes[2]).toMatchObject({ mediaId: rec.mediaId, body: '已电话告知电子保单查阅方式，客户确认已收到。' });
    expect((await resolve({ resolution: 'explained_confirmed', recordingId: rec.mediaId, note: 'again' })).body.code).toBe('INVALID_STATE');
    expect(await eventTypesOf(ctx, p.id)).toEqual([
      'callback.problem_opened',
      'callback.problem_assigned',
      'callback.problem_note_added',
      'callback.problem_note_added',
      'callback.problem_note_added',
      'callback.problem_resolved',
      'callback.problem_closed',
    ]);
  });

  it('§2.7 CB mis-selling found: the sale and the staff member flagged, cancellation with the whole premium back offered by SMS and accepted', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await completeElectronic(ctx, b, { signed_in_person: 'no' });
    const [p] = await problemsOf(b.caseId!);
    expect(p).toMatchObject({ kind: 'signature_not_own', item_code: 'signed_in_person' });
    const resolved = await call(ctx, {
      method: 'POST',
      url: `/v1/console/callback-problems/${p!.id}/resolution`,
      token: agent.token,
      body: { resolution: 'misselling', note: '经核实，投保单由他人代签，存在销售误导。', responsibleStaffRef: 'AGT-00017' },
    });
    expect(resolved).toMatchObject({
      status: 'awaiting_customer',
      resolution: 'misselling',
      misselling: { applicationId: b.applicationId, responsibleStaffRef: 'AGT-00017' },
      refundOffer: { amountFen: b.policy.premiumFen, answer: null },
    });
    const view = await call(ctx, { method: 'GET', url: `/v1/callbacks/${b.caseId}`, token: b.token });
    expect(view.refundOffers).toEqual([
      expect.objectContaining({ offerId: resolved.refundOffer.offerId, amountFen: b.policy.premiumFen, answer: null }),
    ]);
    // The policyholder is told by SMS, once, with the amount and the link to answer on the platform.
    const run = await ctx.services.outbox.drain({ kinds: ['refund_offer_notice'] });
    expect(run.byKind.refund_offer_notice).toEqual({ done: 1, skipped: 0, notReady: 0, failed: 0 });
    await ctx.services.outbox.drain({ kinds: ['refund_offer_notice'] });
    const offerSms = (await smsOf(b.holder.phone)).filter((m) => m.template === 'callback_refund_offer');
    expect(offerSms).toHaveLength(1);
    expect(offerSms[0]!.body).toContain(b.policy.policyNumber);
    expect(offerSms[0]!.body).toContain(`全额退还已交保险费${b.policy.premiumFen / 100}元`);
    expect(offerSms[0]!.body).toContain(`http://wangbao.test/h5/callbacks/${b.caseId}`);
    expect(await eventTypesOf(ctx, b.caseId!)).toContain('callback.refund_offer_notified');

    await call(ctx, {
      method: 'POST',
      url: `/v1/callbacks/${b.caseId}/refund-offers/${resolved.refundOffer.offerId}/acceptance`,
      token: b.token,
    });
    const policy = await call(ctx, { method: 'GET', url: `/v1/policies/${b.policy.id}`, token: b.token });
    expect(policy).toMatchObject({
      status: 'cancelled_for_misselling',
      voidFromStart: true,
      cancellation: { kind: 'misselling', premiumFen: b.policy.premiumFen, costFen: 0, refundFen: b.policy.premiumFen },
    });
    const refund = await ctx.db.selectFrom('refunds').selectAll().where('id', '=', policy.cancellation.refundId).executeTakeFirstOrThrow();
    expect([refund.amount_fen, refund.reason, refund.policy_id]).toEqual([b.policy.premiumFen, 'misselling_cancellation', b.policy.id]);
    const after = await call(ctx, { method: 'GET', url: `/v1/console/callback-problems/${p!.id}`, token: agent.token });
    expect(after).toMatchObject({ status: 'closed', closeReason: 'cancelled_with_full_refund', refundOffer: { answer: 'accepted' } });
    // The callback itself had succeeded; the cancellation does not rewrite it.
    expect(await caseRow(ctx, b.caseId!)).toMatchObject({ status: 'succeeded', method: 'electronic' });
    expect(await eventTypesOf(ctx, b.policy.id)).toContain('policy.cancelled_for_misselling');
    const twice = await ctx.send({
      method: 'POST',
      url: `/v1/callbacks/${b.caseId}/refund-offers/${resolved.refundOffer.offerId}/acceptance`,
      token: b.token,
    });
    expect([twice.status, twice.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('§2.7 CB a mis-selling offer the policyholder declines on a recorded call leaves the policy in force', async () => {
    const b = await buyWithCallback(ctx, 'UNIVERSAL_10Y');
    await completeElectronic(ctx, b, { investment_risk: 'no' });
    const [p] = await problemsOf(b.caseId!);
    expect(p).toMatchObject({ kind: 'negative_answer', item_code: 'investment_risk' });
    await call(ctx, {
      method: 'POST',
      url: `/v1/console/callback-problems/${p!.id}/resolution`,
      token: agent.token,
      body: { resolution: 'misselling', note: '销售页面未充分提示投资风险。' },
    });
    const rec = await upload(ctx, agent.token, b.caseId!, 'call_recording', Buffer.from('ID3 declines refund'));
    const closed = await call(ctx, {
      method: 'POST',
      url: `/v1/console/callback-problems/${p!.id}/refund-offer-refusal`,
      token: agent.token,
      body: { recordingId: rec.mediaId, note: '客户了解风险后表示继续持有。' },
    });
    expect(closed).toMatchObject({
      status: 'closed',
      closeReason: 'full_refund_declined',
      refundOffer: { answer: 'declined' },
      misselling: { responsibleStaffRef: null },
    });
    expect((await call(ctx, { method: 'GET', url: `/v1/policies/${b.policy.id}`, token: b.token })).status).toBe('in_force');
  });

  it('§2.7 CB identity not proved: after the allowed failures the electronic callback has failed and a phone task opens', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    const url = `/v1/callbacks/${b.caseId}`;
    await call(ctx, { method: 'POST', url: `${url}/start`, token: b.token });
    const face = await ctx.send({
      method: 'POST',
      url: `${url}/identity/face`,
      token: b.token,
      body: { imageBase64: Buffer.from('MISMATCH someone else').toString('base64') },
    });
    expect(face.body.code).toBe('FACE_MISMATCH');
    const someoneElse = makeIdNumber('1970-01-01', 'M', 7);
    const max = ctx.config.CALLBACK_IDENTITY_MAX_FAILURES;
    for (let i = 2; i < max; i++)
      expect(
        (await ctx.send({ method: 'POST', url: `${url}/identity/id-number`, token: b.token, body: { idNumber: someoneElse } })).body.code,
      ).toBe('CALLBACK_IDENTITY_MISMATCH');
    const last = await ctx.send({ method: 'POST', url: `${url}/identity/id-number`, token: b.token, body: { idNumber: someoneElse } });
    expect([last.status, last.body.code]).toEqual([409, 'CALLBACK_NOT_ELECTRONIC']);
    expect((await caseRow(ctx, b.caseId!)).status).toBe('phone_pending');
    expect(await openTask(ctx, b.caseId!)).toMatchObject({ kind: 'phone', reason: 'electronic_failed_identity' });
    expect(await attemptsOf(b.caseId!)).toEqual([expect.objectContaining({ outcome: 'failed', reason: 'identity_not_verified' })]);
    const checks = await ctx.db
      .selectFrom('callback_identity_checks')
      .select(['method', 'result', 'reason'])
      .where('case_id', '=', b.caseId!)
      .orderBy('checked_at')
      .orderBy('id')
      .execute();
    expect(checks).toEqual([
      { method: 'face', result: 'failed', reason: 'face_mismatch' },
      ...Array.from({ length: max - 1 }, () => ({ method: 'id_number', result: 'failed', reason: 'id_mismatch' })),
    ]);
    // No ID number or image is kept with a check.
    const evidence = await ctx.db.selectFrom('callback_identity_checks').select('evidence').where('case_id', '=', b.caseId!).execute();
    expect(JSON.stringify(evidence)).not.toContain(someoneElse);
    expect(JSON.stringify(evidence)).not.toContain(b.holder.idNumber);
  });

  it('§2.7 the policy is cancelled in the 犹豫期 during the callback: the callback closes with its attempt or task', async () => {
    const a = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await startAndVerify(ctx, a);
    await answerItems(ctx, a, {}, 2);
    await call(ctx, { method: 'POST', url: `/v1/policies/${a.policy.id}/cooling-off-cancellation`, token: a.token });
    expect(await caseRow(ctx, a.caseId!)).toMatchObject({
      status: 'closed_policy_cancelled',
      close_reason: 'policy_cancelled_cooling_off',
    });
    expect(await attemptsOf(a.caseId!)).toEqual([
      expect.objectContaining({ method: 'electronic', outcome: 'abandoned', reason: 'policy_cancelled' }),
    ]);
    const refused = await ctx.send({ method: 'GET', url: `/v1/callbacks/${a.caseId}/current-item`, token: a.token });
    expect([refused.status, refused.body.code]).toEqual([409, 'CALLBACK_CLOSED']);

    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await call(ctx, { method: 'POST', url: `/v1/callbacks/${b.caseId}/phone-request`, token: b.token, body: {} });
    const task = (await openTask(ctx, b.caseId!))!;
    await call(ctx, { method: 'POST', url: `/v1/policies/${b.policy.id}/cooling-off-cancellation`, token: b.token });
    expect((await caseRow(ctx, b.caseId!)).status).toBe('closed_policy_cancelled');
    expect(
      await ctx.db.selectFrom('callback_tasks').select(['status', 'end_reason']).where('id', '=', task.id).executeTakeFirstOrThrow(),
    ).toEqual({ status: 'closed', end_reason: 'policy_cancelled' });
    const call2 = await ctx.send({
      method: 'POST',
      url: `/v1/console/callback-tasks/${task.id}/phone-attempts`,
      token: agent.token,
      body: { outcome: 'no_answer' },
    });
    expect(call2.body.code).toBe('CALLBACK_CLOSED');
    // The deadlines leave a closed callback alone.
    ctx.clock.advance(30 * DAY);
    await ctx.services.callbacks.runCallbackDeadlines(ctx.clock.now());
    expect((await caseRow(ctx, b.caseId!)).status).toBe('closed_policy_cancelled');
  });

  it('§2.7 CB the deadline passes with no start: a phone task at the fallback point, a letter task when the 犹豫期 ends, failure when no receipt returns', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    const c = b.case!;
    const run = () => ctx.services.callbacks.runCallbackDeadlines(ctx.clock.now());

    ctx.clock.set(new Date(c.fallback_at.getTime() - 1));
    await run();
    expect((await caseRow(ctx, c.id)).status).toBe('awaiting_electronic');

    ctx.clock.set(c.fallback_at);
    // Past the point, before the job has run: the electronic callback is closed all the same.
    const late = await ctx.send({ method: 'POST', url: `/v1/callbacks/${c.id}/start`, token: b.token });
    expect([late.status, late.body.code]).toEqual([409, 'CALLBACK_DEADLINE_PASSED']);
    await run();
    expect(await caseRow(ctx, c.id)).toMatchObject({ status: 'phone_pending', started_at: null });
    const phone = (await openTask(ctx, c.id))!;
    expect(phone).toMatchObject({ kind: 'phone', reason: 'electronic_not_started_in_time' });
    expect((await ctx.send({ method: 'POST', url: `/v1/callbacks/${c.id}/start`, token: b.token })).body.code).toBe(
      'CALLBACK_NOT_ELECTRONIC',
    );

    ctx.clock.set(new Date(c.deadline_at.getTime() - 1));
    await run();
    expect((await caseRow(ctx, c.id)).status).toBe('phone_pending');
    ctx.clock.set(c.deadline_at);
    expect(
      (
        await ctx.send({
          method: 'POST',
          url: `/v1/console/callback-tasks/${phone.id}/phone-attempts`,
          token: agent.token,
          body: { outcome: 'no_answer' },
        })
      ).body.code,
    ).toBe('CALLBACK_DEADLINE_PASSED');
    await run();
    expect((await caseRow(ctx, c.id)).status).toBe('letter_pending');
    expect(
      await ctx.db.selectFrom('callback_tasks').select(['status', 'end_reason']).where('id', '=', phone.id).executeTakeFirstOrThrow(),
    ).toEqual({ status: 'failed', end_reason: 'cooling_off_ended' });
    const letter = (await openTask(ctx, c.id))!;
    expect(letter).toMatchObject({ kind: 'letter_visit', reason: 'phone_not_completed_in_cooling_off' });

    ctx.clock.set(letter.due_at);
    await run();
    const failed = await caseRow(ctx, c.id);
    expect(failed.status).toBe('failed');
    const record = await ctx.db.selectFrom('callback_final_records').selectAll().where('case_id', '=', c.id).executeTakeFirstOrThrow();
    expect(record.reasons).toMatchObject({
      summary: 'signed_receipt_not_returned_by_due_date',
      tasks: [
        { kind: 'phone', openedFor: 'electronic_not_started_in_time', status: 'failed', endReason: 'cooling_off_ended' },
        {
          kind: 'letter_visit',
          openedFor: 'phone_not_completed_in_cooling_off',
          status: 'failed',
          endReason: 'signed_receipt_not_returned_by_due_date',
        },
      ],
      attempts: [],
    });
    expect((await eventTypesOf(ctx, c.id)).filter((t) => t.startsWith('callback.task_opened') || t === 'callback.failed')).toEqual([
      'callback.task_opened',
      'callback.task_opened',
      'callback.failed',
    ]);
  });

  it('§2.7 CB everything fails: electronic not completed, calls unanswered, letters returned — the final record names each attempt and its reason', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await startAndVerify(ctx, b);
    await answerItems(ctx, b, {}, 4);
    ctx.clock.set(b.case!.fallback_at);
    await ctx.services.callbacks.runCallbackDeadlines(ctx.clock.now());
    const phone = (await openTask(ctx, b.caseId!))!;
    expect(phone.reason).toBe('electronic_not_completed_in_time');
    for (const outcome of ['no_answer', 'wrong_number', 'no_answer']) {
      ctx.clock.advance(3_600_000);
      await call(ctx, {
        method: 'POST',
        url: `/v1/console/callback-tasks/${phone.id}/phone-attempts`,
        token: agent.token,
        body: { outcome },
      });
    }
    const letter = (await openTask(ctx, b.caseId!))!;
    for (const [method, reason] of [
      ['letter', '地址查无此人，信函退回'],
      ['visit', '上门两次无人'],
    ]) {
      ctx.clock.advance(2 * DAY);
      await call(ctx, {
        method: 'POST',
        url: `/v1/console/callback-tasks/${letter.id}/letter-attempts`,
        token: agent.token,
        body: { method, outcome: method === 'letter' ? 'undeliverable' : 'not_returned', reason },
      });
    }
    const c = await caseRow(ctx, b.caseId!);
    expect(c.status).toBe('failed');
    const record = await ctx.db.selectFrom('callback_final_records').selectAll().where('case_id', '=', c.id).executeTakeFirstOrThrow();
    const reasons = record.reasons as any;
    expect(reasons.summary).toBe('every_method_failed');
    expect(reasons.attempts.map((a: any) => [a.method, a.outcome, a.reason])).toEqual([
      ['electronic', 'expired', 'not_completed_by_fallback_point'],
      ['phone', 'no_answer', null],
      ['phone', 'wrong_number', null],
      ['phone', 'no_answer', null],
      ['letter', 'undeliverable', '地址查无此人，信函退回'],
      ['visit', 'not_returned', '上门两次无人'],
    ]);
    expect(reasons.tasks.map((t: any) => [t.kind, t.status])).toEqual([
      ['phone', 'failed'],
      ['letter_visit', 'failed'],
    ]);
    // The four electronic answers stay on the record.
    expect(await answersOf(c.id)).toHaveLength(4);
    const view = await call(ctx, { method: 'GET', url: `/v1/console/callbacks/${c.id}`, token: agent.token });
    expect(view).toMatchObject({ status: 'failed', finalRecord: { outcome: 'failed' } });
  });

  it('§2.7 CB callback data is kept at least 10 years from the termination of each policy', async () => {
    const kept = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    const r1 = await ctx.services.callbacks.callbackRetention(kept.policy.id);
    expect(r1).toEqual({
      caseId: kept.caseId,
      terminationDate: kept.policy.endDate,
      retentionEnd: addYears(kept.policy.endDate, 10),
      projected: true,
    });
    const cancelled = await buyWithCallback(ctx, 'UNIVERSAL_10Y');
    await call(ctx, { method: 'POST', url: `/v1/policies/${cancelled.policy.id}/cooling-off-cancellation`, token: cancelled.token });
    const today = shanghaiDate(ctx.clock.now());
    expect(await ctx.services.callbacks.callbackRetention(cancelled.policy.id)).toEqual({
      caseId: cancelled.caseId,
      terminationDate: today,
      retentionEnd: addYears(today, 10),
      projected: false,
    });
    const view = await call(ctx, { method: 'GET', url: `/v1/console/callbacks/${cancelled.caseId}`, token: agent.token });
    expect(view.retention.retentionEnd).toBe(addYears(today, 10));
    expect(await ctx.services.callbacks.callbackRetention('pol_none')).toBeNull();
  });

  it('§2.7 callback staff routes need the callback role; a consumer reaches only their own callbacks; every read of the record is logged (调阅)', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    const underwriter = await staffToken(ctx, ['underwriter']);
    expect((await ctx.send({ method: 'GET', url: `/v1/console/callbacks/${b.caseId}`, token: underwriter.token })).body.code).toBe(
      'FORBIDDEN',
    );
    expect((await ctx.send({ method: 'GET', url: `/v1/console/callbacks/${b.caseId}`, token: b.token })).body.code).toBe('FORBIDDEN');
    expect((await ctx.send({ method: 'GET', url: `/v1/callbacks/${b.caseId}`, token: agent.token })).body.code).toBe('UNAUTHENTICATED');
    const compliance = await staffToken(ctx, ['compliance_officer']);
    expect((await call(ctx, { method: 'GET', url: `/v1/console/callbacks/${b.caseId}`, token: compliance.token })).policyNumber).toBe(
      b.policy.policyNumber,
    );
    // M§33: reading a callback's record is 调阅, logged as an entry of its own naming the reader; refused reads are not reads.
    const reads = await ctx.db
      .selectFrom('events')
      .select(['actor_id', 'payload'])
      .where('type', '=', 'staff.trace_read')
      .where('subject_id', '=', b.caseId!)
      .execute();
    expect(reads).toEqual([{ actor_id: compliance.id, payload: { policyId: b.policy.id, record: 'callback' } }]);
    const upload403 = await ctx.app.inject({
      method: 'POST',
      url: `/v1/console/callbacks/${b.caseId}/media?kind=call_recording`,
      headers: { authorization: `Bearer ${compliance.token}`, 'content-type': 'audio/mpeg' },
      payload: Buffer.from('x'),
    });
    expect(JSON.parse(upload403.body).code).toBe('FORBIDDEN');
    // The SMS code of the callback goes to the policyholder's phone on the policy.
    await call(ctx, { method: 'POST', url: `/v1/callbacks/${b.caseId}/start`, token: b.token });
    const sent = await call(ctx, { method: 'POST', url: `/v1/callbacks/${b.caseId}/identity/sms-codes`, token: b.token }, 201);
    expect(sent.maskedPhone).toBe(`${b.holder.phone.slice(0, 3)}****${b.holder.phone.slice(-4)}`);
    expect(await readLatestCode(ctx.send, b.holder.phone)).toMatch(/^\d{6}$/);
  });
});

describe('a one-year product that opts in to the callback', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createCallbackContext({ CALLBACK_OPT_IN_PRODUCTS: 'MEDICAL_1Y' });
  });
  afterAll(async () => ctx?.close());

  it('§2.7 gets a case of its own; other one-year products still do not', async () => {
    const medical = await buyWithCallback(ctx, 'MEDICAL_1Y');
    expect(medical.case).toMatchObject({ basis: 'product_opt_in', product_code: 'MEDICAL_1Y', status: 'awaiting_electronic' });
    const accident = await buyWithCallback(ctx, 'ACCIDENT_1Y');
    expect(accident.case).toBeUndefined();
  });
});
