import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import { policyList, policyView } from '@wangbao/contracts/consumer';
import type { RouteOptions } from '../../http.js';

const tags = ['保单 policies'];
const security = [{ bearer: [] }];

export const policyRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { policies, flows } = services;
  app.get(
    '/v1/policies',
    { schema: { tags, security, summary: "The signed-in consumer's policies", response: { 200: policyList } } },
    async (req) => ({
      items: await policies.listPolicies(req.actor),
    }),
  );
  app.get(
    '/v1/policies/:id',
    { schema: { tags, security, summary: 'One policy', params: idParam, response: { 200: policyView } } },
    async (req) => policies.getPolicy(req.actor, req.params.id),
  );
  app.post(
    '/v1/policies/:id/cooling-off-cancellation',
    {
      schema: {
        tags,
        security,
        summary: 'Cancel within the cooling-off period',
        description: '犹豫期 cancellation: full premium back minus at most ¥10 (requirements §2.8).',
        params: idParam,
        response: { 200: policyView },
        errors: ['INVALID_STATE', 'CONFLICT', 'COOLING_OFF_ENDED', 'REFUND_EXCEEDS_PAID'],
      },
    },
    // One cancellation flow for every reason; the 犹豫期 is one of them (decision 0009).
    async (req) => flows.cancellation.cancelInCoolingOff(req.actor, req.params.id),
  );
};
