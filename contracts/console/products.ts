import { z } from 'zod';
import { genders, isoDateTime, paymentModes, productLines, productVersionStatuses, questionnaireKinds, relationships } from '../common.js';

/**
 * The compliance console's product versions (M§9, M§14, M§17). A product is data: a versioned definition holding
 * everything the sales page must disclose, how it is priced, who may buy it, and how it is underwritten.
 */

const fen = z.number().int().min(0);
const decimalString = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal written as a string');
const text = z.string().trim().min(1);

export const questionOptionSchema = z.object({
  code: text,
  label: text,
  /** Health and occupation answers: what the answer means for underwriting. */
  underwriting: z.enum(['accept', 'refer', 'decline']).optional(),
  /** Risk-tolerance answers: points toward the consumer's risk level. */
  score: z.number().int().min(0).optional(),
  /** Suitability answers: a declared annual income band, in fen, for the ability-to-pay check. */
  annualIncomeFen: fen.optional(),
  /** Suitability answers: the need this answer declares, matched against the product's needs. */
  need: z.string().optional(),
});

export const questionnaireSchema = z.object({
  code: text,
  kind: z.enum(questionnaireKinds),
  title: text,
  items: z
    .array(
      z.object({
        code: text,
        text: text,
        options: z.array(questionOptionSchema).min(2),
      }),
    )
    .min(1),
});
export type Questionnaire = z.infer<typeof questionnaireSchema>;

export const ratingRowSchema = z.object({
  ageFrom: z.number().int().min(0),
  ageTo: z.number().int().min(0),
  gender: z.enum([...genders, 'any']),
  termYears: z.number().int().min(1),
  paymentMode: z.enum(paymentModes),
  /** Premium per installment, in fen, for each ¥10,000 of sum insured. */
  premiumPer10kFen: decimalString,
});

export const cashValueRowSchema = z.object({
  ageFrom: z.number().int().min(0),
  ageTo: z.number().int().min(0),
  gender: z.enum([...genders, 'any']),
  termYears: z.number().int().min(1),
  paymentMode: z.enum(paymentModes),
  /** Cash value at the end of each policy year, in fen per ¥10,000 of sum insured. */
  valuesPer10kFen: z.array(fen).min(1),
});

/**
 * The disclosure a sales page shows. Every field is optional here so an incomplete draft can be saved;
 * publishing checks completeness and names every missing item (M§14).
 */
export const disclosureSchema = z.object({
  clauseText: z.string().optional(),
  premiumExplanation: z.string().optional(),
  /** 责任免除, shown highlighted. */
  exclusions: z.array(z.string()).optional(),
  /** The platform always highlights exclusions; a definition that asks for them plain is refused at publish (M§14). */
  exclusionsHighlighted: z.boolean().optional(),
  coverage: z.array(z.object({ name: text, description: text, sumInsuredShare: z.string().optional() })).optional(),
  claimConditions: z.string().optional(),
  /** 等待期 in words; when absent the page states the number of days from `waitingPeriodDays`. */
  waitingPeriodExplanation: z.string().optional(),
  claimProcess: z.string().optional(),
  fees: z.string().optional(),
  surrenderLoss: z.string().optional(),
  cashValueExplanation: z.string().optional(),
  /** 如实告知: the duty and the consequence of breaching it. */
  disclosureDuty: z.string().optional(),
  /** Whether the whole service can be done online (M§14(5)). */
  onlineServiceStatement: z.string().optional(),
  /** Places with no branch: the warning (M§17(1)). */
  noBranchWarning: z.string().optional(),
  paymentMethods: z.array(z.string()).optional(),
  policyDelivery: z.string().optional(),
  invoiceDelivery: z.string().optional(),
  purchaseNotice: z.string().optional(),
  /** New-type products: the bold statement, at least as large as the product name. */
  uncertaintyStatement: z.object({ text: z.string(), bold: z.boolean(), fontSizePx: z.number() }).optional(),
  productNameFontSizePx: z.number().optional(),
});
export type Disclosure = z.infer<typeof disclosureSchema>;

const productDefinitionFields = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9_]{2,31}$/),
  clauseName: z.string(),
  promotionalName: z.string(),
  insurer: z.object({ name: z.string(), unifiedSocialCreditCode: z.string().optional(), servicePhone: z.string().optional() }),
  regulatory: z.object({
    kind: z.enum(['approval', 'filing']),
    /** 审批文号 or 备案编号 / 产品注册号. */
    number: z.string(),
    /** 备案文件编号 or 条款编码. */
    clauseCode: z.string(),
  }),
  line: z.enum(productLines),
  /** 1 (lowest) to 5; matched against the consumer's risk-tolerance level for new-type products. */
  riskLevel: z.number().int().min(1).max(5).default(1),
  termOptionsYears: z.array(z.number().int().min(1).max(100)).min(1),
  paymentModes: z.array(z.enum(paymentModes)).min(1),
  sumInsuredOptionsFen: z.array(fen.min(1)).min(1),
  entryAge: z.object({ min: z.number().int().min(0), max: z.number().int().max(100) }),
  /** Who may be insured by whom; minors may be insured only by a parent. */
  insuredRelationships: z.array(z.enum(relationships)).min(1),
  ratingTable: z.array(ratingRowSchema).min(1),
  cashValues: z.array(cashValueRowSchema).optional(),
  coolingOffDays: z.number().int().min(10).max(60),
  waitingPeriodDays: z.number().int().min(0).max(365),
  /** Days after the day of issue on which cover starts; 1 = 00:00 Asia/Shanghai the next day. */
  effectiveAfterDays: z.number().int().min(0).max(30).default(1),
  disclosure: disclosureSchema,
  questionnaires: z.array(questionnaireSchema).default([]),
  /** Needs the product serves (保障, 储蓄 …), matched against the suitability answers. */
  servesNeeds: z.array(z.string()).default([]),
  /** Ability to pay: the annual premium may not exceed this share of declared annual income. */
  maxPremiumIncomeRatio: decimalString.default('0.3'),
  underwriting: z.object({
    maxSumInsuredByAge: z.array(z.object({ ageFrom: z.number().int(), ageTo: z.number().int(), maxFen: fen })).default([]),
    /** The insured's cumulative sum insured across in-force policies and pending applications of this line. */
    maxCumulativeSumInsuredFen: fen.optional(),
    /** Above this cumulative sum insured, an underwriter decides. */
    referAboveCumulativeFen: fen.optional(),
    /** Death-benefit caps for minors (the CBIRC limits: ¥200,000 under 10, ¥500,000 from 10 to 17). */
    minorMaxSumInsuredFen: z.object({ under10: fen, from10to17: fen }).optional(),
  }),
  faceVerificationRequired: z.boolean().default(false),
});

/** A product definition as the console drafts it; the server checks completeness only at publish. */
export const productDefinitionBody = productDefinitionFields.meta({ id: 'ProductDefinition' });

export const versionParams = z.object({ code: z.string().min(1).max(64), version: z.coerce.number().int().min(1).max(1_000_000) });
export const versionStatus = z.enum(productVersionStatuses);

export const productVersionList = z
  .object({
    items: z.array(
      z.object({
        productVersionId: z.string(),
        code: z.string(),
        version: z.number().int(),
        status: versionStatus,
        clauseName: z.string(),
        promotionalName: z.string(),
        line: z.enum(productLines),
        definitionHash: z.string(),
        createdAt: isoDateTime,
        publishedAt: isoDateTime.nullable(),
        withdrawnAt: isoDateTime.nullable(),
      }),
    ),
  })
  .meta({ id: 'ProductVersionList' });
export const productDraftCreated = z
  .object({ productId: z.string(), productVersionId: z.string(), version: z.number().int() })
  .meta({ id: 'ProductDraftCreated' });
export const productDraftRevised = z
  .object({ productVersionId: z.string(), version: z.number().int() })
  .meta({ id: 'ProductDraftRevised' });
export const productVersionCheck = z
  .object({ publishable: z.boolean(), problems: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })) })
  .meta({ id: 'ProductVersionCheck' });
export const productVersionResult = z
  .object({
    productVersionId: z.string(),
    code: z.string(),
    version: z.number().int(),
    status: versionStatus,
    publishedAt: isoDateTime.nullable(),
    withdrawnAt: isoDateTime.nullable(),
    textVersions: z.record(z.string(), z.string()),
  })
  .meta({ id: 'ProductVersion' });
