import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../../routes.js';
import { disclosureSections, questionnaireItemKey } from './disclosure.js';
import { isNewTypeLine, paymentModes, productDefinitionSchema, productLines, relationships } from './product.js';
import type { ProductVersionView } from './product.service.js';
import { premiumFrom } from './rating.js';

const productSummary = z.object({
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
});

const consumerProduct = z.object({
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
  uncertaintyStatement: z.object({ text: z.string(), bold: z.boolean(), fontSizePx: z.number(), textVersionId: z.string().nullable() }).nullable(),
  coverage: z.object({ items: z.array(z.object({ name: z.string(), description: z.string() })), textVersionId: z.string().nullable() }),
  /** M§14: 责任免除 are always highlighted. */
  exclusions: z.object({ items: z.array(z.string()), highlight: z.literal(true), textVersionId: z.string().nullable() }),
  paymentMethods: z.array(z.string()),
  /** The needs the product serves, matched against the suitability answers (M§17). */
  servesNeeds: z.array(z.string()),
  /** Every part of the page in order, each with the text version the consumer is shown. */
  sections: z.array(z.object({ key: z.string(), title: z.string(), content: z.string(), highlight: z.boolean(), textVersionId: z.string().nullable() })),
  questionnaires: z.array(
    z.object({
      code: z.string(),
      kind: z.enum(['health', 'occupation', 'suitability', 'risk_tolerance']),
      title: z.string(),
      items: z.array(
        z.object({
          code: z.string(),
          text: z.string(),
          textVersionId: z.string().nullable(),
          /** Suitability options carry the need and the income band they declare; scores and underwriting outcomes do not leave the server. */
          options: z.array(z.object({ code: z.string(), label: z.string(), need: z.string().optional(), annualIncomeFen: z.number().int().optional() })),
        }),
      ),
    }),
  ),
  textVersions: z.record(z.string(), z.string()),
});

const versionParams = z.object({ code: z.string().min(1).max(64), version: z.coerce.number().int().min(1).max(1_000_000) });
const versionStatus = z.enum(['draft', 'published', 'withdrawn']);
const versionResult = z.object({
  productVersionId: z.string(),
  code: z.string(),
  version: z.number().int(),
  status: versionStatus,
  publishedAt: z.date().nullable(),
  withdrawnAt: z.date().nullable(),
  textVersions: z.record(z.string(), z.string()),
});

function toSummary(v: ProductVersionView): z.infer<typeof productSummary> {
  const d = v.definition;
  return {
    code: v.code,
    productVersionId: v.productVersionId,
    version: v.version,
    clauseName: d.clauseName,
    promotionalName: d.promotionalName,
    line: d.line,
    newType: isNewTypeLine(d.line),
    riskLevel: d.riskLevel,
    coverSummary: (d.disclosure.coverage ?? []).map((c) => c.name),
    termOptionsYears: d.termOptionsYears,
    entryAge: d.entryAge,
    premiumFrom: premiumFrom(d),
  };
}

/** The consumer-facing page of the version on sale: every M§14 item, with the text version of each part. */
export function toConsumerProduct(v: ProductVersionView): z.infer<typeof consumerProduct> {
  const d = v.definition;
  const tv = (key: string) => v.textVersions[key] ?? null;
  const newType = isNewTypeLine(d.line);
  const st = d.disclosure.uncertaintyStatement;
  return {
    productVersionId: v.productVersionId,
    code: v.code,
    version: v.version,
    clauseName: d.clauseName,
    promotionalName: d.promotionalName,
    productNameFontSizePx: d.disclosure.productNameFontSizePx ?? null,
    insurer: d.insurer,
    regulatory: d.regulatory,
    line: d.line,
    newType,
    riskLevel: d.riskLevel,
    termOptionsYears: d.termOptionsYears,
    paymentModes: d.paymentModes,
    sumInsuredOptionsFen: d.sumInsuredOptionsFen,
    entryAge: d.entryAge,
    insuredRelationships: d.insuredRelationships,
    coolingOffDays: d.coolingOffDays,
    waitingPeriodDays: d.waitingPeriodDays,
    effectiveAfterDays: d.effectiveAfterDays,
    faceVerificationRequired: d.faceVerificationRequired,
    uncertaintyStatement: newType && st ? { ...st, textVersionId: tv('uncertaintyStatement') } : null,
    coverage: { items: (d.disclosure.coverage ?? []).map((c) => ({ name: c.name, description: c.description })), textVersionId: tv('coverage') },
    exclusions: { items: d.disclosure.exclusions ?? [], highlight: true, textVersionId: tv('exclusions') },
    paymentMethods: d.disclosure.paymentMethods ?? [],
    servesNeeds: d.servesNeeds,
    sections: disclosureSections(d).map((s) => ({ ...s, textVersionId: tv(s.key) })),
    // Underwriting outcomes and scores stay on the server: the consumer answers, the rules decide.
    questionnaires: d.questionnaires.map((q) => ({
      code: q.code,
      kind: q.kind,
      title: q.title,
      items: q.items.map((i) => ({
        code: i.code,
        text: i.text,
        textVersionId: tv(questionnaireItemKey(q.code, i.code)),
        options: i.options.map((o) => ({
          code: o.code,
          label: o.label,
          ...(o.need !== undefined ? { need: o.need } : {}),
          ...(o.annualIncomeFen !== undefined ? { annualIncomeFen: o.annualIncomeFen } : {}),
        })),
      })),
    })),
    textVersions: v.textVersions,
  };
}

function toVersionResult(v: ProductVersionView): z.infer<typeof versionResult> {
  return {
    productVersionId: v.productVersionId,
    code: v.code,
    version: v.version,
    status: v.status,
    publishedAt: v.publishedAt,
    withdrawnAt: v.withdrawnAt,
    textVersions: v.textVersions,
  };
}

/** Products on sale (public) and the compliance console's product versions (M§9, M§14, M§17). */
export const productRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const products = services.products;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/products',
    { schema: { tags: ['products'], summary: 'Products on sale', response: { 200: z.object({ items: z.array(productSummary) }) } } },
    async () => ({ items: (await products.listOnSale()).map(toSummary) }),
  );

  app.get(
    '/v1/products/:code',
    {
      schema: {
        tags: ['products'],
        summary: 'The full disclosure of the version on sale (M§14, M§17)',
        params: z.object({ code: z.string().min(1).max(64) }),
        response: { 200: consumerProduct },
      },
    },
    async (req) => toConsumerProduct(await products.getOnSale(req.params.code)),
  );

  app.get(
    '/v1/console/products',
    {
      schema: {
        tags: ['console'],
        summary: 'Every product version',
        security: [{ bearer: [] }],
        response: {
          200: z.object({
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
                createdAt: z.date(),
                publishedAt: z.date().nullable(),
                withdrawnAt: z.date().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => ({
      items: (await products.listVersions(req.actor)).map((v) => ({
        productVersionId: v.productVersionId,
        code: v.code,
        version: v.version,
        status: v.status,
        clauseName: v.definition.clauseName,
        promotionalName: v.definition.promotionalName,
        line: v.definition.line,
        definitionHash: v.definitionHash,
        createdAt: v.createdAt,
        publishedAt: v.publishedAt,
        withdrawnAt: v.withdrawnAt,
      })),
    }),
  );

  app.post(
    '/v1/console/products',
    {
      schema: {
        tags: ['console'],
        summary: 'Draft a product version (a new product or the next version of a code)',
        security: [{ bearer: [] }],
        body: productDefinitionSchema,
        response: { 201: z.object({ productId: z.string(), productVersionId: z.string(), version: z.number().int() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await products.createVersion(req.actor, req.body)),
  );

  app.put(
    '/v1/console/products/:code/versions/:version',
    {
      schema: {
        tags: ['console'],
        summary: 'Replace the definition of a draft (a published version never changes)',
        security: [{ bearer: [] }],
        params: versionParams,
        body: productDefinitionSchema,
        response: { 200: z.object({ productVersionId: z.string(), version: z.number().int() }) },
      },
    },
    async (req) => products.reviseDraft(req.actor, req.params.code, req.params.version, req.body),
  );

  app.get(
    '/v1/console/products/:code/versions/:version/check',
    {
      schema: {
        tags: ['console'],
        summary: 'Every problem that would stop this version from being published',
        security: [{ bearer: [] }],
        params: versionParams,
        response: { 200: z.object({ publishable: z.boolean(), problems: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })) }) },
      },
    },
    async (req) => {
      const problems = await products.checkVersion(req.actor, req.params.code, req.params.version);
      return { publishable: problems.length === 0, problems };
    },
  );

  app.post(
    '/v1/console/products/:code/versions/:version/publish',
    {
      schema: {
        tags: ['console'],
        summary: 'Publish a draft after the M§14 / M§17 check; withdraws the version on sale',
        security: [{ bearer: [] }],
        params: versionParams,
        response: { 200: versionResult },
      },
    },
    async (req) => toVersionResult(await products.publishVersion(req.actor, req.params.code, req.params.version)),
  );

  app.post(
    '/v1/console/products/:code/versions/:version/withdraw',
    {
      schema: {
        tags: ['console'],
        summary: 'Take a published version off sale',
        security: [{ bearer: [] }],
        params: versionParams,
        response: { 200: versionResult },
      },
    },
    async (req) => toVersionResult(await products.withdrawVersion(req.actor, req.params.code, req.params.version)),
  );
};
