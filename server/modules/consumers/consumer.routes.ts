import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../../routes.js';
import { AppError } from '../../platform/errors.js';

export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization;
  const token = h?.startsWith('Bearer ') ? h.slice(7).trim() : '';
  if (!token) throw new AppError('UNAUTHENTICATED');
  return token;
}

const phone = z.string().trim().min(1).max(20).describe('Mainland China mobile number, 11 digits');

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
        body: z.object({ phone }).strict(),
        response: { 202: z.object({ expiresAt: z.date(), maskedPhone: z.string() }) },
      },
    },
    async (req, reply) => reply.status(202).send(await services.consumers.requestSignInCode(req.actor, req.body)),
  );

  app.post(
    '/v1/consumer/sessions',
    {
      schema: {
        tags,
        summary: 'Sign in with phone and SMS code',
        body: z.object({ phone, code: z.string().trim().regex(/^\d{6}$/) }).strict(),
        response: { 201: z.object({ token: z.string(), consumerId: z.string(), expiresAt: z.date() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await services.consumers.signIn(req.actor, req.body)),
  );

  app.delete(
    '/v1/consumer/sessions/current',
    { schema: { tags, summary: 'Sign out', security: [{ bearer: [] }] } },
    async (req, reply) => {
      await services.consumers.signOut(req.actor, { token: bearerToken(req) });
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/consumer/me',
    {
      schema: {
        tags,
        summary: 'The signed-in consumer (phone masked)',
        security: [{ bearer: [] }],
        response: { 200: z.object({ consumerId: z.string(), maskedPhone: z.string(), since: z.date() }) },
      },
    },
    async (req) => services.consumers.me(req.actor),
  );
};
