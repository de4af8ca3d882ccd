import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam, policyView } from '../../../contracts/sales.js';
import type { RouteOptions } from '../../routes.js';

const tags = ['保单 policies'];
const security = [{ bearer: [] }];

export const policyRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { policies } = services;
  app.get('/v1/policies', { schema: { tags, security, response: { 200: z.object({ items: z.array(policyView) }) } } }, async (req) => ({
    items: await policies.listPolicies(req.actor),
  }));
  app.get('/v1/policies/:id', { schema: { tags, security, params: idParam, response: { 200: policyView } } }, async (req) => policies.getPolicy(req.actor, req.params.id));
  app.post(
    '/v1/policies/:id/cooling-off-cancellation',
    { schema: { tags, security, description: '犹豫期 cancellation: full premium back minus at most ¥10 (requirements §2.8).', params: idParam, response: { 200: policyView } } },
    async (req) => policies.cancelInCoolingOff(req.actor, req.params.id),
  );
};
