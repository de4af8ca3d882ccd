import { sha256Hex } from '../../platform/text-versions.js';
import type { Config } from '../../config.js';
import type { Db, Trx } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import {
  CONNECTED_PHONE_OUTCOMES,
  OPEN_CASE_STATUSES,
  type AnswerValue,
  type CaseStatus,
  type LetterOutcome,
  type PhoneOutcome,
} from './callback.js';
import { ANSWER_OPTIONS } from './callback-texts.js';
import * as repo from './callback.repository.js';
import type { CaseRow, TaskRow } from './callback.repository.js';
import type { CallbackSteps, CaseScript, ScriptText } from './callback-steps.js';

export interface AgentAnswerInput {
  itemCode: string;
  textVersionId: string;
  answer: AnswerValue;
}

/** What each kind of evidence may be: recordings are audio, receipts are scans. */
const MEDIA_TYPES: Record<'call_recording' | 'signed_receipt', readonly string[]> = {
  call_recording: ['audio/mpeg', 'audio/wav', 'audio/x-wav', 'audio/amr', 'audio/mp4', 'audio/ogg', 'audio/webm'],
  signed_receipt: ['image/jpeg', 'image/png', 'image/tiff', 'application/pdf'],
};
export const CALLBACK_MEDIA_TYPES = [...new Set(Object.values(MEDIA_TYPES).flat())];

/**
 * The fallback the callback agents work (CB): a recorded phone call with the script shown and an outcome per item;
 * after N failed calls, a letter or visit closed only with the receipt the policyholder signed. Recordings and
 * receipts are stored by content hash and the hash is sealed in the ledger.
 */
export function createCallbackTaskService(deps: { db: Db; clock: Clock; config: Config; pii: PiiCipher; steps: CallbackSteps }) {
  const { db, clock, config, pii, steps } = deps;

  async function listTasks(actor: Actor, f: { kind?: 'phone' | 'letter_visit'; status?: string; mine?: boolean; limit?: number }) {
    const staff = requireRole(actor, 'callback_agent', 'compliance_officer', 'auditor');
    const rows = await repo.listTasks(db, {
      kind: f.kind,
      status: f.status ?? 'open',
      assignedTo: f.mine ? staff.id : undefined,
      limit: f.limit ?? 100,
    });
    return rows.map((t) => ({
      id: t.id,
      caseId: t.case_id,
      kind: t.kind,
      reason: t.reason,
      status: t.status,
      openedAt: t.opened_at.toISOString(),
      dueAt: t.due_at.toISOString(),
      assignedTo: t.assigned_to,
      productCode: t.product_code,
      policyNumber: t.policy_number,
    }));
  }

  async function loadTask(trx: Trx | Db, taskId: string) {
    const t = await repo.findTask(trx, taskId);
    if (!t) throw new AppError('NOT_FOUND', 'No such callback task');
    return t;
  }

  /** Assigns a task to a callback agent (oneself when none is named). */
  async function assignTask(actor: Actor, taskId: string, input: { staffId?: string }) {
    const staff = requireRole(actor, 'callback_agent');
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const t = await loadTask(trx, taskId);
      await repo.findCase(trx, t.case_id, { lock: true });
      if (t.status !== 'open') throw new AppError('INVALID_STATE', `The task is ${t.status}`);
      const to = input.staffId ?? staff.id;
      const agent = await repo.findAgent(trx, to);
      if (!agent || agent.disabled_at || !agent.roles.includes('callback_agent'))
        throw new AppError('VALIDATION_FAILED', 'Tasks go to active callback agents only', [
          { path: 'staffId', message: 'not a callback agent' },
        ]);
      await repo.assignTask(trx, t.id, to, now);
      await recordEvent(trx, {
        type: 'callback.task_assigned',
        actor,
        subject: { type: 'callback_case', id: t.case_id },
        payload: { taskId: t.id, staffId: to },
        at: now,
      });
      return { taskId: t.id, assignedTo: to };
    });
  }

  /** Registers the task's script before its transaction (see warmScript). */
  async function warm(taskId: string) {
    const t = await repo.findTask(db, taskId);
    if (t) await steps.warmScript(db, t.case_id, clock.now());
  }

  function scriptView(t: TaskRow, c: CaseRow, s: CaseScript) {
    const text = (x: ScriptText) => ({
      itemCode: x.code,
      position: x.position,
      title: x.title,
      content: x.content,
      textVersionId: x.textVersionId,
      contentHash: x.contentHash,
    });
    return {
      taskId: t.id,
      caseId: c.id,
      kind: t.kind,
      opening: text(s.opening),
      items: s.items.map(text),
      closing: text(s.closing),
      answerOptions: ANSWER_OPTIONS.map((o) => ({ ...o })),
      phoneAttemptsLeft: null as number | null,
    };
  }

  /** The script shown to the agent (or printed in the letter): every text it shows is recorded as shown for the task. */
  async function taskScript(actor: Actor, taskId: string) {
    requireRole(actor, 'callback_agent');
    await warm(taskId);
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const t = await loadTask(trx, taskId);
      const c = must(await repo.findCase(trx, t.case_id, { lock: true }), `callback case ${t.case_id}`);
      if (t.status !== 'open') throw new AppError('INVALID_STATE', `The task is ${t.status}`);
      const s = await steps.caseScript(trx, c, now);
      for (const text of [s.opening, ...s.items, s.closing])
        await steps.showText(trx, c, { taskId: t.id, text, shownTo: 'agent', actor, at: now });
      const view = scriptView(t, c, s);
      if (t.kind === 'phone')
        view.phoneAttemptsLeft = Math.max(0, config.CALLBACK_PHONE_MAX_ATTEMPTS - (await repo.countEndedAttemptsOfTask(trx, t.id)));
      return view;
    });
  }

  /** The policyholder's name and phone in full, for the agent who must call or write; every read is logged (M§38). */
  async function contactOf(actor: Actor, taskId: string) {
    requireRole(actor, 'callback_agent');
    const t = await loadTask(db, taskId);
    if (t.status !== 'open') throw new AppError('INVALID_STATE', `The task is ${t.status}`);
    const c = must(await repo.findCase(db, t.case_id), `callback case ${t.case_id}`);
    const holder = await repo.policyholderOf(db, c.application_id);
    const now = clock.now();
    await recordEvent(db, {
      type: 'staff.personal_data_read',
      actor,
      subject: { type: 'callback_case', id: c.id },
      payload: { taskId: t.id, fields: ['name', 'phone'], purpose: t.kind === 'phone' ? 'phone_callback' : 'letter_or_visit_callback' },
      at: now,
    });
    return {
      taskId: t.id,
      name: pii.decrypt('name', holder.name_cipher),
      phone: holder.phone_cipher ? pii.decrypt('phone', holder.phone_cipher) : null,
    };
  }

  /**
   * Stores a call recording or a scan of the signed receipt for a case, by its SHA-256: the bytes once (the same
   * content uploaded twice is one blob), and the event seals the hash in the ledger, so the file can be checked
   * against the ledger years later.
   */
  async function storeMedia(
    actor: Actor,
    caseId: string,
    input: { kind: 'call_recording' | 'signed_receipt'; mediaType: string; content: Buffer },
  ) {
    const staff = requireRole(actor, 'callback_agent');
    const [essence = ''] = input.mediaType.split(';');
    const mediaType = essence.trim().toLowerCase();
    if (!MEDIA_TYPES[input.kind].includes(mediaType))
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `A ${input.kind} is one of ${MEDIA_TYPES[input.kind].join(', ')}`);
    if (input.content.length === 0) throw new AppError('VALIDATION_FAILED', 'The file is empty', [{ path: 'body', message: 'empty' }]);
    if (input.content.length > config.CALLBACK_MEDIA_MAX_BYTES) throw new AppError('PAYLOAD_TOO_LARGE');
    const sha256 = sha256Hex(input.content);
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const c = await repo.findCase(trx, caseId, { lock: true });
      if (!c) throw new AppError('NOT_FOUND', 'No such callback');
      await repo.storeBlob(trx, {
        sha256,
        media_type: mediaType,
        size_bytes: input.content.length,
        content: input.content,
        stored_at: now,
      });
      const mediaId = newId('cbm', now.getTime());
      await repo.insertMedia(trx, { id: mediaId, case_id: c.id, kind: input.kind, sha256, uploaded_by: staff.id, uploaded_at: now });
      await recordEvent(trx, {
        type: 'callback.media_stored',
        actor,
        subject: { type: 'callback_case', id: c.id },
        payload: { mediaId, kind: input.kind, sha256, sizeBytes: input.content.length, mediaType },
        at: now,
      });
      return { mediaId, sha256, sizeBytes: input.content.length, mediaType };
    });
  }

  /**
   * A stored recording or receipt scan, byte for byte, for whoever checks the callback: its SHA-256 is the one the
   * ledger sealed. Reading it is 调阅, logged before it is served (M§33).
   */
  async function readMedia(actor: Actor, caseId: string, mediaId: string) {
    const staff = requireRole(actor, 'callback_agent', 'compliance_officer', 'auditor');
    const m = await repo.mediaContentOfCase(db, caseId, mediaId);
    if (!m) throw new AppError('NOT_FOUND', 'No such recording or scan of this callback');
    await recordEvent(db, {
      type: 'staff.trace_read',
      actor: staff,
      subject: { type: 'callback_case', id: caseId },
      payload: { record: 'callback_media', mediaId: m.id, sha256: m.sha256 },
      at: clock.now(),
    });
    return { mediaType: m.media_type, sha256: m.sha256, content: m.content, kind: m.kind };
  }

  async function requireMedia(trx: Trx, c: CaseRow, mediaId: string | undefined, kind: 'call_recording' | 'signed_receipt') {
    if (!mediaId)
      throw new AppError(
        'CALLBACK_EVIDENCE_REQUIRED',
        kind === 'call_recording' ? 'Upload the call recording first' : 'Upload the scan of the signed receipt first',
      );
    const m = await repo.findMedia(trx, mediaId);
    if (!m || m.case_id !== c.id || m.kind !== kind)
      throw new AppError('CALLBACK_EVIDENCE_REQUIRED', `${mediaId} is not a ${kind} of this callback`);
    return m.id;
  }

  /** The answers the agent records, each to an item of the script in the version shown for this task. */
  async function checkAnswers(trx: Trx, t: TaskRow, s: CaseScript, answers: AgentAnswerInput[]) {
    const seen = new Set<string>();
    const out: Array<{ item: ScriptText; answer: AnswerValue; displayedAt: Date }> = [];
    for (const [i, a] of answers.entries()) {
      const item = s.items.find((x) => x.code === a.itemCode);
      if (!item)
        throw new AppError('VALIDATION_FAILED', `No item ${a.itemCode} in this callback`, [
          { path: `answers.${i}.itemCode`, message: 'unknown' },
        ]);
      if (seen.has(item.code))
        throw new AppError('VALIDATION_FAILED', `${a.itemCode} is answered twice`, [
          { path: `answers.${i}.itemCode`, message: 'duplicate' },
        ]);
      seen.add(item.code);
      const display =
        a.textVersionId === item.textVersionId
          ? await repo.findDisplay(trx, { taskId: t.id, itemCode: item.code, textVersionId: item.textVersionId })
          : undefined;
      if (!display) throw new AppError('CALLBACK_ITEM_NOT_SHOWN', `Show the script before recording ${item.code}`);
      out.push({ item, answer: a.answer, displayedAt: display.displayed_at });
    }
    return out.sort((x, y) => x.item.position - y.item.position);
  }

  async function checkClosing(
    trx: Trx,
    t: TaskRow,
    s: CaseScript,
    complete: boolean,
    answered: number,
    closingTextVersionId: string | undefined,
  ) {
    if (!complete) return undefined;
    if (answered !== s.items.length) throw new AppError('CALLBACK_ITEMS_INCOMPLETE', `${s.items.length - answered} items have no answer`);
    const shown =
      closingTextVersionId === s.closing.textVersionId
        ? await repo.findDisplay(trx, { taskId: t.id, itemCode: s.closing.code, textVersionId: s.closing.textVersionId })
        : undefined;
    if (!shown) throw new AppError('CALLBACK_ITEM_NOT_SHOWN', 'The closing confirmation of the script shown is required');
    return s.closing.textVersionId;
  }

  async function lockOpenTask(trx: Trx, taskId: string, kind: 'phone' | 'letter_visit', status: CaseStatus) {
    const t = await loadTask(trx, taskId);
    const c = must(await repo.findCase(trx, t.case_id, { lock: true }), `callback case ${t.case_id}`);
    const task = must(await repo.findTask(trx, taskId), `callback task ${taskId}`);
    if (task.kind !== kind) throw new AppError('INVALID_STATE', `This is a ${task.kind} task`);
    if (!OPEN_CASE_STATUSES.includes(c.status)) throw new AppError('CALLBACK_CLOSED', `The callback is ${c.status}`);
    if (task.status !== 'open' || c.status !== status) throw new AppError('INVALID_STATE', `The task is ${task.status}`);
    return { c, task };
  }

  /**
   * What a phone call and a letter or visit have in common once their own checks passed: the answers and the closing
   * confirmation checked against the script, the attempt and its answers recorded, then the task ended — succeeded,
   * or failed after `maxAttempts` ended attempts, when `exhausted` moves the case on.
   */
  async function endAgentAttempt(
    trx: Trx,
    actor: Actor,
    c: CaseRow,
    task: TaskRow,
    now: Date,
    a: {
      method: 'phone' | 'letter' | 'visit';
      outcome: PhoneOutcome | LetterOutcome;
      succeeded: boolean;
      mediaId: string | null;
      input: { answers: AgentAnswerInput[]; closingTextVersionId?: string; reason?: string };
      maxAttempts: number;
      exhausted: () => Promise<unknown>;
    },
  ) {
    const s = await steps.caseScript(trx, c, now);
    const answers = await checkAnswers(trx, task, s, a.input.answers);
    const closing = await checkClosing(trx, task, s, a.succeeded, answers.length, a.input.closingTextVersionId);
    const attemptId = newId('cba', now.getTime());
    await repo.insertAttempt(trx, {
      id: attemptId,
      case_id: c.id,
      task_id: task.id,
      method: a.method,
      started_at: now,
      started_by_type: actor.type,
      started_by_id: actor.type === 'staff' ? actor.id : null,
    });
    let problems = 0;
    for (const x of answers) {
      const r = await steps.recordAnswer(trx, c, {
        attemptId,
        item: x.item,
        answer: x.answer,
        method: a.method,
        displayedAt: x.displayedAt,
        actor,
        at: now,
      });
      if (r.problemId) problems++;
    }
    await steps.endAttempt(trx, c, {
      attemptId,
      method: a.method,
      outcome: a.outcome,
      reason: a.input.reason,
      mediaId: a.mediaId,
      closingTextVersionId: closing,
      actor,
      at: now,
    });
    if (a.succeeded) {
      await repo.endTask(trx, task.id, 'succeeded', now, a.outcome);
      await steps.succeed(trx, c, a.method, now, actor);
    } else if ((await repo.countEndedAttemptsOfTask(trx, task.id)) >= a.maxAttempts) {
      await repo.endTask(trx, task.id, 'failed', now, `${task.kind}_failed_after_${a.maxAttempts}_attempts`);
      await a.exhausted();
    }
    const after = must(await repo.findTask(trx, task.id), `callback task ${task.id}`);
    return { attemptId, caseStatus: c.status, taskStatus: after.status, problemsOpened: problems };
  }

  /**
   * Records one phone call (CB: 电话回访并制作录音): its outcome, the recording of a connected call, and the outcome of
   * each item the policyholder answered. A completed call with every item and the closing confirmation ends the
   * callback; after CALLBACK_PHONE_MAX_ATTEMPTS calls that did not, a letter or visit task takes over.
   */
  async function recordPhoneAttempt(
    actor: Actor,
    taskId: string,
    input: { outcome: PhoneOutcome; recordingId?: string; answers: AgentAnswerInput[]; closingTextVersionId?: string; reason?: string },
  ) {
    requireRole(actor, 'callback_agent');
    await warm(taskId);
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const { c, task } = await lockOpenTask(trx, taskId, 'phone', 'phone_pending');
      if (now.getTime() >= c.deadline_at.getTime())
        throw new AppError('CALLBACK_DEADLINE_PASSED', 'The 犹豫期 has ended: the callback moves to a letter or visit');
      const connected = CONNECTED_PHONE_OUTCOMES.includes(input.outcome);
      if (!connected && input.answers.length)
        throw new AppError('VALIDATION_FAILED', 'A call that did not connect has no answers', [
          { path: 'answers', message: 'must be empty' },
        ]);
      if (input.outcome === 'refused' && input.answers.length)
        throw new AppError('VALIDATION_FAILED', 'A refused call has no answers', [{ path: 'answers', message: 'must be empty' }]);
      const mediaId = connected ? await requireMedia(trx, c, input.recordingId, 'call_recording') : null;
      return endAgentAttempt(trx, actor, c, task, now, {
        method: 'phone',
        outcome: input.outcome,
        succeeded: input.outcome === 'completed',
        mediaId,
        input,
        maxAttempts: config.CALLBACK_PHONE_MAX_ATTEMPTS,
        // Calls used up: a letter or visit takes over.
        exhausted: () => steps.moveToLetter(trx, c, 'phone_failed', now, actor),
      });
    });
  }

  /**
   * Records a letter sent or a visit made (CB: 信函或者会见方式完成回访并取得投保人签名回执): closed only with the
   * scan of the receipt the policyholder signed, and the answers ticked on it. After CALLBACK_LETTER_MAX_ATTEMPTS
   * failed letters or visits, the callback has failed: the final record lists everything tried and why it failed.
   */
  async function recordLetterAttempt(
    actor: Actor,
    taskId: string,
    input: {
      method: 'letter' | 'visit';
      outcome: LetterOutcome;
      receiptId?: string;
      answers: AgentAnswerInput[];
      closingTextVersionId?: string;
      reason?: string;
    },
  ) {
    requireRole(actor, 'callback_agent');
    await warm(taskId);
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const { c, task } = await lockOpenTask(trx, taskId, 'letter_visit', 'letter_pending');
      if (now.getTime() >= task.due_at.getTime())
        throw new AppError('CALLBACK_DEADLINE_PASSED', 'The letter or visit is past its due date');
      const signed = input.outcome === 'receipt_signed';
      if (!signed && input.answers.length)
        throw new AppError('VALIDATION_FAILED', 'Only a signed receipt carries answers', [{ path: 'answers', message: 'must be empty' }]);
      const mediaId = signed ? await requireMedia(trx, c, input.receiptId, 'signed_receipt') : null;
      return endAgentAttempt(trx, actor, c, task, now, {
        method: input.method,
        outcome: input.outcome,
        succeeded: signed,
        mediaId,
        input,
        maxAttempts: config.CALLBACK_LETTER_MAX_ATTEMPTS,
        // Letters and visits used up: the callback has failed.
        exhausted: () => steps.failCase(trx, c, 'every_method_failed', now, actor),
      });
    });
  }

  return { listTasks, assignTask, taskScript, contactOf, storeMedia, readMedia, recordPhoneAttempt, recordLetterAttempt };
}
export type CallbackTaskService = ReturnType<typeof createCallbackTaskService>;
