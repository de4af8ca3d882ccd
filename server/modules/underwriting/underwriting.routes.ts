import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decisionBody, idParam } from '../../../contracts/sales.js';
import type { RouteOptions } from '../../routes.js';

const tags = ['核保 underwriting'];
const security = [{ bearer: [] }];

export const underwritingRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { underwriting } = services;
  app.get('/v1/console/underwriting/referrals', { schema: { tags, security } }, async (req) => ({ items: await underwriting.listReferrals(req.actor) }));
  app.get('/v1/console/underwriting/referrals/:id', { schema: { tags, security, params: idParam } }, async (req) => underwriting.getReferral(req.actor, req.params.id));
  app.post(
    '/v1/console/underwriting/referrals/:id/decision',
    { schema: { tags, security, params: idParam, body: decisionBody, response: { 200: z.object({ applicationId: z.string(), status: z.string() }) } } },
    async (req) => underwriting.decideReferral(req.actor, req.params.id, req.body),
  );
};
