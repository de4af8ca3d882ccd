import { z } from 'zod';
import { calendarDate, genders, isoDateTime, partyRoles, underwritingOutcomes } from '../common.js';

/** Referred applications (人工核保): an underwriter accepts or declines, with reasons. */
export const decisionBody = z
  .object({ outcome: z.enum(['accept', 'decline']), reasons: z.array(z.string().trim().min(1).max(500)).min(1).max(20) })
  .meta({ id: 'UnderwritingDecision' });
export const decisionResult = z.object({ applicationId: z.string(), status: z.string() }).meta({ id: 'UnderwritingDecisionResult' });

export const referralList = z
  .object({
    items: z.array(
      z.object({
        applicationId: z.string(),
        productCode: z.string(),
        referredAt: isoDateTime,
        sumInsuredFen: z.number().int(),
        premiumFen: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'UnderwritingReferralList' });

/** A referred application as the underwriter reads it: names and ID numbers masked, health answers in words. */
export const referral = z
  .object({
    applicationId: z.string(),
    status: z.string(),
    productCode: z.string(),
    sumInsuredFen: z.number().int(),
    parties: z.array(
      z.object({ role: z.enum(partyRoles), name: z.string(), idNumber: z.string(), birthDate: calendarDate, gender: z.enum(genders) }),
    ),
    answers: z.array(z.object({ questionnaire: z.string(), item: z.string(), question: z.string(), answer: z.string() })),
    decisions: z.array(
      z.object({
        source: z.enum(['rules', 'underwriter']),
        outcome: z.enum(underwritingOutcomes),
        reasons: z.array(z.object({ code: z.string(), outcome: z.enum(underwritingOutcomes), message: z.string() })),
        decidedAt: isoDateTime,
      }),
    ),
  })
  .meta({ id: 'UnderwritingReferral' });
export type UnderwritingReferral = z.input<typeof referral>;
