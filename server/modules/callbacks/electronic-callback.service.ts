import type { Config } from '../../config.js';
import type { Db, Trx } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, isAppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { FaceProvider } from '../../platform/providers.js';
import { parseIdNumber } from '../identity/index.js';
import type { OtpService } from '../identity/index.js';
import { ELECTRONIC_STATUSES, identityComplete, OPEN_CASE_STATUSES, type AnswerValue, type CallbackIdentityMethod } from './callback.js';
import { ANSWER_OPTIONS } from './callback-texts.js';
import * as repo from './callback.repository.js';
import type { CaseRow } from './callback.repository.js';
import type { CallbackCaseService } from './callback-cases.service.js';
import type { CallbackSteps, ScriptText } from './callback-steps.js';

export const OTP_PURPOSE_CALLBACK = 'callback_identity';

/** Failures that count against the policyholder: a wrong code, another person's ID number, another face. */
const COUNTED_FAILURES = new Set(['wrong_code', 'too_many_attempts', 'id_mismatch', 'face_mismatch']);

type Attempt = NonNullable<Awaited<ReturnType<typeof repo.openElectronicAttempt>>>;

/**
 * The electronic callback, done by the policyholder on the platform's own pages (CB): started by them, identity by
 * at least two methods, the items one at a time with every answer recorded against the text version shown, a
 * closing confirmation — and at any point a way to stop and ask for a phone callback instead.
 */
export function createElectronicCallbackService(deps: {
  db: Db;
  clock: Clock;
  config: Config;
  pii: PiiCipher;
  otp: Pick<OtpService, 'sendCode' | 'verifyCode'>;
  face: FaceProvider;
  steps: CallbackSteps;
  cases: Pick<CallbackCaseService, 'loadOwnedCase' | 'getMyCallback'>;
}) {
  const { db, clock, config, pii, otp, face, steps, cases } = deps;

  function assertElectronicOpen(c: CaseRow, now: Date) {
    if (!OPEN_CASE_STATUSES.includes(c.status)) throw new AppError('CALLBACK_CLOSED', `The callback is ${c.status}`);
    if (!ELECTRONIC_STATUSES.includes(c.status)) throw new AppError('CALLBACK_NOT_ELECTRONIC');
    if (now.getTime() >= c.fallback_at.getTime())
      throw new AppError('CALLBACK_DEADLINE_PASSED', `The electronic callback was open until ${c.fallback_at.toISOString()}`);
  }

  /** Runs `fn` on the caller's own case, locked, with its electronic attempt open. */
  async function withAttempt<T>(
    actor: Actor,
    caseId: string,
    fn: (trx: Trx, c: CaseRow, attempt: Attempt, now: Date) => Promise<T>,
  ): Promise<T> {
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const c = await cases.loadOwnedCase(actor, caseId, trx, true);
      assertElectronicOpen(c, now);
      const attempt = await repo.openElectronicAttempt(trx, c.id);
      if (!attempt) throw new AppError('INVALID_STATE', 'Start the callback first');
      return fn(trx, c, attempt, now);
    });
  }

  /** CB: the electronic callback is initiated by the policyholder. Starting twice continues the same attempt. */
  async function startCallback(actor: Actor, caseId: string) {
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const c = await cases.loadOwnedCase(actor, caseId, trx, true);
      assertElectronicOpen(c, now);
      if (await repo.openElectronicAttempt(trx, c.id)) return;
      const attemptId = newId('cba', now.getTime());
      await repo.insertAttempt(trx, {
        id: attemptId,
        case_id: c.id,
        task_id: null,
        method: 'electronic',
        started_at: now,
        started_by_type: actor.type,
        started_by_id: actor.type === 'consumer' ? actor.id : null,
      });
      await steps.transition(trx, c, 'electronic_in_progress', { started_at: now });
      await recordEvent(trx, {
        type: 'callback.started',
        actor,
        subject: { type: 'callback_case', id: c.id },
        payload: { attemptId, policyId: c.policy_id },
        at: now,
      });
    });
    return cases.getMyCallback(actor, caseId);
  }

  /**
   * Records one identity check of the attempt. A failure that counts brings the attempt nearer its limit; at
   * CALLBACK_IDENTITY_MAX_FAILURES the electronic callback has failed and a phone task takes over (CB).
   */
  async function recordCheck(
    trx: Trx,
    c: CaseRow,
    attempt: Attempt,
    check: { method: CallbackIdentityMethod; passed: boolean; reason?: string; evidence: Record<string, unknown>; actor: Actor; at: Date },
  ): Promise<{ verified: boolean; electronicFailed: boolean }> {
    const id = newId('cbi', check.at.getTime());
    await repo.insertIdentityCheck(trx, {
      id,
      case_id: c.id,
      attempt_id: attempt.id,
      method: check.method,
      result: check.passed ? 'passed' : 'failed',
      reason: check.reason ?? null,
      evidence: JSON.stringify(check.evidence),
      checked_at: check.at,
    });
    await recordEvent(trx, {
      type: 'callback.identity_checked',
      actor: check.actor,
      subject: { type: 'callback_case', id: c.id },
      payload: {
        checkId: id,
        attemptId: attempt.id,
        method: check.method,
        result: check.passed ? 'passed' : 'failed',
        reason: check.reason,
        ...check.evidence,
      },
      at: check.at,
    });
    const checks = await repo.identityChecksOfAttempt(trx, attempt.id);
    if (!check.passed) {
      const failures = checks.filter((x) => x.result === 'failed' && COUNTED_FAILURES.has(x.reason ?? '')).length;
      if (failures >= config.CALLBACK_IDENTITY_MAX_FAILURES) {
        await steps.endAttempt(trx, c, {
          attemptId: attempt.id,
          method: 'electronic',
          outcome: 'failed',
          reason: 'identity_not_verified',
          actor: check.actor,
          at: check.at,
        });
        await steps.moveToPhone(trx, c, 'electronic_failed_identity', check.at, check.actor);
        return { verified: false, electronicFailed: true };
      }
      return { verified: false, electronicFailed: false };
    }
    const passed = new Set(checks.filter((x) => x.result === 'passed').map((x) => x.method));
    const verified = identityComplete(passed, c.face_required);
    if (verified && !c.identity_verified_at) {
      await repo.setCaseMilestones(trx, c.id, { identity_verified_at: check.at });
      c.identity_verified_at = check.at;
      await recordEvent(trx, {
        type: 'callback.identity_verified',
        actor: check.actor,
        subject: { type: 'callback_case', id: c.id },
        payload: { attemptId: attempt.id, methods: [...passed].sort() },
        at: check.at,
      });
    }
    return { verified, electronicFailed: false };
  }

  /** Sends an SMS code to the policyholder's phone on the policy (not to whoever is signed in). */
  async function sendIdentityCode(actor: Actor, caseId: string) {
    const { c, attempt } = await withAttempt(actor, caseId, async (_trx, c, attempt) => ({ c, attempt }));
    const holder = await repo.policyholderOf(db, c.application_id);
    if (!holder.phone_cipher) throw new AppError('VALIDATION_FAILED', 'The policyholder has no phone number on the policy');
    const sent = await otp.sendCode(actor, {
      purpose: OTP_PURPOSE_CALLBACK,
      subjectRef: attempt.id,
      phone: pii.decrypt('phone', holder.phone_cipher),
      scope: { type: 'application', id: c.application_id },
    });
    return { challengeId: sent.challengeId, expiresAt: sent.expiresAt, maskedPhone: sent.maskedPhone };
  }

  /** Throws, after the check is committed, the error a failed check answers with. */
  async function afterCheck(caseId: string, actor: Actor, outcome: { error?: AppError }) {
    if (outcome.error) throw outcome.error;
    return cases.getMyCallback(actor, caseId);
  }

  async function verifyIdentityCode(actor: Actor, caseId: string, code: string) {
    const { attempt } = await withAttempt(actor, caseId, async (_trx, c, attempt) => ({ c, attempt }));
    let error: AppError | undefined;
    let challengeId: string | undefined;
    try {
      challengeId = (await otp.verifyCode(actor, { purpose: OTP_PURPOSE_CALLBACK, subjectRef: attempt.id, code })).challengeId;
    } catch (e) {
      if (!isAppError(e) || !['OTP_INVALID', 'OTP_EXPIRED', 'OTP_TOO_MANY_ATTEMPTS'].includes(e.code)) throw e;
      error = e;
    }
    const reason = !error
      ? undefined
      : error.code === 'OTP_EXPIRED'
        ? 'expired'
        : error.code === 'OTP_TOO_MANY_ATTEMPTS'
          ? 'too_many_attempts'
          : 'wrong_code';
    const outcome = await withAttempt(actor, caseId, async (trx, c, current, now) => {
      if (current.id !== attempt.id) throw new AppError('CONFLICT');
      const r = await recordCheck(trx, c, current, {
        method: 'sms_code',
        passed: !error,
        reason,
        evidence: challengeId ? { challengeId } : {},
        actor,
        at: now,
      });
      return {
        error: r.electronicFailed
          ? new AppError('CALLBACK_NOT_ELECTRONIC', 'Identity could not be verified: a callback agent will call you')
          : error,
      };
    });
    return afterCheck(caseId, actor, outcome);
  }

  /** ID comparison: the number the policyholder enters against the policyholder's on the policy, by blind index. */
  async function verifyIdNumber(actor: Actor, caseId: string, idNumber: string) {
    const parsed = parseIdNumber(idNumber);
    if (!parsed.ok)
      throw new AppError('ID_NUMBER_INVALID', parsed.reason, [{ path: 'idNumber', code: 'checksum', message: parsed.reason }]);
    const outcome = await withAttempt(actor, caseId, async (trx, c, attempt, now) => {
      const holder = await repo.policyholderOf(trx, c.application_id);
      const passed = holder.id_number_index === pii.blindIndex('id_number', idNumber);
      const r = await recordCheck(trx, c, attempt, {
        method: 'id_number',
        passed,
        reason: passed ? undefined : 'id_mismatch',
        evidence: { standard: 'GB 11643-1999' },
        actor,
        at: now,
      });
      if (r.electronicFailed)
        return { error: new AppError('CALLBACK_NOT_ELECTRONIC', 'Identity could not be verified: a callback agent will call you') };
      return { error: passed ? undefined : new AppError('CALLBACK_IDENTITY_MISMATCH') };
    });
    return afterCheck(caseId, actor, outcome);
  }

  /** Face comparison through the provider, for products that enable it. The capture is never stored. */
  async function verifyFace(actor: Actor, caseId: string, imageBase64: string) {
    const { c } = await withAttempt(actor, caseId, async (_trx, c, attempt) => ({ c, attempt }));
    if (!c.face_required)
      throw new AppError('VALIDATION_FAILED', 'Face comparison is not used for this callback', [
        { path: 'imageBase64', message: 'not used' },
      ]);
    const holder = await repo.policyholderOf(db, c.application_id);
    const result = await face.compare({
      idNumber: pii.decrypt('id_number', holder.id_number_cipher),
      name: pii.decrypt('name', holder.name_cipher),
      imageBase64,
    });
    const outcome = await withAttempt(actor, caseId, async (trx, locked, attempt, now) => {
      // Scores in basis points: ledger entries hold integers only.
      const evidence = { provider: face.name, providerRef: result.providerRef, scoreBp: Math.round(result.score * 10_000) };
      const r = await recordCheck(trx, locked, attempt, {
        method: 'face',
        passed: result.passed,
        reason: result.passed ? undefined : 'face_mismatch',
        evidence,
        actor,
        at: now,
      });
      if (r.electronicFailed)
        return { error: new AppError('CALLBACK_NOT_ELECTRONIC', 'Identity could not be verified: a callback agent will call you') };
      return { error: result.passed ? undefined : new AppError('FACE_MISMATCH') };
    });
    return afterCheck(caseId, actor, outcome);
  }

  function assertIdentity(c: CaseRow) {
    if (!c.identity_verified_at) throw new AppError('CALLBACK_IDENTITY_REQUIRED');
  }

  function itemView(t: ScriptText, total: number, step: 'item' | 'closing', now: Date) {
    return {
      step,
      itemCode: t.code,
      position: t.position,
      total,
      title: t.title,
      content: t.content,
      textVersionId: t.textVersionId,
      contentHash: t.contentHash,
      options: step === 'item' ? ANSWER_OPTIONS.map((o) => ({ ...o })) : [],
      // Nothing is pre-selected: the policyholder picks every answer.
      preselected: null,
      displayedAt: now.toISOString(),
    };
  }

  /** Shows the next unanswered item — one at a time — or, when all are answered, the closing confirmation. */
  async function currentItem(actor: Actor, caseId: string) {
    await steps.warmScript(db, caseId, clock.now());
    return withAttempt(actor, caseId, async (trx, c, attempt, now) => {
      assertIdentity(c);
      const script = await steps.caseScript(trx, c, now);
      const answered = new Set((await repo.answersOfAttempt(trx, attempt.id)).map((a) => a.item_code));
      const next = script.items.find((i) => !answered.has(i.code));
      const text = next ?? script.closing;
      await steps.showText(trx, c, { attemptId: attempt.id, text, shownTo: 'policyholder', actor, at: now });
      return itemView(text, script.items.length, next ? 'item' : 'closing', now);
    });
  }

  /**
   * Records the answer to the item shown: yes, no or not sure, with the item's text version and the time. Only the
   * next item can be answered, only in the version shown, and only once — an answer is final.
   */
  async function answerItem(actor: Actor, caseId: string, input: { itemCode: string; textVersionId: string; answer: AnswerValue }) {
    await steps.warmScript(db, caseId, clock.now());
    return withAttempt(actor, caseId, async (trx, c, attempt, now) => {
      assertIdentity(c);
      const script = await steps.caseScript(trx, c, now);
      const item = script.items.find((i) => i.code === input.itemCode);
      if (!item)
        throw new AppError('VALIDATION_FAILED', `No item ${input.itemCode} in this callback`, [{ path: 'itemCode', message: 'unknown' }]);
      const answered = new Set((await repo.answersOfAttempt(trx, attempt.id)).map((a) => a.item_code));
      if (answered.has(item.code)) throw new AppError('CALLBACK_ANSWER_FINAL');
      const next = script.items.find((i) => !answered.has(i.code));
      if (next?.code !== item.code) throw new AppError('CALLBACK_ITEM_OUT_OF_ORDER', `The next item is ${next?.code}`);
      const display =
        input.textVersionId === item.textVersionId
          ? await repo.findDisplay(trx, { attemptId: attempt.id, itemCode: item.code, textVersionId: item.textVersionId })
          : undefined;
      if (!display) throw new AppError('CALLBACK_ITEM_NOT_SHOWN');
      const r = await steps.recordAnswer(trx, c, {
        attemptId: attempt.id,
        item,
        answer: input.answer,
        method: 'electronic',
        displayedAt: display.displayed_at,
        actor,
        at: now,
      });
      return {
        answerId: r.answerId,
        itemCode: item.code,
        answer: input.answer,
        problemOpened: !!r.problemId,
        remaining: script.items.length - answered.size - 1,
      };
    });
  }

  /** The closing confirmation of the version shown, after every item: the electronic callback has succeeded. */
  async function confirmClosing(actor: Actor, caseId: string, input: { textVersionId: string }) {
    await steps.warmScript(db, caseId, clock.now());
    await withAttempt(actor, caseId, async (trx, c, attempt, now) => {
      assertIdentity(c);
      const script = await steps.caseScript(trx, c, now);
      const answered = new Set((await repo.answersOfAttempt(trx, attempt.id)).map((a) => a.item_code));
      if (script.items.some((i) => !answered.has(i.code))) throw new AppError('CALLBACK_ITEMS_INCOMPLETE');
      const display =
        input.textVersionId === script.closing.textVersionId
          ? await repo.findDisplay(trx, {
              attemptId: attempt.id,
              itemCode: script.closing.code,
              textVersionId: script.closing.textVersionId,
            })
          : undefined;
      if (!display) throw new AppError('CALLBACK_ITEM_NOT_SHOWN');
      await steps.endAttempt(trx, c, {
        attemptId: attempt.id,
        method: 'electronic',
        outcome: 'completed',
        closingTextVersionId: script.closing.textVersionId,
        actor,
        at: now,
      });
      await steps.succeed(trx, c, 'electronic', now, actor);
    });
    return cases.getMyCallback(actor, caseId);
  }

  /**
   * CB: the policyholder may stop at any point and choose another method. The switch is recorded (with how far the
   * electronic callback had come) and a phone task opens for a callback agent.
   */
  async function requestPhoneCallback(actor: Actor, caseId: string, input: { reason?: string } = {}) {
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const c = await cases.loadOwnedCase(actor, caseId, trx, true);
      if (c.status === 'phone_pending' && c.phone_requested_at) return;
      if (!OPEN_CASE_STATUSES.includes(c.status)) throw new AppError('CALLBACK_CLOSED', `The callback is ${c.status}`);
      if (!ELECTRONIC_STATUSES.includes(c.status)) throw new AppError('CALLBACK_NOT_ELECTRONIC');
      const attempt = await steps.endOpenElectronicAttempt(trx, c, {
        outcome: 'stopped',
        reason: 'policyholder_requested_phone',
        actor,
        at: now,
      });
      const answered = attempt ? (await repo.answersOfAttempt(trx, attempt.id)).length : 0;
      await recordEvent(trx, {
        type: 'callback.phone_requested',
        actor,
        subject: { type: 'callback_case', id: c.id },
        payload: { attemptId: attempt?.id, itemsAnswered: answered, identityVerified: !!c.identity_verified_at, reason: input.reason },
        at: now,
      });
      await steps.moveToPhone(trx, c, 'policyholder_requested_phone', now, actor, { phone_requested_at: now });
    });
    return cases.getMyCallback(actor, caseId);
  }

  return {
    startCallback,
    sendIdentityCode,
    verifyIdentityCode,
    verifyIdNumber,
    verifyFace,
    currentItem,
    answerItem,
    confirmClosing,
    requestPhoneCallback,
  };
}
export type ElectronicCallbackService = ReturnType<typeof createElectronicCallbackService>;
