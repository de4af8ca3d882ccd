import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { consumerMe, consumerSession, signInBody, signInCodeBody, signInCodeSent } from '@wangbao/contracts/consumer';
import { bearerToken, isoDates, type RouteOptions } from '../../http.js';

/** Consumer sign-in by phone and SMS code (M§33). */
export const consumerRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['consumer'];

  app.post(
    '/v1/consumer/sign-in-codes',
    {
      schema: {
        tags,
        summary: 'Send a sign-in code by SMS',
        body: signInCodeBody,
        response: { 202: signInCodeSent },
        errors: ['OTP_RESEND_TOO_SOON', 'RATE_LIMITED'],
      },
    },
    async (req, reply) => reply.status(202).send(isoDates(await services.consumers.requestSignInCode(req.actor, req.body))),
  );

  app.post(
    '/v1/consumer/sessions',
    {
      schema: {
        tags,
        summary: 'Sign in with phone and SMS code',
        body: signInBody,
        response: { 201: consumerSession },
        errors: ['OTP_INVALID', 'OTP_EXPIRED', 'OTP_TOO_MANY_ATTEMPTS'],
      },
    },
    async (req, reply) => reply.status(201).send(isoDates(await services.consumers.signIn(req.actor, req.body))),
  );

  app.delete('/v1/consumer/sessions/current', { schema: { tags, summary: 'Sign out', security: [{ bearer: [] }] } }, async (req, reply) => {
    await services.consumers.signOut(req.actor, { token: bearerToken(req) });
    return reply.status(204).send();
  });

  app.get(
    '/v1/consumer/me',
    {
      schema: {
        tags,
        summary: 'The signed-in consumer (phone masked)',
        security: [{ bearer: [] }],
        response: { 200: consumerMe },
      },
    },
    async (req) => isoDates(await services.consumers.me(req.actor)),
  );
};
