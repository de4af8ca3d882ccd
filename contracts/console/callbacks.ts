import { z } from 'zod';
import { calendarDate, callbackAnswers, id, isoDateTime, limitQuery } from '../common.js';
import { callbackAnswerBody } from '../consumer/callbacks.js';

/** The callback agents' console (CB, requirements §2.7): cases, phone and letter tasks, problem cases, evidence. */

export const callbackTaskKinds = ['phone', 'letter_visit'] as const;
export const callbackTaskStatuses = ['open', 'succeeded', 'failed', 'closed'] as const;
export const problemCaseStatuses = ['open', 'awaiting_customer', 'closed'] as const;
export const callbackMediaKinds = ['call_recording', 'signed_receipt'] as const;
export const callbackMethods = ['electronic', 'phone', 'letter', 'visit'] as const;
export const callbackProblemKinds = ['negative_answer', 'unsure_answer', 'policy_not_received', 'signature_not_own'] as const;
export const problemResolutions = ['explained_confirmed', 'misselling'] as const;
export const callbackIdentityMethods = ['sms_code', 'id_number', 'face'] as const;
export const phoneOutcomes = ['completed', 'incomplete', 'refused', 'no_answer', 'unreachable', 'wrong_number'] as const;
export const letterOutcomes = ['receipt_signed', 'undeliverable', 'refused', 'not_returned'] as const;

const flag = z.enum(['true', 'false']);

export const mediaParam = z.object({ id, mediaId: id });
export const callbackListQuery = z.object({ status: z.string().max(40).optional(), limit: limitQuery });
export const taskListQuery = z.object({
  kind: z.enum(callbackTaskKinds).optional(),
  status: z.enum(callbackTaskStatuses).default('open'),
  mine: flag.optional(),
  limit: limitQuery,
});
export const problemListQuery = z.object({
  status: z.enum(problemCaseStatuses).optional(),
  mine: flag.optional(),
  limit: limitQuery,
});
export const assignBody = z.object({ staffId: id.optional() }).default({}).meta({ id: 'Assignment' });
export const mediaQuery = z.object({ kind: z.enum(callbackMediaKinds) });

const agentAnswers = z.array(callbackAnswerBody).max(40).default([]);
export const phoneAttemptBody = z
  .object({
    outcome: z.enum(phoneOutcomes),
    recordingId: id.optional(),
    answers: agentAnswers,
    closingTextVersionId: id.optional(),
    reason: z.string().trim().min(1).max(200).optional(),
  })
  .meta({ id: 'PhoneAttempt' });
export const letterAttemptBody = z
  .object({
    method: z.enum(['letter', 'visit']),
    outcome: z.enum(letterOutcomes),
    receiptId: id.optional(),
    answers: agentAnswers,
    closingTextVersionId: id.optional(),
    reason: z.string().trim().min(1).max(200).optional(),
  })
  .meta({ id: 'LetterAttempt' });
export const attemptResult = z
  .object({ attemptId: z.string(), caseStatus: z.string(), taskStatus: z.string(), problemsOpened: z.number() })
  .meta({ id: 'AttemptResult' });

export const noteBody = z.object({ body: z.string().trim().min(1).max(4000), correctsNoteId: id.optional() }).meta({ id: 'ProblemNote' });
export const noteAdded = z.object({ noteId: z.string() }).meta({ id: 'ProblemNoteAdded' });
export const resolveBody = z
  .discriminatedUnion('resolution', [
    z.object({ resolution: z.literal('explained_confirmed'), recordingId: id, note: z.string().trim().min(1).max(4000) }),
    z.object({
      resolution: z.literal('misselling'),
      note: z.string().trim().min(1).max(4000),
      responsibleStaffRef: z.string().trim().min(1).max(64).optional(),
    }),
  ])
  .meta({ id: 'ProblemResolution' });
export const offerDeclinedBody = z
  .object({ recordingId: id, note: z.string().trim().min(1).max(4000) })
  .meta({ id: 'RefundOfferDeclined' });

export const mediaResult = z
  .object({ mediaId: z.string(), sha256: z.string(), sizeBytes: z.number(), mediaType: z.string() })
  .meta({ id: 'StoredMedia' });

// Answers of the console. Instants are ISO 8601 strings; deadlines and retention ends are Shanghai calendar dates.

export const callbackCaseList = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        policyId: z.string(),
        productCode: z.string(),
        status: z.string(),
        method: z.string().nullable(),
        deadlineDate: calendarDate,
        openedAt: isoDateTime,
      }),
    ),
  })
  .meta({ id: 'CallbackCaseList' });

const callbackTask = z.object({
  id: z.string(),
  kind: z.enum(callbackTaskKinds),
  /** Why the task was opened. */
  reason: z.string(),
  status: z.enum(callbackTaskStatuses),
  openedAt: isoDateTime,
  dueAt: isoDateTime,
  assignedTo: z.string().nullable(),
});

/**
 * A callback case as staff see it, every attempt, identity check, answer and problem of it; the policyholder's
 * phone is masked (the full number is read through the task's contact, which is logged).
 */
export const callbackCase = z
  .object({
    id: z.string(),
    policyId: z.string(),
    policyNumber: z.string(),
    policyStatus: z.string(),
    productCode: z.string(),
    productLine: z.string(),
    channel: z.string(),
    newType: z.boolean(),
    basis: z.enum(['term_over_one_year', 'product_opt_in']),
    status: z.string(),
    method: z.string().nullable(),
    identityMethods: z.array(z.enum(callbackIdentityMethods)),
    policyholderPhone: z.string().nullable(),
    deadlineDate: calendarDate,
    milestones: z.object({
      openedAt: isoDateTime,
      fallbackAt: isoDateTime,
      deadlineAt: isoDateTime,
      notifiedAt: isoDateTime.nullable(),
      startedAt: isoDateTime.nullable(),
      identityVerifiedAt: isoDateTime.nullable(),
      phoneRequestedAt: isoDateTime.nullable(),
      phoneTaskAt: isoDateTime.nullable(),
      letterTaskAt: isoDateTime.nullable(),
      succeededAt: isoDateTime.nullable(),
      failedAt: isoDateTime.nullable(),
      closedAt: isoDateTime.nullable(),
    }),
    closeReason: z.string().nullable(),
    tasks: z.array(callbackTask.extend({ endedAt: isoDateTime.nullable(), endReason: z.string().nullable() })),
    attempts: z.array(
      z.object({
        id: z.string(),
        taskId: z.string().nullable(),
        method: z.enum(callbackMethods),
        startedAt: isoDateTime,
        startedBy: z.string().nullable(),
        outcome: z.string().nullable(),
        reason: z.string().nullable(),
        mediaId: z.string().nullable(),
        closingTextVersionId: z.string().nullable(),
        endedAt: isoDateTime.nullable(),
      }),
    ),
    identityChecks: z.array(
      z.object({
        id: z.string(),
        attemptId: z.string(),
        method: z.enum(callbackIdentityMethods),
        result: z.enum(['passed', 'failed']),
        reason: z.string().nullable(),
        checkedAt: isoDateTime,
      }),
    ),
    answers: z.array(
      z.object({
        id: z.string(),
        attemptId: z.string(),
        itemCode: z.string(),
        position: z.number().int(),
        answer: z.enum(callbackAnswers),
        method: z.enum(callbackMethods),
        textVersionId: z.string(),
        recordedBy: z.string().nullable(),
        displayedAt: isoDateTime.nullable(),
        answeredAt: isoDateTime,
      }),
    ),
    problems: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(callbackProblemKinds),
        itemCode: z.string(),
        answerId: z.string(),
        status: z.enum(problemCaseStatuses),
        assignedTo: z.string().nullable(),
        resolution: z.enum(problemResolutions).nullable(),
        closeReason: z.string().nullable(),
      }),
    ),
    media: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(callbackMediaKinds),
        sha256: z.string(),
        mediaType: z.string(),
        sizeBytes: z.number().int(),
        uploadedBy: z.string(),
        uploadedAt: isoDateTime,
      }),
    ),
    /** Every method failed: what was tried and why it failed (CB). */
    finalRecord: z
      .object({
        outcome: z.literal('failed'),
        reasons: z.object({
          summary: z.string(),
          notifiedAt: isoDateTime.nullable(),
          tasks: z.array(
            z.object({
              taskId: z.string(),
              kind: z.enum(callbackTaskKinds),
              openedFor: z.string(),
              status: z.enum(callbackTaskStatuses),
              endReason: z.string().nullable(),
              openedAt: isoDateTime,
              endedAt: isoDateTime.nullable(),
            }),
          ),
          attempts: z.array(
            z.object({
              attemptId: z.string(),
              method: z.enum(callbackMethods),
              startedAt: isoDateTime,
              outcome: z.string(),
              reason: z.string().nullable(),
              endedAt: isoDateTime.nullable(),
            }),
          ),
        }),
        recordedAt: isoDateTime,
      })
      .nullable(),
    /** Until when the callback's records are kept; projected while the policy has not ended. */
    retention: z.object({ terminationDate: calendarDate, retentionEnd: calendarDate, projected: z.boolean() }),
  })
  .meta({ id: 'CallbackCase' });
export type CallbackCase = z.input<typeof callbackCase>;

export const callbackTaskList = z
  .object({ items: z.array(callbackTask.extend({ caseId: z.string(), productCode: z.string(), policyNumber: z.string() })) })
  .meta({ id: 'CallbackTaskList' });

const scriptText = z.object({
  itemCode: z.string(),
  position: z.number().int(),
  title: z.string(),
  content: z.string(),
  textVersionId: z.string(),
  contentHash: z.string(),
});
export const callbackTaskScript = z
  .object({
    taskId: z.string(),
    caseId: z.string(),
    kind: z.enum(callbackTaskKinds),
    opening: scriptText,
    items: z.array(scriptText),
    closing: scriptText,
    answerOptions: z.array(z.object({ code: z.enum(callbackAnswers), label: z.string() })),
    /** Phone tasks: calls left before the task fails; null for letters and visits. */
    phoneAttemptsLeft: z.number().int().nullable(),
  })
  .meta({ id: 'CallbackTaskScript' });

/** The policyholder's name and phone in full, for the agent who calls or writes; every read is logged. */
export const callbackTaskContact = z
  .object({ taskId: z.string(), name: z.string(), phone: z.string().nullable() })
  .meta({ id: 'CallbackTaskContact' });
export const callbackTaskAssigned = z.object({ taskId: z.string(), assignedTo: z.string() }).meta({ id: 'CallbackTaskAssigned' });

export const problemCaseList = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        caseId: z.string(),
        kind: z.enum(callbackProblemKinds),
        itemCode: z.string(),
        status: z.enum(problemCaseStatuses),
        openedAt: isoDateTime,
        assignedTo: z.string().nullable(),
        productCode: z.string(),
        policyNumber: z.string(),
      }),
    ),
  })
  .meta({ id: 'ProblemCaseList' });

export const problemCase = z
  .object({
    id: z.string(),
    caseId: z.string(),
    policyId: z.string(),
    kind: z.enum(callbackProblemKinds),
    itemCode: z.string(),
    /** The answer that opened the case. */
    answer: z.object({
      id: z.string(),
      answer: z.enum(callbackAnswers),
      method: z.enum(callbackMethods),
      textVersionId: z.string(),
      answeredAt: isoDateTime,
    }),
    status: z.enum(problemCaseStatuses),
    openedAt: isoDateTime,
    assignedTo: z.string().nullable(),
    resolution: z.enum(problemResolutions).nullable(),
    resolvedAt: isoDateTime.nullable(),
    resolvedBy: z.string().nullable(),
    closedAt: isoDateTime.nullable(),
    closeReason: z.string().nullable(),
    notes: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(['investigation', 'correction', 'resolution', 'phone_explanation']),
        body: z.string(),
        mediaId: z.string().nullable(),
        correctsNoteId: z.string().nullable(),
        authorId: z.string(),
        createdAt: isoDateTime,
      }),
    ),
    misselling: z
      .object({
        flagId: z.string(),
        applicationId: z.string(),
        responsibleStaffRef: z.string().nullable(),
        flaggedBy: z.string(),
        flaggedAt: isoDateTime,
      })
      .nullable(),
    refundOffer: z
      .object({
        offerId: z.string(),
        amountFen: z.number().int(),
        offeredAt: isoDateTime,
        answer: z.enum(['accepted', 'declined']).nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'ProblemCase' });
export const problemCaseAssigned = z.object({ problemId: z.string(), assignedTo: z.string() }).meta({ id: 'ProblemCaseAssigned' });
