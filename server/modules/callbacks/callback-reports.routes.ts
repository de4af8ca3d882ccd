import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import {
  callbackFigures,
  callbackReport,
  callbackReportList,
  callbackSample,
  firstUseReportGenerated,
  firstUseReportPreview,
  periodQuery,
  reworkCompletionBody,
  reworkList,
  reworkListQuery,
  sampleDrawAudit,
  sampleDraws,
  sampleList,
  sampleListQuery,
  sampleReviewBody,
  samplingRuleBody,
  samplingRules,
  samplingRuleSet,
} from '@wangbao/contracts/console';
import { isoDates, type RouteOptions } from '../../http.js';
import { periodOf } from './callback-figures.js';

const tags = ['回访抽检与报告 callback quality'];
const security = [{ bearer: [] }];

/**
 * The compliance console for the callback's quality (CB, requirements §2.7): sampling rules and draws, samples and
 * their reviews, rework for callback agents, figures, and the first-use report as JSON and PDF. Thin routes: every
 * permission and rule is in the services.
 */
export const callbackReportRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { callbackSampling: sampling, callbackFigures: figures, callbackReports: reports } = services;

  app.get(
    '/v1/console/callback-figures',
    {
      schema: {
        tags,
        security,
        summary: 'Callback figures for a period',
        description:
          'Success rate by method, product and channel, time to complete (median, p90), problem-case rate and sampling, for the callbacks opened in [from, to) (Shanghai dates).',
        querystring: periodQuery,
        response: { 200: callbackFigures },
      },
    },
    async (req) => figures.figures(req.actor, req.query),
  );

  app.get(
    '/v1/console/callback-sampling/rules',
    {
      schema: {
        tags,
        security,
        summary: 'Sampling rates',
        description: 'Sampling rates per channel and product, and the default.',
        response: { 200: samplingRules },
      },
    },
    async (req) => isoDates(await sampling.listRules(req.actor)),
  );
  app.post(
    '/v1/console/callback-sampling/rules',
    {
      schema: {
        tags,
        security,
        summary: 'Set a sampling rate',
        errors: ['SAMPLING_RULE_RETROACTIVE'],
        description: 'Sets a sampling rate (compliance officers), effective from now or later, never earlier.',
        body: samplingRuleBody,
        response: { 201: samplingRuleSet },
      },
    },
    async (req, reply) =>
      reply.code(201).send(
        isoDates(
          await sampling.setRule(req.actor, {
            channel: req.body.channel ?? null,
            productCode: req.body.productCode ?? null,
            rate: req.body.rate,
            effectiveFrom: req.body.effectiveFrom ? new Date(req.body.effectiveFrom) : undefined,
            reason: req.body.reason,
          }),
        ),
      ),
  );
  app.post(
    '/v1/console/callback-sampling/draws',
    {
      schema: {
        tags,
        security,
        summary: 'Draw samples now',
        description: 'Draws every completed callback not drawn yet (the daily job does the same); what is drawn does not depend on when.',
        response: { 200: sampleDraws },
      },
    },
    async (req) => sampling.drawSamples({ actor: req.actor }),
  );
  app.get(
    '/v1/console/callback-sampling/audit',
    {
      schema: {
        tags,
        security,
        summary: 'Audit the draws of a period',
        description: 'Derives again every draw of the callbacks completed in [from, to) and reports any mismatch.',
        querystring: periodQuery,
        response: { 200: sampleDrawAudit },
      },
    },
    async (req) => {
      const p = periodOf(req.query.from, req.query.to);
      return isoDates(await sampling.verifyDraws(req.actor, { from: p.fromAt, to: p.toAt }));
    },
  );

  app.get(
    '/v1/console/callback-samples',
    { schema: { tags, security, summary: 'Samples', querystring: sampleListQuery, response: { 200: sampleList } } },
    async (req) => {
      const p = req.query.from && req.query.to ? periodOf(req.query.from, req.query.to) : undefined;
      return {
        items: isoDates(
          await sampling.listSamples(req.actor, { status: req.query.status, from: p?.fromAt, to: p?.toAt, limit: req.query.limit }),
        ),
      };
    },
  );
  app.get(
    '/v1/console/callback-samples/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One sample',
        description: 'A sample: its draw, the checklist computed from the records, reviews and reworks.',
        params: idParam,
        response: { 200: callbackSample },
      },
    },
    async (req) => isoDates(await sampling.getSample(req.actor, req.params.id)),
  );
  app.post(
    '/v1/console/callback-samples/:id/reviews',
    {
      schema: {
        tags,
        security,
        summary: 'Review a sample',
        errors: [
          'INVALID_STATE',
          'SAMPLE_CHECKLIST_INCOMPLETE',
          'SAMPLE_CHECK_CONTRADICTS_RECORD',
          'SAMPLE_REVIEW_STALE',
          'SAMPLE_REWORK_OPEN',
        ],
        description: 'Records a review (compliance officers): a result per checklist item and the findings; a correction is a new review.',
        params: idParam,
        body: sampleReviewBody,
        response: { 201: callbackSample },
      },
    },
    async (req, reply) =>
      reply.code(201).send(
        isoDates(
          await sampling.reviewSample(req.actor, req.params.id, {
            previousReviewId: req.body.previousReviewId,
            items: req.body.items,
            findings: req.body.findings,
            closeSample: req.body.closeSample,
          }),
        ),
      ),
  );

  app.get(
    '/v1/console/callback-sample-reworks',
    { schema: { tags, security, summary: 'Reworks of failed samples', querystring: reworkListQuery, response: { 200: reworkList } } },
    async (req) => ({
      items: isoDates(
        await sampling.listReworks(req.actor, { open: req.query.open === undefined ? undefined : req.query.open === 'true' }),
      ),
    }),
  );
  app.post(
    '/v1/console/callback-sample-reworks/:id/completion',
    {
      schema: {
        tags,
        security,
        summary: 'Complete a rework',
        errors: ['INVALID_STATE', 'SAMPLE_REWORK_REFERENCE_INVALID'],
        description: 'A callback agent records that the rework of a failed sample is done.',
        params: idParam,
        body: reworkCompletionBody,
        response: { 201: callbackSample },
      },
    },
    async (req, reply) =>
      reply.code(201).send(
        isoDates(
          await sampling.completeRework(req.actor, req.params.id, {
            outcome: req.body.outcome,
            note: req.body.note,
            referenceId: req.body.referenceId ?? null,
          }),
        ),
      ),
  );

  app.get(
    '/v1/console/callback-reports',
    { schema: { tags, security, summary: 'Generated reports', response: { 200: callbackReportList } } },
    async (req) => ({ items: isoDates(await reports.listReports(req.actor)) }),
  );
  app.get(
    '/v1/console/callback-reports/first-use/preview',
    {
      schema: {
        tags,
        security,
        summary: 'Preview the first-use report',
        description: 'What the first-use report (首次使用电子化回访报告) would say now, as JSON; nothing is kept.',
        response: { 200: firstUseReportPreview },
      },
    },
    async (req) => reports.previewFirstUseReport(req.actor),
  );
  app.post(
    '/v1/console/callback-reports/first-use',
    {
      schema: {
        tags,
        security,
        summary: 'Generate the first-use report',
        description: 'Generates the first-use report (compliance officers): JSON and PDF, kept with their hashes.',
        response: { 201: firstUseReportGenerated },
      },
    },
    async (req, reply) => reply.code(201).send(isoDates(await reports.generateFirstUseReport(req.actor))),
  );
  app.get(
    '/v1/console/callback-reports/:id',
    { schema: { tags, security, summary: 'One report', params: idParam, response: { 200: callbackReport } } },
    async (req) => isoDates(await reports.getReport(req.actor, req.params.id)),
  );
  app.get(
    '/v1/console/callback-reports/:id/pdf',
    {
      schema: {
        tags,
        security,
        summary: 'Download a report (PDF)',
        params: idParam,
        description: 'The report as generated, byte for byte (application/pdf).',
      },
    },
    async (req, reply) => {
      const r = await reports.getReportPdf(req.actor, req.params.id);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${r.filename}"`)
        .header('x-content-sha256', r.sha256)
        .send(r.pdf);
    },
  );
};
