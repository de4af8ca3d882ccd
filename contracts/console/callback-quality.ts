import { z } from 'zod';
import { calendarDate, id, limitQuery } from '../common.js';

/** Request shapes of callback quality sampling (抽检), figures and the first-use report (CB, requirements §2.7). */

export const periodQuery = z.object({ from: calendarDate, to: calendarDate });

export const reworkOutcomes = ['callback_redone', 'evidence_supplemented', 'problem_case_opened', 'not_possible'] as const;
export const sampleStatuses = ['awaiting_review', 'passed', 'rework_open', 'awaiting_re_review', 'failed_closed'] as const;

const samplingRuleBodyFields = z.object({
  /** null or absent: every channel. */
  channel: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/).nullable().optional(),
  /** null or absent: every product. */
  productCode: z.string().regex(/^[A-Z][A-Z0-9_]{2,31}$/).nullable().optional(),
  /** A decimal 0–1 with at most 6 places; null hands the key back to the broader rule. */
  rate: z.string().regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/).nullable(),
  /** From now when absent; never earlier than now. */
  effectiveFrom: z.iso.datetime({ offset: true }).optional(),
  reason: z.string().trim().min(1).max(500),
});

export const sampleListQuery = z.object({
  status: z.enum(sampleStatuses).optional(),
  from: calendarDate.optional(),
  to: calendarDate.optional(),
  limit: limitQuery,
});

const sampleReviewBodyFields = z.object({
  /** The latest review this one follows; null for the first. */
  previousReviewId: id.nullable(),
  items: z
    .array(z.object({ code: z.string().min(1).max(64), result: z.enum(['pass', 'fail', 'not_applicable']), note: z.string().max(2_000).optional() }))
    .min(1)
    .max(50),
  findings: z.string().max(5_000).nullable().optional(),
  /** Only on a failed re-review after rework: close the sample as failed. */
  closeSample: z.boolean().optional(),
});

export const reworkListQuery = z.object({ open: z.enum(['true', 'false']).optional() });

const reworkCompletionBodyFields = z.object({
  outcome: z.enum(reworkOutcomes),
  note: z.string().trim().min(1).max(2_000),
  /** An attempt, recording or receipt, problem case or task of the same callback that the rework produced. */
  referenceId: id.nullable().optional(),
});
export const samplingRuleBody = samplingRuleBodyFields.meta({ id: 'SamplingRule' });
export const sampleReviewBody = sampleReviewBodyFields.meta({ id: 'SampleReview' });
export const reworkCompletionBody = reworkCompletionBodyFields.meta({ id: 'ReworkCompletion' });
