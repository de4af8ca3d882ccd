import { z } from 'zod';
import {
  beneficiaryRelationships,
  genders,
  id,
  idNumberSchema,
  isoDateTime,
  partyRoles,
  personNameSchema,
  phoneSchema,
  signerRoles,
  smsCodeSchema,
  underwritingOutcomes,
} from '../common.js';

/** Request and response shapes of the purchase journey (投保) after the quote, shared by server and web. */

const personSchema = z.object({
  name: personNameSchema,
  idNumber: idNumberSchema,
  phone: phoneSchema.optional(),
});

export const startApplicationBody = z
  .object({
    quoteId: id,
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
          .array(
            z.object({
              name: personNameSchema,
              idNumber: idNumberSchema,
              relationshipToInsured: z.enum(beneficiaryRelationships),
              shareBp: z.number().int().min(1).max(10_000),
            }),
          )
          .min(1)
          .max(10),
      }),
    ]),
  })
  .meta({ id: 'StartApplication' });

export const consentKindParam = z.object({ id, kind: z.string().min(1).max(40) });

export const giveConsentBody = z
  .object({
    kind: z.string().min(1).max(40),
    textVersionId: id,
    interaction: z.object({
      initialState: z.enum(['unchecked', 'checked']),
      action: z.enum(['tap', 'click', 'keyboard', 'none']),
      elementId: z.string().min(1).max(100),
      dwellMs: z.number().int().min(0).max(86_400_000).optional(),
    }),
  })
  .meta({ id: 'GiveConsent' });

export const answerBody = z
  .object({
    questionnaireCode: z.string().min(1).max(40),
    itemCode: z.string().min(1).max(40),
    optionCode: z.string().min(1).max(40),
  })
  .meta({ id: 'AnswerQuestion' });

export const sendCodeBody = z.object({ party: z.enum(signerRoles).default('policyholder') }).meta({ id: 'SendIdentityCode' });
export const verifyCodeBody = z.object({ code: smsCodeSchema }).meta({ id: 'VerifyIdentityCode' });
export const faceBody = z.object({ imageBase64: z.string().min(1).max(700_000) }).meta({ id: 'FaceImage' });

export const signBody = z
  .object({
    signer: z.enum(signerRoles),
    textVersionId: id,
    documentHash: z.string().regex(/^[0-9a-f]{64}$/),
    code: smsCodeSchema.optional(),
  })
  .meta({ id: 'Sign' });

const partyView = z.object({
  role: z.enum(partyRoles),
  name: z.string(),
  idNumber: z.string(),
  phone: z.string().nullable(),
  birthDate: z.string(),
  gender: z.enum(genders),
  relationshipToInsured: z.string().nullable(),
  shareBp: z.number().nullable(),
});

export const applicationView = z
  .object({
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
  })
  .meta({ id: 'Application' });

/** One confirmation text on its own page (M§17(5)); never pre-checked. */
export const consentTextView = z
  .object({
    kind: z.string(),
    title: z.string(),
    content: z.string(),
    textVersionId: z.string(),
    contentHash: z.string(),
    displayedAt: isoDateTime,
    preChecked: z.literal(false),
  })
  .meta({ id: 'ConsentText' });
export const consentGiven = z.object({ consentId: z.string(), kind: z.string(), alreadyGiven: z.boolean() }).meta({ id: 'ConsentGiven' });
export const answerRecorded = z
  .object({ answerId: z.string(), questionnaireCode: z.string(), itemCode: z.string() })
  .meta({ id: 'AnswerRecorded' });
/** An SMS code was sent for identity verification (application or callback). */
export const identityCodeSent = z
  .object({ challengeId: z.string(), expiresAt: isoDateTime, maskedPhone: z.string() })
  .meta({ id: 'IdentityCodeSent' });
export const submissionResult = z
  .object({
    status: z.string(),
    outcome: z.enum(underwritingOutcomes),
    reasons: z.array(z.object({ code: z.string(), outcome: z.string(), message: z.string() })),
  })
  .meta({ id: 'SubmissionResult' });
export const applicationDocument = z
  .object({ textVersionId: z.string(), documentHash: z.string(), content: z.string(), requiredSigners: z.array(z.enum(signerRoles)) })
  .meta({ id: 'ApplicationDocument' });
export const signatureResult = z
  .object({ signatureId: z.string(), signer: z.string(), status: z.string(), remainingSigners: z.array(z.string()) })
  .meta({ id: 'SignatureResult' });
export const paymentOrderOpened = z
  .object({ orderId: z.string(), payUrl: z.string(), amountFen: z.number(), expiresAt: isoDateTime })
  .meta({ id: 'PaymentOrderOpened' });
