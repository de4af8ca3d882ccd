import { z } from 'zod';

/**
 * Primitives and enums every audience shares. Nothing here is specific to staff: the consumer bundle imports this
 * file, so it must never import from `console/`.
 */

/** A prefixed identifier (`pol_…`, `app_…`) in a path or body. */
export const id = z.string().min(1).max(64);
export const idParam = z.object({ id });

/** A business date (Asia/Shanghai calendar), `YYYY-MM-DD`. */
export const calendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

/**
 * An instant in a response: ISO 8601 in UTC (`2026-03-02T02:00:00.000Z`). Responses never carry a `Date`; the
 * server converts, and a client parses the string when it needs one.
 */
export const isoDateTime = z.iso.datetime();

/** A page size in a query string. */
export const limitQuery = z.coerce.number().int().min(1).max(500).default(100);

export const phoneSchema = z.string().regex(/^1[3-9]\d{9}$/, 'a mainland mobile number');
export const idNumberSchema = z.string().trim().min(15).max(18);
export const personNameSchema = z.string().trim().min(1).max(50);
export const smsCodeSchema = z.string().regex(/^\d{6}$/);

export const genders = ['M', 'F'] as const;
export const gender = z.enum(genders);

/** Lines of insurance (险种); some may not be sold online (M§9). */
export const productLines = [
  'accident', // 意外险
  'health', // 健康险
  'term_life', // 定期寿险
  'whole_life', // 普通型寿险
  'annuity', // 年金
  'unit_linked', // 投连
  'universal', // 万能
  'participating', // 分红
  'nursing', // 护理险 (not allowed online)
] as const;
export type ProductLine = (typeof productLines)[number];
export const paymentModes = ['single', 'annual', 'monthly'] as const;
export type PaymentMode = (typeof paymentModes)[number];
/** The insured's relationship to the policyholder. */
export const relationships = ['self', 'spouse', 'child', 'parent'] as const;
export const beneficiaryRelationships = ['spouse', 'child', 'parent', 'sibling', 'other'] as const;
export const questionnaireKinds = ['health', 'occupation', 'suitability', 'risk_tolerance'] as const;
export const productVersionStatuses = ['draft', 'published', 'withdrawn'] as const;
export const partyRoles = ['policyholder', 'insured', 'beneficiary'] as const;
export const signerRoles = ['policyholder', 'insured'] as const;
export const underwritingOutcomes = ['accept', 'decline', 'refer'] as const;
export const paymentOrderStatuses = ['pending', 'paid', 'refused', 'expired'] as const;
export const refundStatuses = ['requested', 'completed', 'failed'] as const;
export const invoiceKinds = ['blue', 'red'] as const;
export const policyStandings = ['in_force', 'not_yet_effective', 'expired', 'cancelled'] as const;
export const callbackAnswers = ['yes', 'no', 'unsure'] as const;
export const callbackPhoneRequestReasons = ['prefer_phone', 'no_time', 'cannot_verify_identity', 'other'] as const;
