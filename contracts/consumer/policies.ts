import { z } from 'zod';

/** The policyholder's policies (保单) and the cooling-off cancellation (犹豫期退保, requirements §2.8). */

const policyFields = z.object({
  id: z.string(),
  policyNumber: z.string(),
  status: z.string(),
  product: z.object({ code: z.string(), version: z.number(), name: z.string(), clauseName: z.string(), filingNumber: z.string() }),
  premiumFen: z.number(),
  sumInsuredFen: z.number(),
  termYears: z.number(),
  paymentMode: z.string(),
  effectiveDate: z.string(),
  effectiveAt: z.string(),
  endDate: z.string(),
  coolingOffEndDate: z.string(),
  waitingPeriodEndDate: z.string().nullable(),
  issuedAt: z.string(),
  receivedAt: z.string(),
  cancelledAt: z.string().nullable(),
  voidFromStart: z.boolean(),
  parties: z.array(z.object({ role: z.string(), name: z.string(), idNumber: z.string() })),
  coolingOff: z.object({ endDate: z.string(), canCancel: z.boolean() }),
  cancellation: z
    .object({ kind: z.string(), premiumFen: z.number(), costFen: z.number(), refundFen: z.number(), refundId: z.string() })
    .nullable(),
});

export const policyView = policyFields.meta({ id: 'Policy' });
export const policyList = z.object({ items: z.array(policyView) }).meta({ id: 'PolicyList' });
