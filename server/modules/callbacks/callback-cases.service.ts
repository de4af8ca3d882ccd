import type { Config } from '../../config.js';
import type { Db, DbOrTrx, Trx } from '../../db/database.js';
import { requireConsumer, requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { shanghaiDate } from '../../platform/dates.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { OutboxOutcome } from '../../platform/outbox.js';
import { maskPhone, type PiiCipher } from '../../platform/pii.js';
import type { SmsProvider } from '../../platform/providers.js';
import { isNewTypeLine } from '../products/index.js';
import { loadProductVersion, requireProductVersion } from '../products/index.js';
import {
  callbackBasis,
  callbackRetentionEnd,
  caseTimes,
  ELECTRONIC_STATUSES,
  isCaseStatus,
  OPEN_CASE_STATUSES,
  requiredIdentityMethods,
} from './callback.js';
import { callbackNoticeSms, refundOfferSms } from './callback-texts.js';
import * as repo from './callback.repository.js';
import type { CaseRow } from './callback.repository.js';
import { deadlineActor, type CallbackSteps } from './callback-steps.js';

const issuanceActor: Actor = { type: 'system', id: 'issuance' };
const BATCH = 200;

/**
 * Callback cases over their life: opened with the policy, the policyholder told by SMS, moved on by the deadlines,
 * closed when the policy is cancelled first; and the views of a case for its policyholder and for staff.
 */
export function createCallbackCaseService(deps: {
  db: Db;
  clock: Clock;
  config: Config;
  pii: PiiCipher;
  sms: SmsProvider;
  steps: CallbackSteps;
}) {
  const { db, clock, config, pii, sms, steps } = deps;
  const optIn = config.callbackOptInProducts;

  /**
   * Opens the callback case of a newly issued policy, in the issuing transaction (CB: every new personal-insurance
   * policy over one year; products may opt in). Due by the end of the 犹豫期. Returns null when none is needed.
   */
  async function openCaseForPolicy(trx: Trx, issued: { policyId: string; at: Date }) {
    const policy = await repo.policyOfCase(trx, issued.policyId);
    const pv = await loadProductVersion(trx, policy.product_version_id);
    if (!pv) return null;
    const basis = callbackBasis({ termYears: policy.term_years, productCode: pv.code }, optIn);
    if (!basis) return null;
    const d = pv.definition;
    const times = caseTimes(policy.cooling_off_end_date, issued.at, config.CALLBACK_FALLBACK_DAYS_BEFORE_END);
    const caseId = newId('cbc', issued.at.getTime());
    await repo.insertCase(trx, {
      id: caseId,
      policy_id: policy.id,
      application_id: policy.application_id,
      consumer_id: policy.consumer_id,
      product_version_id: policy.product_version_id,
      product_code: pv.code,
      product_line: d.line,
      // Sold on the self-operated platform; intermediated channels name themselves here when they exist (M§55).
      channel: 'direct',
      new_type: isNewTypeLine(d.line),
      face_required: !!d.faceVerificationRequired,
      basis,
      status: 'awaiting_electronic',
      method: null,
      deadline_date: policy.cooling_off_end_date,
      deadline_at: times.deadlineAt,
      fallback_at: times.fallbackAt,
      opened_at: issued.at,
    });
    await recordEvent(trx, {
      type: 'callback.case_opened',
      actor: issuanceActor,
      subject: { type: 'callback_case', id: caseId },
      payload: {
        policyId: policy.id,
        productCode: pv.code,
        productVersion: pv.version,
        basis,
        newType: isNewTypeLine(d.line),
        identityMethods: requiredIdentityMethods(!!d.faceVerificationRequired),
        deadlineDate: policy.cooling_off_end_date,
        deadlineAt: times.deadlineAt.toISOString(),
        fallbackAt: times.fallbackAt.toISOString(),
      },
      at: issued.at,
    });
    return caseId;
  }

  function callbackLink(caseId: string): string {
    const base = config.publicBaseUrl;
    return `${base}/h5/callbacks/${caseId}`;
  }

  /**
   * Work after commit (the outbox): tells the policyholder of a new case by SMS, with a link to the platform's own
   * callback page. Sent after the policy's transaction has committed (a failed SMS never undoes a payment), in a
   * transaction of its own with the message last, so a refused message leaves the case to be tried again. Skipped
   * when sent already (a retry sends no second SMS), when the callback is no longer electronic, or with no phone.
   */
  async function sendNotice(caseId: string): Promise<OutboxOutcome> {
    const now = clock.now();
    const sent = await db.transaction().execute(async (trx) => {
      const c = await repo.findCase(trx, caseId, { lock: true });
      if (!c || c.notified_at || !ELECTRONIC_STATUSES.includes(c.status)) return false;
      const holder = await repo.policyholderOf(trx, c.application_id);
      if (!holder.phone_cipher) return false;
      const pv = await requireProductVersion(trx, c.product_version_id);
      const link = callbackLink(c.id);
      const body = callbackNoticeSms({
        insurerName: pv.definition.insurer?.name ?? config.INSURER_NAME,
        promotionalName: pv.definition.promotionalName,
        deadlineDate: c.deadline_date,
        link,
      });
      await repo.setCaseMilestones(trx, c.id, { notified_at: now });
      await recordEvent(trx, {
        type: 'callback.notice_sent',
        actor: deadlineActor,
        subject: { type: 'callback_case', id: c.id },
        payload: { template: 'callback_notice', link, provider: sms.name, deadlineDate: c.deadline_date },
        at: now,
      });
      const message = await sms.send(
        {
          phone: pii.decrypt('phone', holder.phone_cipher),
          template: 'callback_notice',
          params: { link, deadlineDate: c.deadline_date },
          body,
        },
        now,
      );
      await repo.setCaseMilestones(trx, c.id, { notice_message_id: message.providerMessageId });
      return true;
    });
    return sent ? 'done' : 'skipped';
  }

  /**
   * Every deadline of the callback, as of `now` (CB): the electronic callback not done by the fallback point → a
   * phone task; the phone task not done when the 犹豫期 ends → a letter or visit task; a letter or visit without
   * the signed receipt by its due date → the callback failed, with the final record. (Notices are work after
   * commit: the outbox sends them.) The scheduled job calls this every minute; tests call it with a manual clock.
   */
  async function runCallbackDeadlines(now: Date = clock.now()) {
    let toPhone = 0;
    let toLetter = 0;
    let failedCases = 0;
    let errors = 0;
    // One case's error must not hold up every other deadline: it is counted, and retried on the next run.
    const each = async (fn: () => Promise<boolean>) => {
      try {
        return await fn();
      } catch {
        errors++;
        return false;
      }
    };
    for (const { id } of await repo.casesPastFallback(db, now, BATCH)) {
      const moved = await each(() =>
        db.transaction().execute(async (trx) => {
          const c = await repo.findCase(trx, id, { lock: true });
          if (!c || !ELECTRONIC_STATUSES.includes(c.status) || c.fallback_at > now) return false;
          await steps.endOpenElectronicAttempt(trx, c, {
            outcome: 'expired',
            reason: 'not_completed_by_fallback_point',
            actor: deadlineActor,
            at: now,
          });
          await steps.moveToPhone(
            trx,
            c,
            c.started_at ? 'electronic_not_completed_in_time' : 'electronic_not_started_in_time',
            now,
            deadlineActor,
          );
          return true;
        }),
      );
      if (moved) toPhone++;
    }
    for (const { id } of await repo.casesPastDeadlineOnPhone(db, now, BATCH)) {
      const moved = await each(() =>
        db.transaction().execute(async (trx) => {
          const c = await repo.findCase(trx, id, { lock: true });
          if (!c || c.status !== 'phone_pending' || c.deadline_at > now) return false;
          const task = await repo.findOpenTask(trx, c.id);
          if (task) await repo.endTask(trx, task.id, 'failed', now, 'cooling_off_ended');
          await steps.moveToLetter(trx, c, 'phone_not_completed_in_cooling_off', now, deadlineActor);
          return true;
        }),
      );
      if (moved) toLetter++;
    }
    for (const { id, case_id } of await repo.letterTasksPastDue(db, now, BATCH)) {
      const failed = await each(() =>
        db.transaction().execute(async (trx) => {
          const c = await repo.findCase(trx, case_id, { lock: true });
          const task = await repo.findTask(trx, id);
          if (!c || !task || task.status !== 'open' || c.status !== 'letter_pending' || task.due_at > now) return false;
          await repo.endTask(trx, task.id, 'failed', now, 'signed_receipt_not_returned_by_due_date');
          await steps.failCase(trx, c, 'signed_receipt_not_returned_by_due_date', now, deadlineActor);
          return true;
        }),
      );
      if (failed) failedCases++;
    }
    return { toPhone, toLetter, failed: failedCases, errors };
  }

  /**
   * Work after commit (the outbox): tells the policyholder by SMS of a mis-selling refund offer still waiting for an
   * answer, with the link to the callback page where it is accepted or declined. Same order as the callback notice:
   * event and record first, the message last in the transaction. Skipped once sent or answered.
   */
  async function sendOfferNotice(offerId: string): Promise<OutboxOutcome> {
    const now = clock.now();
    const [pending] = await repo.offersAwaitingNotice(db, 1, offerId);
    if (!pending) return 'skipped';
    const sent = await db.transaction().execute(async (trx) => {
      const c = must(await repo.findCase(trx, pending.case_id, { lock: true }), `callback case ${pending.case_id}`);
      // Under the case's lock: another worker may have sent it, or the policyholder answered, meanwhile.
      const [offer] = await repo.offersAwaitingNotice(trx, 1, offerId);
      if (!offer) return false;
      const holder = await repo.policyholderOf(trx, c.application_id);
      if (!holder.phone_cipher) return false;
      const policy = await repo.policyOfCase(trx, offer.policy_id);
      const pv = await requireProductVersion(trx, c.product_version_id);
      const link = callbackLink(c.id);
      const body = refundOfferSms({
        insurerName: pv.definition.insurer?.name ?? config.INSURER_NAME,
        promotionalName: pv.definition.promotionalName,
        policyNumber: policy.policy_number,
        amountFen: offer.amount_fen,
        link,
      });
      await recordEvent(trx, {
        type: 'callback.refund_offer_notified',
        actor: deadlineActor,
        subject: { type: 'callback_case', id: c.id },
        payload: { offerId: offer.id, template: 'callback_refund_offer', link, provider: sms.name },
        at: now,
      });
      const message = await sms.send(
        {
          phone: pii.decrypt('phone', holder.phone_cipher),
          template: 'callback_refund_offer',
          params: { link, policyNumber: policy.policy_number, amountFen: String(offer.amount_fen) },
          body,
        },
        now,
      );
      return repo.insertOfferNotice(trx, { offer_id: offer.id, message_id: message.providerMessageId, sent_at: now });
    });
    return sent ? 'done' : 'skipped';
  }

  /**
   * The policy was cancelled while its callback was open (in the 犹豫期, or for mis-selling): the callback closes,
   * with its open task and attempt, in the cancelling transaction. Problem cases stay open until staff close them.
   */
  async function closeForCancelledPolicy(trx: Trx, cancelled: { policyId: string; kind: string; at: Date }) {
    const c = await repo.findCaseByPolicy(trx, cancelled.policyId, { lock: true });
    if (!c || !OPEN_CASE_STATUSES.includes(c.status)) return;
    const actor: Actor = { type: 'system', id: 'policy-cancellation' };
    const attempt = await steps.endOpenElectronicAttempt(trx, c, {
      outcome: 'abandoned',
      reason: 'policy_cancelled',
      actor,
      at: cancelled.at,
    });
    const task = await repo.findOpenTask(trx, c.id);
    if (task) await repo.endTask(trx, task.id, 'closed', cancelled.at, 'policy_cancelled');
    await steps.transition(trx, c, 'closed_policy_cancelled', {
      closed_at: cancelled.at,
      close_reason: `policy_cancelled_${cancelled.kind}`,
    });
    await recordEvent(trx, {
      type: 'callback.closed_policy_cancelled',
      actor,
      subject: { type: 'callback_case', id: c.id },
      payload: { policyId: c.policy_id, cancellation: cancelled.kind, taskId: task?.id, attemptId: attempt?.id },
      at: cancelled.at,
    });
  }

  /** The retention of a case's data (CB: ≥ 10 years from the contract's termination), for the policy as it stands. */
  async function retentionOf(conn: DbOrTrx, c: CaseRow) {
    const policy = await repo.policyOfCase(conn, c.policy_id);
    const terminationDate = policy.cancelled_at ? shanghaiDate(policy.cancelled_at) : policy.end_date;
    return {
      terminationDate,
      retentionEnd: callbackRetentionEnd(terminationDate, config.RETENTION_LONG_TERM_YEARS),
      projected: !policy.cancelled_at,
    };
  }

  /** The retention end of one policy's callback data, for the records officer and the retention report. */
  async function callbackRetention(policyId: string) {
    const c = await repo.findCaseByPolicy(db, policyId);
    if (!c) return null;
    return { caseId: c.id, ...(await retentionOf(db, c)) };
  }

  async function loadOwnedCase(actor: Actor, caseId: string, conn: DbOrTrx = db, lock = false) {
    const consumer = requireConsumer(actor);
    const c = await repo.findCase(conn, caseId, { lock });
    if (!c || c.consumer_id !== consumer.id) throw new AppError('NOT_FOUND', 'No such callback');
    return c;
  }

  /** The callback as its policyholder sees it: what is due by when, how far it has come, and any refund offer. */
  async function consumerView(c: CaseRow) {
    const now = clock.now();
    const pv = await requireProductVersion(db, c.product_version_id);
    const policy = await repo.policyOfCase(db, c.policy_id);
    const open = await repo.openElectronicAttempt(db, c.id);
    const attempt = open ?? (await repo.latestElectronicAttempt(db, c.id));
    const checks = attempt ? await repo.identityChecksOfAttempt(db, attempt.id) : [];
    const answers = attempt ? await repo.answersOfAttempt(db, attempt.id) : [];
    const script = await steps.caseScript(db, c, now);
    const offers = await repo.offersOfPolicy(db, c.policy_id);
    const electronicOpen = ELECTRONIC_STATUSES.includes(c.status) && now < c.fallback_at;
    return {
      id: c.id,
      policyId: c.policy_id,
      policyNumber: policy.policy_number,
      product: { code: pv.code, name: pv.definition.promotionalName },
      status: c.status,
      method: c.method,
      deadlineDate: c.deadline_date,
      electronicUntil: c.fallback_at.toISOString(),
      electronicOpen,
      attemptId: open?.id ?? null,
      identity: {
        required: requiredIdentityMethods(c.face_required),
        passed: [...new Set(checks.filter((x) => x.result === 'passed').map((x) => x.method))],
        verified: !!attempt && !!c.identity_verified_at,
      },
      progress: { answered: answers.length, total: script.items.length },
      refundOffers: offers.map((o) => ({
        offerId: o.id,
        amountFen: o.amount_fen,
        offeredAt: o.offered_at.toISOString(),
        answer: o.answer ?? null,
      })),
      openedAt: c.opened_at.toISOString(),
      succeededAt: c.succeeded_at?.toISOString() ?? null,
    };
  }

  async function listMyCallbacks(actor: Actor) {
    const consumer = requireConsumer(actor);
    const rows = await repo.listCasesOfConsumer(db, consumer.id);
    return Promise.all(rows.map(consumerView));
  }

  async function getMyCallback(actor: Actor, caseId: string) {
    return consumerView(await loadOwnedCase(actor, caseId));
  }

  /**
   * A case in full for callback staff, compliance and audit: every attempt, identity check, answer with the text
   * version asked and the time, problem case, recording and receipt by content hash, and the final record. The
   * policyholder's phone is shown masked; the full number is read through `contactOf`, which is logged.
   */
  async function staffView(actor: Actor, caseId: string) {
    const staff = requireRole(actor, 'callback_agent', 'compliance_officer', 'auditor');
    const c = await repo.findCase(db, caseId);
    if (!c) throw new AppError('NOT_FOUND', 'No such callback');
    // The callback's whole record is a trace record: reading it is 调阅, logged before anything is shown (M§33).
    await recordEvent(db, {
      type: 'staff.trace_read',
      actor: staff,
      subject: { type: 'callback_case', id: c.id },
      payload: { policyId: c.policy_id, record: 'callback' },
      at: clock.now(),
    });
    const [policy, record, holder, retention] = await Promise.all([
      repo.policyOfCase(db, c.policy_id),
      repo.loadCaseRecord(db, c.id),
      repo.policyholderOf(db, c.application_id),
      retentionOf(db, c),
    ]);
    const { tasks, attempts, identityChecks: checks, answers, problems, media, finalRecord } = record;
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return {
      id: c.id,
      policyId: c.policy_id,
      policyNumber: policy.policy_number,
      policyStatus: policy.status,
      productCode: c.product_code,
      productLine: c.product_line,
      channel: c.channel,
      newType: c.new_type,
      basis: c.basis,
      status: c.status,
      method: c.method,
      identityMethods: requiredIdentityMethods(c.face_required),
      policyholderPhone: holder.phone_cipher ? maskPhone(pii.decrypt('phone', holder.phone_cipher)) : null,
      deadlineDate: c.deadline_date,
      milestones: {
        openedAt: c.opened_at.toISOString(),
        fallbackAt: c.fallback_at.toISOString(),
        deadlineAt: c.deadline_at.toISOString(),
        notifiedAt: iso(c.notified_at),
        startedAt: iso(c.started_at),
        identityVerifiedAt: iso(c.identity_verified_at),
        phoneRequestedAt: iso(c.phone_requested_at),
        phoneTaskAt: iso(c.phone_task_at),
        letterTaskAt: iso(c.letter_task_at),
        succeededAt: iso(c.succeeded_at),
        failedAt: iso(c.failed_at),
        closedAt: iso(c.closed_at),
      },
      closeReason: c.close_reason,
      tasks: tasks.map((t) => ({
        id: t.id,
        kind: t.kind,
        reason: t.reason,
        status: t.status,
        openedAt: t.opened_at.toISOString(),
        dueAt: t.due_at.toISOString(),
        assignedTo: t.assigned_to,
        endedAt: iso(t.ended_at),
        endReason: t.end_reason,
      })),
      attempts: attempts.map((a) => ({
        id: a.id,
        taskId: a.task_id,
        method: a.method,
        startedAt: a.started_at.toISOString(),
        startedBy: a.started_by_id,
        outcome: a.outcome,
        reason: a.reason,
        mediaId: a.media_id,
        closingTextVersionId: a.closing_text_version_id,
        endedAt: iso(a.ended_at),
      })),
      identityChecks: checks.map((x) => ({
        id: x.id,
        attemptId: x.attempt_id,
        method: x.method,
        result: x.result,
        reason: x.reason,
        checkedAt: x.checked_at.toISOString(),
      })),
      answers: answers.map((a) => ({
        id: a.id,
        attemptId: a.attempt_id,
        itemCode: a.item_code,
        position: a.position,
        answer: a.answer,
        method: a.method,
        textVersionId: a.text_version_id,
        recordedBy: a.recorded_by_id,
        displayedAt: iso(a.displayed_at),
        answeredAt: a.answered_at.toISOString(),
      })),
      problems: problems.map((p) => ({
        id: p.id,
        kind: p.kind,
        itemCode: p.item_code,
        answerId: p.answer_id,
        status: p.status,
        assignedTo: p.assigned_to,
        resolution: p.resolution,
        closeReason: p.close_reason,
      })),
      media: media.map((m) => ({
        id: m.id,
        kind: m.kind,
        sha256: m.sha256,
        mediaType: m.media_type,
        sizeBytes: m.size_bytes,
        uploadedBy: m.uploaded_by,
        uploadedAt: m.uploaded_at.toISOString(),
      })),
      finalRecord: finalRecord
        ? { outcome: finalRecord.outcome, reasons: finalRecord.reasons, recordedAt: finalRecord.recorded_at.toISOString() }
        : null,
      retention,
    };
  }

  async function listCases(actor: Actor, f: { status?: string; limit?: number }) {
    requireRole(actor, 'callback_agent', 'compliance_officer', 'auditor');
    // A status no case can have matches no case.
    const status = f.status || undefined;
    if (status !== undefined && !isCaseStatus(status)) return [];
    const rows = await repo.listCases(db, { status, limit: f.limit ?? 100 });
    return rows.map((c) => ({
      id: c.id,
      policyId: c.policy_id,
      productCode: c.product_code,
      status: c.status,
      method: c.method,
      deadlineDate: c.deadline_date,
      openedAt: c.opened_at.toISOString(),
    }));
  }

  return {
    openCaseForPolicy,
    sendNotice,
    sendOfferNotice,
    runCallbackDeadlines,
    closeForCancelledPolicy,
    callbackRetention,
    loadOwnedCase,
    listMyCallbacks,
    getMyCallback,
    staffView,
    listCases,
  };
}
export type CallbackCaseService = ReturnType<typeof createCallbackCaseService>;
