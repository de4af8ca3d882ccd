import { z } from 'zod';
import { id, limitQuery } from '../common.js';
import { callbackAnswerBody } from '../consumer/callbacks.js';

/** The callback agents' console (CB, requirements §2.7): cases, phone and letter tasks, problem cases, evidence. */

export const callbackTaskKinds = ['phone', 'letter_visit'] as const;
export const callbackTaskStatuses = ['open', 'succeeded', 'failed', 'closed'] as const;
export const problemCaseStatuses = ['open', 'awaiting_customer', 'closed'] as const;
export const callbackMediaKinds = ['call_recording', 'signed_receipt'] as const;
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
    z.object({ resolution: z.literal('misselling'), note: z.string().trim().min(1).max(4000), responsibleStaffRef: z.string().trim().min(1).max(64).optional() }),
  ])
  .meta({ id: 'ProblemResolution' });
export const offerDeclinedBody = z.object({ recordingId: id, note: z.string().trim().min(1).max(4000) }).meta({ id: 'RefundOfferDeclined' });

export const mediaResult = z.object({ mediaId: z.string(), sha256: z.string(), sizeBytes: z.number(), mediaType: z.string() }).meta({ id: 'StoredMedia' });
