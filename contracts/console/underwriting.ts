import { z } from 'zod';

/** Referred applications (人工核保): an underwriter accepts or declines, with reasons. */
export const decisionBody = z
  .object({ outcome: z.enum(['accept', 'decline']), reasons: z.array(z.string().trim().min(1).max(500)).min(1).max(20) })
  .meta({ id: 'UnderwritingDecision' });
export const decisionResult = z.object({ applicationId: z.string(), status: z.string() }).meta({ id: 'UnderwritingDecisionResult' });
