import type { Config } from '../../config.js';
import type { Db, DbOrTrx, Trx } from '../../db/database.js';
import { actorId, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { registerTextVersion } from '../../platform/text-versions.js';
import { loadProductVersion } from '../products/index.js';
import { assertCaseTransition, problemOf, type AnswerValue, type CallbackMethod, type CaseStatus } from './callback.js';
import { callbackItems, CLOSING_TEXT, phoneScriptOpening } from './callback-texts.js';
import * as repo from './callback.repository.js';
import type { CaseRow } from './callback.repository.js';

export const deadlineActor: Actor = { type: 'system', id: 'callback-deadlines' };

export interface ScriptText {
  code: string;
  position: number;
  title: string;
  content: string;
  textVersionId: string;
  contentHash: string;
}

export interface CaseScript {
  opening: ScriptText;
  items: ScriptText[];
  closing: ScriptText;
}

export const CLOSING_CODE = 'closing_confirmation';
export const OPENING_CODE = 'phone_opening';

/**
 * The steps every callback use case shares — the script of a case, moving between methods, recording answers and
 * the problem cases they raise, success and final failure — each writing its rows and events in the caller's
 * transaction.
 */
export function createCallbackSteps(deps: { config: Config }) {
  const { config } = deps;
  const textIds = new Map<string, { id: string; contentHash: string }>();

  async function register(conn: DbOrTrx, kind: string, ref: string, title: string, content: string, at: Date) {
    const key = `${kind}|${ref}|${title}|${content}`;
    const hit = textIds.get(key);
    if (hit) return hit;
    const tv = await registerTextVersion(conn, { kind, ref, title, content, at });
    // Remember only what cannot roll back: a text version registered inside a transaction might.
    if (!conn.isTransaction) {
      if (textIds.size > 10_000) textIds.clear();
      textIds.set(key, tv);
    }
    return tv;
  }

  /**
   * The script of a case as it stands: the items in order, the closing confirmation and the agent's opening, each
   * registered as a text version built from the product version and the policy's own terms.
   */
  async function caseScript(conn: DbOrTrx, c: CaseRow, at: Date): Promise<CaseScript> {
    const pv = await loadProductVersion(conn, c.product_version_id);
    if (!pv) throw new Error(`Callback ${c.id} names a missing product version`);
    const policy = await repo.policyOfCase(conn, c.policy_id);
    const app = await repo.applicationOf(conn, c.application_id);
    const ref = (code: string) => `${pv.code}@${pv.version}:${code}`;
    const texts = callbackItems({
      definition: pv.definition,
      termYears: policy.term_years,
      paymentMode: policy.payment_mode,
      insuredIsOther: app.insured_relationship !== 'self',
      coolingOffCostFen: config.COOLING_OFF_COST_FEN,
    });
    const items: ScriptText[] = [];
    for (const [i, t] of texts.entries()) {
      const tv = await register(conn, 'callback_item', ref(t.code), t.title, t.content, at);
      items.push({ code: t.code, position: i + 1, title: t.title, content: t.content, textVersionId: tv.id, contentHash: tv.contentHash });
    }
    const closingTv = await register(conn, 'callback_item', ref(CLOSING_CODE), CLOSING_TEXT.title, CLOSING_TEXT.content, at);
    const opening = phoneScriptOpening(pv.definition.insurer?.name ?? config.INSURER_NAME, pv.definition.promotionalName);
    const openingTv = await register(conn, 'callback_script', ref(OPENING_CODE), opening.title, opening.content, at);
    return {
      opening: { code: OPENING_CODE, position: 0, ...opening, textVersionId: openingTv.id, contentHash: openingTv.contentHash },
      items,
      closing: {
        code: CLOSING_CODE,
        position: items.length + 1,
        ...CLOSING_TEXT,
        textVersionId: closingTv.id,
        contentHash: closingTv.contentHash,
      },
    };
  }

  /**
   * Registers a case's script outside any transaction, so the transaction that follows finds every text version in
   * memory instead of querying for each: a version registered inside a transaction is not remembered, as it could
   * still roll back. Run before the transaction, never inside it (one connection at a time).
   */
  async function warmScript(db: Db, caseId: string, at: Date) {
    const c = await repo.findCase(db, caseId);
    if (c) await caseScript(db, c, at);
  }

  async function showText(
    trx: Trx,
    c: CaseRow,
    s: { attemptId?: string; taskId?: string; text: ScriptText; shownTo: 'policyholder' | 'agent'; actor: Actor; at: Date },
  ) {
    await repo.insertDisplay(trx, {
      id: newId('cbd', s.at.getTime()),
      case_id: c.id,
      attempt_id: s.attemptId ?? null,
      task_id: s.taskId ?? null,
      item_code: s.text.code,
      text_version_id: s.text.textVersionId,
      shown_to: s.shownTo,
      displayed_at: s.at,
    });
    await recordEvent(trx, {
      type: 'callback.item_displayed',
      actor: s.actor,
      subject: { type: 'callback_case', id: c.id },
      payload: { attemptId: s.attemptId, taskId: s.taskId, itemCode: s.text.code, position: s.text.position, shownTo: s.shownTo },
      textVersionId: s.text.textVersionId,
      at: s.at,
    });
  }

  async function transition(trx: Trx, c: CaseRow, to: CaseStatus, milestones: Parameters<typeof repo.transitionCase>[4]) {
    assertCaseTransition(c.status, to);
    if (!(await repo.transitionCase(trx, c.id, c.status, to, milestones)))
      throw new AppError('CONFLICT', 'The callback was changed by another request');
    Object.assign(c, milestones, { status: to });
  }

  async function assignFirstAgent(trx: Trx, of: 'tasks' | 'problems', id: string, caseId: string, at: Date) {
    const agent = await repo.leastBusyAgent(trx, of);
    if (!agent) return null;
    if (of === 'tasks') await repo.assignTask(trx, id, agent, at);
    else await repo.assignProblem(trx, id, agent, at);
    await recordEvent(trx, {
      type: of === 'tasks' ? 'callback.task_assigned' : 'callback.problem_assigned',
      actor: deadlineActor,
      subject: of === 'tasks' ? { type: 'callback_case', id: caseId } : { type: 'callback_problem', id },
      payload: { [of === 'tasks' ? 'taskId' : 'problemId']: id, staffId: agent, automatic: true },
      at,
    });
    return agent;
  }

  async function openTask(trx: Trx, c: CaseRow, kind: 'phone' | 'letter_visit', reason: string, at: Date, actor: Actor) {
    const taskId = newId('cbt', at.getTime());
    const dueAt = kind === 'phone' ? c.deadline_at : new Date(c.deadline_at.getTime() + config.CALLBACK_LETTER_DAYS * 86_400_000);
    await repo.insertTask(trx, {
      id: taskId,
      case_id: c.id,
      kind,
      reason,
      status: 'open',
      opened_at: at,
      due_at: dueAt,
      assigned_to: null,
      assigned_at: null,
      ended_at: null,
      end_reason: null,
    });
    await recordEvent(trx, {
      type: 'callback.task_opened',
      actor,
      subject: { type: 'callback_case', id: c.id },
      payload: { taskId, kind, reason, dueAt: dueAt.toISOString() },
      at,
    });
    await assignFirstAgent(trx, 'tasks', taskId, c.id, at);
    return taskId;
  }

  /** Ends the case's open electronic attempt, if there is one, with this outcome; answers the attempt it ended. */
  async function endOpenElectronicAttempt(trx: Trx, c: CaseRow, a: { outcome: string; reason: string; actor: Actor; at: Date }) {
    const attempt = await repo.openElectronicAttempt(trx, c.id);
    if (attempt) await endAttempt(trx, c, { attemptId: attempt.id, method: 'electronic', ...a });
    return attempt;
  }

  async function endAttempt(
    trx: Trx,
    c: CaseRow,
    a: {
      attemptId: string;
      method: CallbackMethod;
      outcome: string;
      reason?: string | null;
      mediaId?: string | null;
      closingTextVersionId?: string | null;
      actor: Actor;
      at: Date;
    },
  ) {
    const inserted = await repo.insertAttemptOutcome(trx, {
      attempt_id: a.attemptId,
      outcome: a.outcome,
      reason: a.reason ?? null,
      media_id: a.mediaId ?? null,
      closing_text_version_id: a.closingTextVersionId ?? null,
      closing_confirmed_at: a.closingTextVersionId ? a.at : null,
      ended_at: a.at,
      ended_by_type: a.actor.type,
      ended_by_id: actorId(a.actor),
    });
    if (!inserted) throw new AppError('CONFLICT', 'The attempt has already ended');
    await recordEvent(trx, {
      type: 'callback.attempt_ended',
      actor: a.actor,
      subject: { type: 'callback_case', id: c.id },
      payload: {
        attemptId: a.attemptId,
        method: a.method,
        outcome: a.outcome,
        reason: a.reason ?? undefined,
        mediaId: a.mediaId ?? undefined,
      },
      textVersionId: a.closingTextVersionId ?? null,
      at: a.at,
    });
  }

  /** Electronic callback over: a phone task for a callback agent, due by the end of the 犹豫期 (CB). */
  async function moveToPhone(trx: Trx, c: CaseRow, reason: string, at: Date, actor: Actor, extra: { phone_requested_at?: Date } = {}) {
    await transition(trx, c, 'phone_pending', { phone_task_at: at, ...extra });
    return openTask(trx, c, 'phone', reason, at, actor);
  }

  /** Phone failed: a letter or visit that must bring back the receipt signed by the policyholder (CB). */
  async function moveToLetter(trx: Trx, c: CaseRow, reason: string, at: Date, actor: Actor) {
    await transition(trx, c, 'letter_pending', { letter_task_at: at });
    return openTask(trx, c, 'letter_visit', reason, at, actor);
  }

  /**
   * Records one answer the policyholder gave, with the item's text version and the time, and opens the problem case
   * it raises (问题件: any "no" or "not sure", a policy not received, a signature not their own), assigned to an agent.
   */
  async function recordAnswer(
    trx: Trx,
    c: CaseRow,
    a: {
      attemptId: string;
      item: ScriptText;
      answer: AnswerValue;
      method: CallbackMethod;
      displayedAt: Date | null;
      actor: Actor;
      at: Date;
    },
  ) {
    const answerId = newId('cbr', a.at.getTime());
    await repo.insertAnswer(trx, {
      id: answerId,
      case_id: c.id,
      attempt_id: a.attemptId,
      item_code: a.item.code,
      position: a.item.position,
      answer: a.answer,
      text_version_id: a.item.textVersionId,
      method: a.method,
      recorded_by_type: a.actor.type,
      recorded_by_id: actorId(a.actor),
      displayed_at: a.displayedAt,
      answered_at: a.at,
    });
    await recordEvent(trx, {
      type: 'callback.item_answered',
      actor: a.actor,
      subject: { type: 'callback_case', id: c.id },
      payload: {
        answerId,
        attemptId: a.attemptId,
        itemCode: a.item.code,
        position: a.item.position,
        answer: a.answer,
        method: a.method,
        displayedAt: a.displayedAt?.toISOString(),
      },
      textVersionId: a.item.textVersionId,
      at: a.at,
    });
    const kind = problemOf(a.item.code, a.answer);
    let problemId: string | null = null;
    if (kind) {
      problemId = newId('cbp', a.at.getTime());
      await repo.insertProblem(trx, {
        id: problemId,
        case_id: c.id,
        policy_id: c.policy_id,
        kind,
        item_code: a.item.code,
        answer_id: answerId,
        status: 'open',
        opened_at: a.at,
        assigned_to: null,
        assigned_at: null,
        resolution: null,
        resolved_at: null,
        resolved_by: null,
        closed_at: null,
        close_reason: null,
      });
      await recordEvent(trx, {
        type: 'callback.problem_opened',
        actor: a.actor,
        subject: { type: 'callback_problem', id: problemId },
        payload: { caseId: c.id, policyId: c.policy_id, kind, itemCode: a.item.code, answerId, method: a.method },
        at: a.at,
      });
      await assignFirstAgent(trx, 'problems', problemId, c.id, a.at);
    }
    return { answerId, problemId };
  }

  async function succeed(trx: Trx, c: CaseRow, method: CallbackMethod, at: Date, actor: Actor) {
    await transition(trx, c, 'succeeded', { method, succeeded_at: at });
    await recordEvent(trx, {
      type: 'callback.succeeded',
      actor,
      subject: { type: 'callback_case', id: c.id },
      payload: { policyId: c.policy_id, method, openedAt: c.opened_at.toISOString(), deadlineAt: c.deadline_at.toISOString() },
      at,
    });
  }

  /** Every method failed: the final record lists each task and attempt with its outcome and reason (CB). */
  async function failCase(trx: Trx, c: CaseRow, summary: string, at: Date, actor: Actor) {
    await transition(trx, c, 'failed', { failed_at: at });
    const tasks = await repo.tasksOfCase(trx, c.id);
    const attempts = await repo.attemptsOfCase(trx, c.id);
    const reasons = {
      summary,
      notifiedAt: c.notified_at?.toISOString() ?? null,
      tasks: tasks.map((t) => ({
        taskId: t.id,
        kind: t.kind,
        openedFor: t.reason,
        status: t.status,
        endReason: t.end_reason,
        openedAt: t.opened_at.toISOString(),
        endedAt: t.ended_at?.toISOString() ?? null,
      })),
      attempts: attempts.map((x) => ({
        attemptId: x.id,
        method: x.method,
        startedAt: x.started_at.toISOString(),
        outcome: x.outcome ?? 'not_ended',
        reason: x.reason,
        endedAt: x.ended_at?.toISOString() ?? null,
      })),
    };
    await repo.insertFinalRecord(trx, {
      case_id: c.id,
      outcome: 'failed',
      reasons: JSON.stringify(reasons),
      recorded_at: at,
      recorded_by: actor.type === 'anonymous' ? 'anonymous' : actor.id,
    });
    await recordEvent(trx, {
      type: 'callback.failed',
      actor,
      subject: { type: 'callback_case', id: c.id },
      payload: {
        policyId: c.policy_id,
        summary,
        attempts: reasons.attempts.map((x) => ({ method: x.method, outcome: x.outcome, reason: x.reason ?? undefined })),
      },
      at,
    });
  }

  return {
    caseScript,
    warmScript,
    showText,
    transition,
    openTask,
    endAttempt,
    endOpenElectronicAttempt,
    moveToPhone,
    moveToLetter,
    recordAnswer,
    succeed,
    failCase,
  };
}
export type CallbackSteps = ReturnType<typeof createCallbackSteps>;
