import type { Db, Trx } from '../../db/database.js';
import { actorId, requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import { lockPolicyRow } from '../policies/index.js';
import type { CancelForMisselling } from './ports.js';
import * as repo from './callback.repository.js';
import type { ProblemRow } from './callback.repository.js';
import type { CallbackCaseService } from './callback-cases.service.js';

export type ResolveProblemInput =
  | { resolution: 'explained_confirmed'; recordingId: string; note: string }
  | { resolution: 'misselling'; note: string; responsibleStaffRef?: string };

/**
 * Problem cases (问题件, CB): opened by a "no" or "not sure", a policy not received or a signature not the
 * policyholder's own; handled by callback staff with investigation notes; resolved by explaining and confirming on a
 * recorded call, or — mis-selling found — by flagging the sale and the staff member responsible and offering
 * cancellation with the whole premium back; closed with the reason. Notes are never edited: a correction is a new
 * note naming the one it corrects.
 */
export function createProblemCaseService(deps: {
  db: Db;
  clock: Clock;
  pii: PiiCipher;
  cancelForMisselling: CancelForMisselling;
  cases: Pick<CallbackCaseService, 'loadOwnedCase' | 'getMyCallback'>;
}) {
  const { db, clock, pii, cancelForMisselling, cases } = deps;

  async function listProblems(actor: Actor, f: { status?: string; mine?: boolean; limit?: number }) {
    const staff = requireRole(actor, 'callback_agent', 'compliance_officer', 'auditor');
    const rows = await repo.listProblems(db, { status: f.status, assignedTo: f.mine ? staff.id : undefined, limit: f.limit ?? 100 });
    return rows.map((p) => ({
      id: p.id,
      caseId: p.case_id,
      kind: p.kind,
      itemCode: p.item_code,
      status: p.status,
      openedAt: p.opened_at.toISOString(),
      assignedTo: p.assigned_to,
      productCode: p.product_code,
      policyNumber: p.policy_number,
    }));
  }

  async function loadProblem(conn: Db | Trx, problemId: string, lock = false): Promise<ProblemRow> {
    const p = await repo.findProblem(conn, problemId, { lock });
    if (!p) throw new AppError('NOT_FOUND', 'No such problem case');
    return p;
  }

  /** The problem case with the answer that raised it, its notes (decrypted for the staff who may read them), flag and offer. */
  async function getProblem(actor: Actor, problemId: string) {
    requireRole(actor, 'callback_agent', 'compliance_officer', 'auditor');
    const p = await loadProblem(db, problemId);
    const [answers, notes, flag, offer] = await Promise.all([
      repo.answersOfCase(db, p.case_id),
      repo.notesOfProblem(db, p.id),
      repo.flagOfProblem(db, p.id),
      repo.findOfferOfProblem(db, p.id),
    ]);
    const answer = must(
      answers.find((a) => a.id === p.answer_id),
      `answer ${p.answer_id} of problem ${p.id}`,
    );
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return {
      id: p.id,
      caseId: p.case_id,
      policyId: p.policy_id,
      kind: p.kind,
      itemCode: p.item_code,
      answer: {
        id: answer.id,
        answer: answer.answer,
        method: answer.method,
        textVersionId: answer.text_version_id,
        answeredAt: answer.answered_at.toISOString(),
      },
      status: p.status,
      openedAt: p.opened_at.toISOString(),
      assignedTo: p.assigned_to,
      resolution: p.resolution,
      resolvedAt: iso(p.resolved_at),
      resolvedBy: p.resolved_by,
      closedAt: iso(p.closed_at),
      closeReason: p.close_reason,
      notes: notes.map((n) => ({
        id: n.id,
        kind: n.kind,
        body: pii.decrypt('answer', n.body_cipher),
        mediaId: n.media_id,
        correctsNoteId: n.corrects_note_id,
        authorId: n.author_id,
        createdAt: n.created_at.toISOString(),
      })),
      misselling: flag
        ? {
            flagId: flag.id,
            applicationId: flag.application_id,
            responsibleStaffRef: flag.responsible_staff_ref,
            flaggedBy: flag.flagged_by,
            flaggedAt: flag.flagged_at.toISOString(),
          }
        : null,
      refundOffer: offer
        ? { offerId: offer.id, amountFen: offer.amount_fen, offeredAt: offer.offered_at.toISOString(), answer: offer.answer ?? null }
        : null,
    };
  }

  async function assignProblem(actor: Actor, problemId: string, input: { staffId?: string }) {
    const staff = requireRole(actor, 'callback_agent');
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const p = await loadProblem(trx, problemId, true);
      if (p.status === 'closed') throw new AppError('INVALID_STATE', 'The problem case is closed');
      const to = input.staffId ?? staff.id;
      const agent = await repo.findAgent(trx, to);
      if (!agent || agent.disabled_at || !agent.roles.includes('callback_agent'))
        throw new AppError('VALIDATION_FAILED', 'Problem cases go to active callback agents only', [
          { path: 'staffId', message: 'not a callback agent' },
        ]);
      await repo.assignProblem(trx, p.id, to, now);
      await recordEvent(trx, {
        type: 'callback.problem_assigned',
        actor,
        subject: { type: 'callback_problem', id: p.id },
        payload: { problemId: p.id, staffId: to },
        at: now,
      });
      return { problemId: p.id, assignedTo: to };
    });
  }

  async function writeNote(
    trx: Trx,
    actor: Extract<Actor, { type: 'staff' }>,
    p: ProblemRow,
    n: {
      kind: 'investigation' | 'phone_explanation' | 'resolution' | 'correction';
      body: string;
      mediaId?: string | null;
      correctsNoteId?: string;
      at: Date;
    },
  ) {
    const noteId = newId('cbn', n.at.getTime());
    await repo.insertNote(trx, {
      id: noteId,
      problem_id: p.id,
      kind: n.kind,
      body_cipher: pii.encrypt('answer', n.body),
      media_id: n.mediaId ?? null,
      corrects_note_id: n.correctsNoteId ?? null,
      author_id: actor.id,
      created_at: n.at,
    });
    // The note's words may name people: the event names the note, not its text.
    await recordEvent(trx, {
      type: 'callback.problem_note_added',
      actor,
      subject: { type: 'callback_problem', id: p.id },
      payload: { noteId, kind: n.kind, mediaId: n.mediaId ?? undefined, correctsNoteId: n.correctsNoteId },
      at: n.at,
    });
    return noteId;
  }

  /** An investigation note; with `correctsNoteId`, a correction of an earlier note, which itself stays as it was. */
  async function addNote(actor: Actor, problemId: string, input: { body: string; correctsNoteId?: string }) {
    const staff = requireRole(actor, 'callback_agent');
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const p = await loadProblem(trx, problemId, true);
      if (input.correctsNoteId) {
        const notes = await repo.notesOfProblem(trx, p.id);
        if (!notes.some((n) => n.id === input.correctsNoteId))
          throw new AppError('VALIDATION_FAILED', 'A correction names a note of this problem case', [
            { path: 'correctsNoteId', message: 'unknown note' },
          ]);
      }
      const noteId = await writeNote(trx, staff, p, {
        kind: input.correctsNoteId ? 'correction' : 'investigation',
        body: input.body,
        correctsNoteId: input.correctsNoteId,
        at: now,
      });
      return { noteId };
    });
  }

  async function requireRecording(trx: Trx, caseId: string, mediaId: string | undefined) {
    const m = mediaId ? await repo.findMedia(trx, mediaId) : undefined;
    if (!m || m.case_id !== caseId || m.kind !== 'call_recording')
      throw new AppError('CALLBACK_EVIDENCE_REQUIRED', 'The recording of the call is required');
    return m.id;
  }

  async function close(
    trx: Trx,
    actor: Actor,
    p: ProblemRow,
    from: string,
    reason: string,
    at: Date,
    extra: Parameters<typeof repo.updateProblem>[3] = {},
  ) {
    if (!(await repo.updateProblem(trx, p.id, from, { ...extra, status: 'closed', closed_at: at, close_reason: reason })))
      throw new AppError('CONFLICT');
    await recordEvent(trx, {
      type: 'callback.problem_closed',
      actor,
      subject: { type: 'callback_problem', id: p.id },
      payload: { problemId: p.id, caseId: p.case_id, reason },
      at,
    });
  }

  /**
   * Resolves an open problem case. Explained and confirmed → closed, with the note and the recording of the call.
   * Mis-selling → the sales record and the responsible staff member flagged, and (if the policy is in force)
   * cancellation with the whole premium back offered; the case waits for the policyholder's answer (CB: 立即纠正).
   */
  async function resolveProblem(actor: Actor, problemId: string, input: ResolveProblemInput) {
    const staff = requireRole(actor, 'callback_agent');
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const p = await loadProblem(trx, problemId, true);
      if (p.status !== 'open') throw new AppError('INVALID_STATE', `The problem case is ${p.status}`);
      const resolved = { resolution: input.resolution, resolved_at: now, resolved_by: staff.id };
      if (input.resolution === 'explained_confirmed') {
        const mediaId = await requireRecording(trx, p.case_id, input.recordingId);
        await writeNote(trx, staff, p, { kind: 'phone_explanation', body: input.note, mediaId, at: now });
        await recordEvent(trx, {
          type: 'callback.problem_resolved',
          actor,
          subject: { type: 'callback_problem', id: p.id },
          payload: { problemId: p.id, resolution: input.resolution, mediaId },
          at: now,
        });
        await close(trx, actor, p, 'open', 'explained_and_confirmed_by_phone', now, resolved);
        return;
      }
      const c = must(await repo.findCase(trx, p.case_id), `callback case ${p.case_id}`);
      await writeNote(trx, staff, p, { kind: 'resolution', body: input.note, at: now });
      const flagId = newId('cbf', now.getTime());
      await repo.insertFlag(trx, {
        id: flagId,
        problem_id: p.id,
        case_id: c.id,
        policy_id: c.policy_id,
        application_id: c.application_id,
        responsible_staff_ref: input.responsibleStaffRef ?? null,
        flagged_by: staff.id,
        flagged_at: now,
      });
      await recordEvent(trx, {
        type: 'callback.problem_resolved',
        actor,
        subject: { type: 'callback_problem', id: p.id },
        payload: { problemId: p.id, resolution: input.resolution },
        at: now,
      });
      await recordEvent(trx, {
        type: 'callback.misselling_flagged',
        actor,
        subject: { type: 'application', id: c.application_id },
        payload: {
          flagId,
          problemId: p.id,
          caseId: c.id,
          policyId: c.policy_id,
          channel: c.channel,
          responsibleStaffRef: input.responsibleStaffRef,
        },
        at: now,
      });
      const policy = await repo.policyOfCase(trx, c.policy_id);
      if (policy.status !== 'in_force') {
        await close(trx, actor, p, 'open', 'misselling_flagged_policy_already_cancelled', now, resolved);
        return;
      }
      const amountFen = await repo.paidPremiumOf(trx, c.application_id);
      const offerId = newId('cbo', now.getTime());
      await repo.insertOffer(trx, {
        id: offerId,
        problem_id: p.id,
        policy_id: c.policy_id,
        amount_fen: amountFen,
        offered_by: staff.id,
        offered_at: now,
      });
      await recordEvent(trx, {
        type: 'callback.refund_offered',
        actor,
        subject: { type: 'callback_problem', id: p.id },
        payload: { offerId, policyId: c.policy_id, amountFen },
        at: now,
      });
      if (!(await repo.updateProblem(trx, p.id, 'open', { ...resolved, status: 'awaiting_customer' }))) throw new AppError('CONFLICT');
    });
    return getProblem(actor, problemId);
  }

  async function answerOffer(
    trx: Trx,
    actor: Actor,
    offerId: string,
    expectPolicyId: string | null,
    a: { answer: 'accepted' | 'declined'; via: 'online' | 'phone'; mediaId?: string | null; at: Date },
  ) {
    const offer = await repo.findOffer(trx, offerId);
    if (!offer || (expectPolicyId && offer.policy_id !== expectPolicyId)) throw new AppError('NOT_FOUND', 'No such offer');
    if (offer.answer) throw new AppError('INVALID_STATE', `The offer was already ${offer.answer}`);
    const p = await loadProblem(trx, offer.problem_id, true);
    if (p.status !== 'awaiting_customer') throw new AppError('INVALID_STATE', `The problem case is ${p.status}`);
    let cancellationId: string | null = null;
    if (a.answer === 'accepted')
      cancellationId = (await cancelForMisselling(trx, actor, { policyId: offer.policy_id, offerId: offer.id, at: a.at })).cancellationId;
    if (
      !(await repo.insertOfferAnswer(trx, {
        offer_id: offer.id,
        answer: a.answer,
        via: a.via,
        media_id: a.mediaId ?? null,
        cancellation_id: cancellationId,
        answered_by_type: actor.type,
        answered_by_id: actorId(actor),
        answered_at: a.at,
      }))
    )
      throw new AppError('CONFLICT');
    await recordEvent(trx, {
      type: 'callback.refund_offer_answered',
      actor,
      subject: { type: 'callback_problem', id: p.id },
      payload: {
        offerId: offer.id,
        answer: a.answer,
        via: a.via,
        mediaId: a.mediaId ?? undefined,
        cancellationId: cancellationId ?? undefined,
      },
      at: a.at,
    });
    await close(trx, actor, p, 'awaiting_customer', a.answer === 'accepted' ? 'cancelled_with_full_refund' : 'full_refund_declined', a.at);
    if (a.answer === 'accepted') {
      // The policy is gone: any other offer on it can no longer be taken up.
      for (const other of await repo.awaitingProblemsOfPolicy(trx, offer.policy_id))
        await close(trx, actor, other, 'awaiting_customer', 'policy_cancelled_by_another_offer', a.at);
    }
  }

  /** The policyholder's answer to the offer, online: accepted → the policy is cancelled and the whole premium refunded. */
  async function answerRefundOffer(actor: Actor, caseId: string, offerId: string, answer: 'accepted' | 'declined') {
    const owned = await cases.loadOwnedCase(actor, caseId);
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      // Policy first, then the case: the order every cancellation takes, so two of them cannot deadlock.
      await lockPolicyRow(trx, owned.policy_id);
      await cases.loadOwnedCase(actor, caseId, trx, true);
      await answerOffer(trx, actor, offerId, owned.policy_id, { answer, via: 'online', at: now });
    });
    return cases.getMyCallback(actor, caseId);
  }

  /** The policyholder declined the offer on a recorded call. Acceptance is theirs to give online, never an agent's click. */
  async function recordOfferDeclinedByPhone(actor: Actor, problemId: string, input: { recordingId: string; note: string }) {
    const staff = requireRole(actor, 'callback_agent');
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const p = await loadProblem(trx, problemId, true);
      const offer = await repo.findOfferOfProblem(trx, p.id);
      if (!offer) throw new AppError('INVALID_STATE', 'No offer was made in this problem case');
      const mediaId = await requireRecording(trx, p.case_id, input.recordingId);
      await writeNote(trx, staff, p, { kind: 'phone_explanation', body: input.note, mediaId, at: now });
      await answerOffer(trx, actor, offer.id, null, { answer: 'declined', via: 'phone', mediaId, at: now });
    });
    return getProblem(actor, problemId);
  }

  return { listProblems, getProblem, assignProblem, addNote, resolveProblem, answerRefundOffer, recordOfferDeclinedByPhone };
}
export type ProblemCaseService = ReturnType<typeof createProblemCaseService>;
