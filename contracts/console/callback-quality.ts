import { z } from 'zod';
import { calendarDate, id, isoDateTime, limitQuery } from '../common.js';

/** Request shapes of callback quality sampling (抽检), figures and the first-use report (CB, requirements §2.7). */

export const periodQuery = z.object({ from: calendarDate, to: calendarDate });

export const reworkOutcomes = ['callback_redone', 'evidence_supplemented', 'problem_case_opened', 'not_possible'] as const;
export const sampleStatuses = ['awaiting_review', 'passed', 'rework_open', 'awaiting_re_review', 'failed_closed'] as const;

const samplingRuleBodyFields = z.object({
  /** null or absent: every channel. */
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/)
    .nullable()
    .optional(),
  /** null or absent: every product. */
  productCode: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{2,31}$/)
    .nullable()
    .optional(),
  /** A decimal 0–1 with at most 6 places; null hands the key back to the broader rule. */
  rate: z
    .string()
    .regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/)
    .nullable(),
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
    .array(
      z.object({
        code: z.string().min(1).max(64),
        result: z.enum(['pass', 'fail', 'not_applicable']),
        note: z.string().max(2_000).optional(),
      }),
    )
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

// Answers of the quality console. Instants are ISO 8601 strings; periods are Shanghai calendar dates, [from, to).
// The figures' keys keep the order the server writes them in: the first-use report hashes its JSON.

/** A rate written as a decimal string (`'0.8500'`), null when there is nothing to divide by. */
const rate = z.string().nullable();
const caseCounts = z.object({
  opened: z.number().int(),
  concluded: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  open: z.number().int(),
  successRate: rate,
  byMethod: z.object({ electronic: z.number().int(), phone: z.number().int(), letter: z.number().int(), visit: z.number().int() }),
  electronicRate: rate,
  answered: z.number().int(),
  withProblem: z.number().int(),
  problemCases: z.number().int(),
  problemCaseRate: rate,
  medianSeconds: z.number().nullable(),
  p90Seconds: z.number().nullable(),
});

export const callbackFigures = z
  .object({
    period: z.object({ from: calendarDate, to: calendarDate, basis: z.literal('opened_at') }),
    total: caseCounts,
    byProduct: z.array(z.object({ productCode: z.string(), ...caseCounts.shape })),
    byChannel: z.array(z.object({ channel: z.string(), ...caseCounts.shape })),
    byMethod: z.array(
      z.object({
        method: z.string(),
        succeeded: z.number().int(),
        rate,
        medianSeconds: z.number().nullable(),
        p90Seconds: z.number().nullable(),
      }),
    ),
    withinCoolingOff: z.object({ succeeded: z.number().int(), withinDeadline: z.number().int(), rate }),
    problemsByKind: z.array(z.object({ kind: z.string(), count: z.number().int() })),
    sampling: z.object({
      drawn: z.number().int(),
      selected: z.number().int(),
      reviewed: z.number().int(),
      passed: z.number().int(),
      failed: z.number().int(),
      reworkOpen: z.number().int(),
    }),
  })
  .meta({ id: 'CallbackFigures' });

const samplingRuleFields = {
  ruleId: z.string(),
  /** null: every channel. */
  channel: z.string().nullable(),
  /** null: every product. */
  productCode: z.string().nullable(),
  /** null hands the key back to the broader rule. */
  rate: z.string().nullable(),
  effectiveFrom: isoDateTime,
};
export const samplingRules = z
  .object({
    defaultRate: z.string(),
    /** The identifier of the key the draws are derived with (never the key). */
    keyId: z.string(),
    rules: z.array(z.object({ ...samplingRuleFields, reason: z.string(), setBy: z.string(), setAt: isoDateTime, inEffect: z.boolean() })),
  })
  .meta({ id: 'SamplingRules' });
export const samplingRuleSet = z.object({ ...samplingRuleFields, setAt: isoDateTime }).meta({ id: 'SamplingRuleSet' });

export const sampleDraws = z
  .object({ drawn: z.number().int(), selected: z.number().int(), runs: z.array(z.string()), keyId: z.string() })
  .meta({ id: 'SampleDraws' });
export const sampleDrawAudit = z
  .object({
    from: isoDateTime,
    to: isoDateTime,
    keyId: z.string(),
    checked: z.number().int(),
    selected: z.number().int(),
    /** Draws that derive differently now; empty when every draw stands. */
    mismatches: z.array(z.object({ caseId: z.string(), problem: z.string() })),
    /** Completed callbacks of the period not drawn yet. */
    undrawnCompleted: z.number().int(),
  })
  .meta({ id: 'SampleDrawAudit' });

const sampleStatus = z.enum(sampleStatuses);
const reviewKind = z.enum(['initial', 're_review', 'correction']);
const computedCheck = z.enum(['pass', 'fail', 'not_applicable', 'manual']);
const reworkOutcome = z.enum([...reworkOutcomes, 'withdrawn_by_review']);

export const sampleList = z
  .object({
    items: z.array(
      z.object({
        sampleId: z.string(),
        caseId: z.string(),
        policyId: z.string(),
        channel: z.string(),
        productCode: z.string(),
        caseStatus: z.string(),
        method: z.string().nullable(),
        completedAt: isoDateTime,
        rate: z.string(),
        drawnAt: isoDateTime,
        status: sampleStatus,
        lastReviewedAt: isoDateTime.nullable(),
      }),
    ),
  })
  .meta({ id: 'SampleList' });

const checklistItem = z.object({ code: z.string(), group: z.string(), title: z.string(), computed: computedCheck, detail: z.string() });
/** A sample: its draw, the checklist computed from the records (at the draw and now), its reviews and reworks. */
export const callbackSample = z
  .object({
    sampleId: z.string(),
    caseId: z.string(),
    policyId: z.string(),
    policyNumber: z.string(),
    channel: z.string(),
    productCode: z.string(),
    caseStatus: z.string(),
    method: z.string().nullable(),
    completedAt: isoDateTime,
    drawnAt: isoDateTime,
    draw: z.object({
      drawHex: z.string(),
      fraction: z.string(),
      rate: z.string(),
      ruleId: z.string().nullable(),
      keyId: z.string(),
      runId: z.string(),
    }),
    status: sampleStatus,
    nextReviewKind: reviewKind,
    checksAtDraw: z.array(checklistItem),
    checks: z.array(checklistItem),
    reviews: z.array(
      z.object({
        reviewId: z.string(),
        seq: z.number().int(),
        kind: reviewKind,
        previousReviewId: z.string().nullable(),
        outcome: z.enum(['passed', 'failed']),
        closesSample: z.boolean(),
        findings: z.string().nullable(),
        reviewerId: z.string(),
        reviewedAt: isoDateTime,
        items: z.array(
          z.object({
            code: z.string(),
            computed: computedCheck,
            result: z.enum(['pass', 'fail', 'not_applicable']),
            note: z.string().nullable(),
          }),
        ),
      }),
    ),
    reworks: z.array(
      z.object({
        reworkId: z.string(),
        reviewId: z.string(),
        failedItems: z.array(z.string()),
        openedAt: isoDateTime,
        dueAt: isoDateTime,
        completion: z
          .object({
            outcome: reworkOutcome,
            note: z.string().nullable(),
            referenceId: z.string().nullable(),
            completedBy: z.string(),
            completedAt: isoDateTime,
          })
          .nullable(),
      }),
    ),
  })
  .meta({ id: 'CallbackSample' });

export const reworkList = z
  .object({
    items: z.array(
      z.object({
        reworkId: z.string(),
        sampleId: z.string(),
        caseId: z.string(),
        policyId: z.string(),
        productCode: z.string(),
        failedItems: z.array(z.string()),
        openedAt: isoDateTime,
        dueAt: isoDateTime,
        completed: z.object({ outcome: reworkOutcome, completedAt: isoDateTime }).nullable(),
      }),
    ),
  })
  .meta({ id: 'SampleReworkList' });

/**
 * The first-use report (首次使用电子化回访报告) as JSON: what the PDF says, section by section. Its keys are in the
 * order the report is written, so that `contentSha256` is the SHA-256 of this very JSON.
 */
export const firstUseReportContent = z
  .object({
    title: z.string(),
    addressee: z.string(),
    insurer: z.string(),
    generatedAt: isoDateTime,
    implementation: z.object({
      firstUseDate: calendarDate.nullable(),
      source: z.enum(['config', 'first_case']).nullable(),
      reportDueDate: calendarDate.nullable(),
      dueDateBasis: z.string(),
    }),
    managementRules: z.array(
      z.object({ area: z.string(), areaTitle: z.string(), document: z.string().nullable(), systemControls: z.string() }),
    ),
    system: z.object({
      name: z.string(),
      version: z.string(),
      operator: z.string(),
      platformUrl: z.string(),
      callbackPageUrl: z.string(),
      thirdPartyPlatform: z.literal(false),
      storage: z.string(),
      appendOnly: z.string(),
      ledger: z.object({ origin: z.string(), hash: z.string(), checkpointSignature: z.string() }),
      personalDataCipher: z.string(),
      retention: z.string(),
    }),
    carrier: z.object({
      carriers: z.array(z.string()),
      methods: z.array(z.object({ method: z.string(), label: z.string(), when: z.string() })),
      parameters: z.array(z.object({ name: z.string(), value: z.string() })),
    }),
    channels: z.array(z.object({ channel: z.string(), label: z.string(), cases: z.number().int(), source: z.enum(['cases', 'config']) })),
    products: z.array(
      z.object({
        productCode: z.string(),
        name: z.string(),
        line: z.string(),
        newType: z.boolean(),
        termYears: z.array(z.number().int()),
        basis: z.enum(['term_over_one_year', 'product_opt_in']),
        faceRequired: z.boolean(),
        items: z.number().int(),
        cases: z.number().int(),
      }),
    ),
    regions: z.array(z.string()),
    identityMethods: z.array(z.object({ method: z.string(), label: z.string(), appliesTo: z.string(), provider: z.string() })),
    sampling: z.object({
      defaultRate: z.string(),
      rules: z.array(
        z.object({
          channel: z.string().nullable(),
          productCode: z.string().nullable(),
          rate: z.string().nullable(),
          effectiveFrom: isoDateTime,
        }),
      ),
      checklist: z.array(z.object({ code: z.string(), group: z.string(), title: z.string() })),
    }),
    /** Null until the first-use date is known. */
    figures: callbackFigures.nullable(),
    /** What the report cannot say yet, in words. */
    gaps: z.array(z.string()),
  })
  .meta({ id: 'FirstUseReportContent' });

export const firstUseReportPreview = z
  .object({ content: firstUseReportContent, contentSha256: z.string() })
  .meta({ id: 'FirstUseReportPreview' });
export const firstUseReportGenerated = z
  .object({
    reportId: z.string(),
    generatedAt: isoDateTime,
    contentSha256: z.string(),
    pdfSha256: z.string(),
    content: firstUseReportContent,
  })
  .meta({ id: 'FirstUseReportGenerated' });

const reportFields = {
  reportId: z.string(),
  kind: z.literal('first_use'),
  generatedAt: isoDateTime,
  generatedBy: z.string(),
  contentSha256: z.string(),
  pdfSha256: z.string(),
};
export const callbackReportList = z.object({ items: z.array(z.object(reportFields)) }).meta({ id: 'CallbackReportList' });
export const callbackReport = z.object({ ...reportFields, content: firstUseReportContent }).meta({ id: 'CallbackReport' });
