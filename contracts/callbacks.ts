import { z } from 'zod';

/** Request and response schemas of the electronic callback (CB, requirements §2.7): consumer pages and staff console. */

export const callbackIdParam = z.object({ id: z.string().min(1).max(64) });
export const offerParam = z.object({ id: z.string().min(1).max(64), offerId: z.string().min(1).max(64) });
export const mediaParam = z.object({ id: z.string().min(1).max(64), mediaId: z.string().min(1).max(64) });
export const answerValue = z.enum(['yes', 'no', 'unsure']);

export const callbackAnswerBody = z.object({
  itemCode: z.string().min(1).max(60),
  textVersionId: z.string().min(1).max(64),
  answer: answerValue,
});
export const closingConfirmationBody = z.object({ textVersionId: z.string().min(1).max(64) });
export const phoneRequestBody = z.object({ reason: z.enum(['prefer_phone', 'no_time', 'cannot_verify_identity', 'other']).optional() }).default({});
export const idNumberBody = z.object({ idNumber: z.string().trim().min(15).max(18) });

export const callbackView = z.object({
  id: z.string(),
  policyId: z.string(),
  policyNumber: z.string(),
  product: z.object({ code: z.string(), name: z.string() }),
  status: z.string(),
  method: z.string().nullable(),
  deadlineDate: z.string(),
  electronicUntil: z.string(),
  electronicOpen: z.boolean(),
  attemptId: z.string().nullable(),
  identity: z.object({ required: z.array(z.string()), passed: z.array(z.string()), verified: z.boolean() }),
  progress: z.object({ answered: z.number(), total: z.number() }),
  refundOffers: z.array(z.object({ offerId: z.string(), amountFen: z.number(), offeredAt: z.string(), answer: z.string().nullable() })),
  openedAt: z.string(),
  succeededAt: z.string().nullable(),
});

export const callbackItemView = z.object({
  step: z.enum(['item', 'closing']),
  itemCode: z.string(),
  position: z.number(),
  total: z.number(),
  title: z.string(),
  content: z.string(),
  textVersionId: z.string(),
  contentHash: z.string(),
  options: z.array(z.object({ code: z.string(), label: z.string() })),
  preselected: z.null(),
  displayedAt: z.string(),
});

export const callbackAnswerResult = z.object({ answerId: z.string(), itemCode: z.string(), answer: answerValue, problemOpened: z.boolean(), remaining: z.number() });

// staff console

export const callbackListQuery = z.object({ status: z.string().max(40).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });
export const taskListQuery = z.object({
  kind: z.enum(['phone', 'letter_visit']).optional(),
  status: z.enum(['open', 'succeeded', 'failed', 'closed']).default('open'),
  mine: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const problemListQuery = z.object({
  status: z.enum(['open', 'awaiting_customer', 'closed']).optional(),
  mine: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const assignBody = z.object({ staffId: z.string().min(1).max(64).optional() }).default({});
export const mediaQuery = z.object({ kind: z.enum(['call_recording', 'signed_receipt']) });

const agentAnswers = z.array(callbackAnswerBody).max(40).default([]);
export const phoneAttemptBody = z.object({
  outcome: z.enum(['completed', 'incomplete', 'refused', 'no_answer', 'unreachable', 'wrong_number']),
  recordingId: z.string().min(1).max(64).optional(),
  answers: agentAnswers,
  closingTextVersionId: z.string().min(1).max(64).optional(),
  reason: z.string().trim().min(1).max(200).optional(),
});
export const letterAttemptBody = z.object({
  method: z.enum(['letter', 'visit']),
  outcome: z.enum(['receipt_signed', 'undeliverable', 'refused', 'not_returned']),
  receiptId: z.string().min(1).max(64).optional(),
  answers: agentAnswers,
  closingTextVersionId: z.string().min(1).max(64).optional(),
  reason: z.string().trim().min(1).max(200).optional(),
});
export const attemptResult = z.object({ attemptId: z.string(), caseStatus: z.string(), taskStatus: z.string(), problemsOpened: z.number() });

export const noteBody = z.object({ body: z.string().trim().min(1).max(4000), correctsNoteId: z.string().min(1).max(64).optional() });
export const resolveBody = z.discriminatedUnion('resolution', [
  z.object({ resolution: z.literal('explained_confirmed'), recordingId: z.string().min(1).max(64), note: z.string().trim().min(1).max(4000) }),
  z.object({ resolution: z.literal('misselling'), note: z.string().trim().min(1).max(4000), responsibleStaffRef: z.string().trim().min(1).max(64).optional() }),
]);
export const offerDeclinedBody = z.object({ recordingId: z.string().min(1).max(64), note: z.string().trim().min(1).max(4000) });

export const mediaResult = z.object({ mediaId: z.string(), sha256: z.string(), sizeBytes: z.number(), mediaType: z.string() });
