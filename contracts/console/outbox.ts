import { z } from 'zod';

/** Work after commit (the outbox), for operators in the console: what waits, what failed and why, and a retry. */

export const outboxKinds = ['e_policy', 'invoice', 'red_invoice', 'callback_notice', 'refund_offer_notice'] as const;
export const outboxStatuses = ['pending', 'done', 'failed'] as const;

export const outboxItemListQuery = z.object({
  status: z.enum(outboxStatuses).optional(),
  kind: z.enum(outboxKinds).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const outboxItemParams = z.object({ id: z.string().regex(/^obx_[0-9A-HJKMNP-TV-Z]{26}$/, 'an outbox item id (obx_…)') });

export const outboxItem = z.object({
  id: z.string(),
  kind: z.enum(outboxKinds),
  /** The record the work is about: a policy, refund, callback case or refund offer id. */
  subjectId: z.string(),
  status: z.enum(outboxStatuses),
  /** Failed attempts so far; at `maxAttempts` the item is `failed` until an operator retries it. */
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  /** When a pending item is tried next; null once done or failed. */
  nextAttemptAt: z.iso.datetime().nullable(),
  /** The error code, message and fields at fault of the last failure; never the values. */
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  doneAt: z.iso.datetime().nullable(),
  failedAt: z.iso.datetime().nullable(),
});

export const outboxItemList = z.object({
  items: z.array(outboxItem),
  /** Items by status over the whole outbox. */
  counts: z.object({ pending: z.number().int().optional(), done: z.number().int().optional(), failed: z.number().int().optional() }),
});
