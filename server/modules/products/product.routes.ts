import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  productDefinitionBody,
  productDraftCreated,
  productDraftRevised,
  productVersionCheck,
  productVersionList,
  productVersionResult,
  versionParams,
} from '@wangbao/contracts/console';
import { productCodeParam, productList, productPage, type productSummary } from '@wangbao/contracts/public';
import { isoDates, type RouteOptions } from '../../http.js';
import { disclosureSections, questionnaireItemKey } from './disclosure.js';
import { isNewTypeLine } from './product.js';
import type { ProductVersionView } from './product.service.js';
import { premiumFrom } from './rating.js';

function toSummary(v: ProductVersionView): z.input<typeof productSummary> {
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
export function toConsumerProduct(v: ProductVersionView): z.input<typeof productPage> {
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
    coverage: {
      items: (d.disclosure.coverage ?? []).map((c) => ({ name: c.name, description: c.description })),
      textVersionId: tv('coverage'),
    },
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

function toVersionResult(v: ProductVersionView): z.input<typeof productVersionResult> {
  return {
    productVersionId: v.productVersionId,
    code: v.code,
    version: v.version,
    status: v.status,
    publishedAt: v.publishedAt?.toISOString() ?? null,
    withdrawnAt: v.withdrawnAt?.toISOString() ?? null,
    textVersions: v.textVersions,
  };
}

/** Products on sale (public) and the compliance console's product versions (M§9, M§14, M§17). */
export const productRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const products = services.products;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get('/v1/products', { schema: { tags: ['products'], summary: 'Products on sale', response: { 200: productList } } }, async () => ({
    items: (await products.listOnSale()).map(toSummary),
  }));

  app.get(
    '/v1/products/:code',
    {
      schema: {
        tags: ['products'],
        summary: 'The full disclosure of the version on sale (M§14, M§17)',
        params: productCodeParam,
        response: { 200: productPage },
        errors: ['PRODUCT_NOT_ON_SALE'],
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
        response: { 200: productVersionList },
      },
    },
    async (req) => ({
      items: (await products.listVersions(req.actor)).map((v) =>
        isoDates({
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
        }),
      ),
    }),
  );

  app.post(
    '/v1/console/products',
    {
      schema: {
        tags: ['console'],
        summary: 'Draft a product version (a new product or the next version of a code)',
        security: [{ bearer: [] }],
        body: productDefinitionBody,
        response: { 201: productDraftCreated },
        errors: ['CONFLICT'],
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
        body: productDefinitionBody,
        response: { 200: productDraftRevised },
        errors: ['PRODUCT_VERSION_PUBLISHED', 'CONFLICT'],
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
        response: { 200: productVersionCheck },
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
        response: { 200: productVersionResult },
        errors: ['INVALID_STATE', 'CONFLICT', 'PRODUCT_DISCLOSURE_INCOMPLETE', 'PRODUCT_LINE_NOT_ONLINE', 'PRODUCT_NEW_TYPE_RULES'],
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
        response: { 200: productVersionResult },
        errors: ['INVALID_STATE', 'CONFLICT'],
      },
    },
    async (req) => toVersionResult(await products.withdrawVersion(req.actor, req.params.code, req.params.version)),
  );
};
