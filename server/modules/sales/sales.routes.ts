import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  answerBody,
  applicationView,
  consentKindParam,
  faceBody,
  giveConsentBody,
  idParam,
  policyView,
  sendCodeBody,
  signBody,
  startApplicationBody,
  verifyCodeBody,
} from '../../../contracts/sales.js';
import type { RouteOptions } from '../../routes.js';

const tags = ['投保 application'];
const security = [{ bearer: [] }];

/** The consumer's purchase journey (投保) after the quote: thin routes over the sales use cases. */
export const salesRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { applications, submissions, signatures, checkout, policies } = services;

  app.post('/v1/applications', { schema: { tags, security, body: startApplicationBody, response: { 201: applicationView } } }, async (req, reply) =>
    reply.status(201).send(await applications.startApplication(req.actor, req.body)),
  );
  app.get('/v1/applications/:id', { schema: { tags, security, params: idParam, response: { 200: applicationView } } }, async (req) =>
    applications.getApplication(req.actor, req.params.id),
  );
  app.get(
    '/v1/applications/:id/consents/:kind',
    {
      schema: {
        tags,
        security,
        description: 'Shows one confirmation text on its own page and records that this version was shown (M§17(5)).',
        params: consentKindParam,
        response: {
          200: z.object({ kind: z.string(), title: z.string(), content: z.string(), textVersionId: z.string(), contentHash: z.string(), displayedAt: z.date(), preChecked: z.literal(false) }),
        },
      },
    },
    async (req) => applications.showConsentText(req.actor, req.params.id, req.params.kind),
  );
  app.post(
    '/v1/applications/:id/consents',
    { schema: { tags, security, params: idParam, body: giveConsentBody, response: { 201: z.object({ consentId: z.string(), kind: z.string(), alreadyGiven: z.boolean() }) } } },
    async (req, reply) => reply.status(201).send(await applications.giveConsent(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/applications/:id/answers',
    { schema: { tags, security, params: idParam, body: answerBody, response: { 201: z.object({ answerId: z.string(), questionnaireCode: z.string(), itemCode: z.string() }) } } },
    async (req, reply) => reply.status(201).send(await applications.answerQuestion(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/applications/:id/identity/sms-codes',
    { schema: { tags, security, params: idParam, body: sendCodeBody, response: { 201: z.object({ challengeId: z.string(), expiresAt: z.date(), maskedPhone: z.string() }) } } },
    async (req, reply) => reply.status(201).send(await applications.sendIdentityCode(req.actor, req.params.id, req.body.party)),
  );
  app.post('/v1/applications/:id/identity/sms-verification', { schema: { tags, security, params: idParam, body: verifyCodeBody, response: { 200: applicationView } } }, async (req) =>
    applications.verifyIdentityCode(req.actor, req.params.id, req.body.code),
  );
  app.post('/v1/applications/:id/identity/face', { schema: { tags, security, params: idParam, body: faceBody, response: { 200: applicationView } } }, async (req) =>
    applications.verifyFace(req.actor, req.params.id, req.body.imageBase64),
  );
  app.post(
    '/v1/applications/:id/submission',
    {
      schema: {
        tags,
        security,
        params: idParam,
        response: { 200: z.object({ status: z.string(), outcome: z.enum(['accept', 'decline', 'refer']), reasons: z.array(z.object({ code: z.string(), outcome: z.string(), message: z.string() })) }) },
      },
    },
    async (req) => submissions.submitApplication(req.actor, req.params.id),
  );
  app.get(
    '/v1/applications/:id/document',
    {
      schema: {
        tags,
        security,
        params: idParam,
        response: { 200: z.object({ textVersionId: z.string(), documentHash: z.string(), content: z.string(), requiredSigners: z.array(z.enum(['policyholder', 'insured'])) }) },
      },
    },
    async (req) => signatures.showDocument(req.actor, req.params.id),
  );
  app.post(
    '/v1/applications/:id/signatures',
    {
      schema: {
        tags,
        security,
        params: idParam,
        body: signBody,
        response: { 201: z.object({ signatureId: z.string(), signer: z.string(), status: z.string(), remainingSigners: z.array(z.string()) }) },
      },
    },
    async (req, reply) => reply.status(201).send(await signatures.sign(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/applications/:id/payment-orders',
    { schema: { tags, security, params: idParam, response: { 201: z.object({ orderId: z.string(), payUrl: z.string(), amountFen: z.number(), expiresAt: z.date() }) } } },
    async (req, reply) => reply.status(201).send(await checkout.openPayment(req.actor, req.params.id)),
  );
  app.get('/v1/applications/:id/policy', { schema: { tags, security, params: idParam, response: { 200: policyView } } }, async (req) =>
    policies.getPolicyByApplication(req.actor, req.params.id),
  );
};
