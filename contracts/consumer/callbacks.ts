import { z } from 'zod';
import { callbackAnswers, callbackPhoneRequestReasons, id, idNumberSchema } from '../common.js';

/** The policyholder's pages of the electronic callback (CB, requirements §2.7). */

export const offerParam = z.object({ id, offerId: id });
export const answerValue = z.enum(callbackAnswers);

export const callbackAnswerBody = z
  .object({
    itemCode: z.string().min(1).max(60),
    textVersionId: id,
    answer: answerValue,
  })
  .meta({ id: 'CallbackAnswer' });
export const closingConfirmationBody = z.object({ textVersionId: id }).meta({ id: 'CallbackClosingConfirmation' });
export const phoneRequestBody = z
  .object({ reason: z.enum(callbackPhoneRequestReasons).optional() })
  .default({})
  .meta({ id: 'CallbackPhoneRequest' });
export const idNumberBody = z.object({ idNumber: idNumberSchema }).meta({ id: 'CallbackIdNumber' });

export const callbackView = z
  .object({
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
  })
  .meta({ id: 'Callback' });
export const callbackList = z.object({ items: z.array(callbackView) }).meta({ id: 'CallbackList' });

export const callbackItemView = z
  .object({
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
  })
  .meta({ id: 'CallbackItem' });

export const callbackAnswerResult = z
  .object({ answerId: z.string(), itemCode: z.string(), answer: answerValue, problemOpened: z.boolean(), remaining: z.number() })
  .meta({ id: 'CallbackAnswerResult' });
