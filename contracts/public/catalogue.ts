import { z } from 'zod';
import { calendarDate, gender, isoDateTime, paymentModes, productLines, questionnaireKinds, relationships } from '../common.js';

/** Products on sale and premium quotes: anyone may read and quote, signed in or not (M§14, M§17). */

export const productCodeParam = z.object({ code: z.string().min(1).max(64) });

export const productSummary = z
  .object({
    code: z.string(),
    productVersionId: z.string(),
    version: z.number().int(),
    clauseName: z.string(),
    promotionalName: z.string(),
    line: z.enum(productLines),
    newType: z.boolean(),
    riskLevel: z.number().int(),
    coverSummary: z.array(z.string()),
    termOptionsYears: z.array(z.number().int()),
    entryAge: z.object({ min: z.number().int(), max: z.number().int() }),
    /** The lowest premium per installment, for “from ¥…”. */
    premiumFrom: z.object({ premiumFen: z.number().int(), paymentMode: z.enum(paymentModes) }).nullable(),
  })
  .meta({ id: 'ProductSummary' });
export const productList = z.object({ items: z.array(productSummary) }).meta({ id: 'ProductList' });

/** The consumer-facing page of the version on sale: every M§14 item, with the text version of each part. */
export const productPage = z
  .object({
    productVersionId: z.string(),
    code: z.string(),
    version: z.number().int(),
    clauseName: z.string(),
    promotionalName: z.string(),
    productNameFontSizePx: z.number().nullable(),
    insurer: z.object({ name: z.string(), unifiedSocialCreditCode: z.string().optional(), servicePhone: z.string().optional() }),
    regulatory: z.object({ kind: z.enum(['approval', 'filing']), number: z.string(), clauseCode: z.string() }),
    line: z.enum(productLines),
    newType: z.boolean(),
    riskLevel: z.number().int(),
    termOptionsYears: z.array(z.number().int()),
    paymentModes: z.array(z.enum(paymentModes)),
    sumInsuredOptionsFen: z.array(z.number().int()),
    entryAge: z.object({ min: z.number().int(), max: z.number().int() }),
    insuredRelationships: z.array(z.enum(relationships)),
    coolingOffDays: z.number().int(),
    waitingPeriodDays: z.number().int(),
    effectiveAfterDays: z.number().int(),
    faceVerificationRequired: z.boolean(),
    /** M§17(2): new-type products only; shown bold, no smaller than the product name. */
    uncertaintyStatement: z
      .object({ text: z.string(), bold: z.boolean(), fontSizePx: z.number(), textVersionId: z.string().nullable() })
      .nullable(),
    coverage: z.object({ items: z.array(z.object({ name: z.string(), description: z.string() })), textVersionId: z.string().nullable() }),
    /** M§14: 责任免除 are always highlighted. */
    exclusions: z.object({ items: z.array(z.string()), highlight: z.literal(true), textVersionId: z.string().nullable() }),
    paymentMethods: z.array(z.string()),
    /** The needs the product serves, matched against the suitability answers (M§17). */
    servesNeeds: z.array(z.string()),
    /** Every part of the page in order, each with the text version the consumer is shown. */
    sections: z.array(
      z.object({ key: z.string(), title: z.string(), content: z.string(), highlight: z.boolean(), textVersionId: z.string().nullable() }),
    ),
    questionnaires: z.array(
      z.object({
        code: z.string(),
        kind: z.enum(questionnaireKinds),
        title: z.string(),
        items: z.array(
          z.object({
            code: z.string(),
            text: z.string(),
            textVersionId: z.string().nullable(),
            /** Suitability options carry the need and the income band they declare; scores and underwriting outcomes do not leave the server. */
            options: z.array(
              z.object({ code: z.string(), label: z.string(), need: z.string().optional(), annualIncomeFen: z.number().int().optional() }),
            ),
          }),
        ),
      }),
    ),
    textVersions: z.record(z.string(), z.string()),
  })
  .meta({ id: 'ProductPage' });

const quoteFields = z.object({
  productCode: z.string().min(1).max(64),
  insuredBirthDate: calendarDate,
  insuredGender: gender,
  termYears: z.number().int().min(1).max(100),
  paymentMode: z.enum(paymentModes),
  sumInsuredFen: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});
export const quoteBody = quoteFields.meta({ id: 'QuoteRequest' });
export const quoteView = z
  .object({
    id: z.string(),
    productCode: z.string(),
    productVersionId: z.string(),
    productVersion: z.number().int(),
    options: quoteFields.extend({ insuredAge: z.number().int(), quotedOn: z.string() }),
    /** Premium per installment, in fen. */
    premiumFen: z.number().int(),
    cashValues: z.array(z.object({ policyYear: z.number().int(), cashValueFen: z.number().int() })),
    expiresAt: isoDateTime,
    createdAt: isoDateTime,
    expired: z.boolean(),
  })
  .meta({ id: 'Quote' });
