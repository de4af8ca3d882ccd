import { z } from 'zod';

/** Request and response shapes of the purchase journey, shared by server and web. */

export const phoneSchema = z.string().regex(/^1[3-9]\d{9}$/, 'a mainland mobile number');
export const idNumberSchema = z.string().trim().min(15).max(18);
export const personNameSchema = z.string().trim().min(1).max(50);
export const idParam = z.object({ id: z.string().min(1).max(64) });

const personSchema = z.object({
  name: personNameSchema,
  idNumber: idNumberSchema,
  phone: phoneSchema.optional(),
});

export const startApplicationBody = z.object({
  quoteId: z.string().min(1).max(64),
  policyholder: personSchema.extend({ phone: phoneSchema }),
  insured: z.discriminatedUnion('relationship', [
    z.object({ relationship: z.literal('self') }),
    personSchema.extend({ relationship: z.enum(['spouse', 'child', 'parent']) }),
  ]),
  beneficiary: z.discriminatedUnion('designation', [
    z.object({ designation: z.literal('legal') }),
    z.object({
      designation: z.literal('named'),
      beneficiaries: z
        .array(z.object({ name: personNameSchema, idNumber: idNumberSchema, relationshipToInsured: z.enum(['spouse', 'child', 'parent', 'sibling', 'other']), shareBp: z.number().int().min(1).max(10_000) }))
        .min(1)
        .max(10),
    }),
  ]),
});

export const consentKindParam = z.object({ id: z.string().min(1).max(64), kind: z.string().min(1).max(40) });

export const giveConsentBody = z.object({
  kind: z.string().min(1).max(40),
  textVersionId: z.string().min(1).max(64),
  interaction: z.object({
    initialState: z.enum(['unchecked', 'checked']),
    action: z.enum(['tap', 'click', 'keyboard', 'none']),
    elementId: z.string().min(1).max(100),
    dwellMs: z.number().int().min(0).max(86_400_000).optional(),
  }),
});

export const answerBody = z.object({
  questionnaireCode: z.string().min(1).max(40),
  itemCode: z.string().min(1).max(40),
  optionCode: z.string().min(1).max(40),
});

export const sendCodeBody = z.object({ party: z.enum(['policyholder', 'insured']).default('policyholder') });
export const verifyCodeBody = z.object({ code: z.string().regex(/^\d{6}$/) });
export const faceBody = z.object({ imageBase64: z.string().min(1).max(700_000) });

export const signBody = z.object({
  signer: z.enum(['policyholder', 'insured']),
  textVersionId: z.string().min(1).max(64),
  documentHash: z.string().regex(/^[0-9a-f]{64}$/),
  code: z.string().regex(/^\d{6}$/).optional(),
});

export const decisionBody = z.object({ outcome: z.enum(['accept', 'decline']), reasons: z.array(z.string().trim().min(1).max(500)).min(1).max(20) });

const partyView = z.object({
  role: z.enum(['policyholder', 'insured', 'beneficiary']),
  name: z.string(),
  idNumber: z.string(),
  phone: z.string().nullable(),
  birthDate: z.string(),
  gender: z.enum(['M', 'F']),
  relationshipToInsured: z.string().nullable(),
  shareBp: z.number().nullable(),
});

export const applicationView = z.object({
  id: z.string(),
  status: z.string(),
  product: z.object({ code: z.string(), version: z.number(), productVersionId: z.string(), name: z.string(), line: z.string() }),
  premiumFen: z.number(),
  sumInsuredFen: z.number(),
  termYears: z.number(),
  paymentMode: z.string(),
  insuredRelationship: z.string(),
  beneficiaryDesignation: z.string(),
  parties: z.array(partyView),
  consents: z.array(z.object({ kind: z.string(), given: z.boolean() })),
  unansweredItems: z.array(z.string()),
  identity: z.object({
    verified: z.boolean(),
    faceRequired: z.boolean(),
    checks: z.array(z.object({ partyRole: z.string(), method: z.string(), result: z.string(), at: z.string() })),
  }),
  underwriting: z.object({ outcome: z.string(), source: z.string(), reasons: z.array(z.unknown()) }).nullable(),
  signatures: z.array(z.object({ signerRole: z.string(), signedAt: z.string(), documentHash: z.string() })),
  createdAt: z.string(),
  submittedAt: z.string().nullable(),
  issuedAt: z.string().nullable(),
});

export const policyView = z.object({
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
  cancellation: z.object({ kind: z.string(), premiumFen: z.number(), costFen: z.number(), refundFen: z.number(), refundId: z.string() }).nullable(),
});
