import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import { decisionBody, decisionResult, referral, referralList, type UnderwritingReferral } from '@wangbao/contracts/console';
import type { RouteOptions } from '../../http.js';

const tags = ['核保 underwriting'];
const security = [{ bearer: [] }];

export const underwritingRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { underwriting } = services;
  app.get(
    '/v1/console/underwriting/referrals',
    { schema: { tags, security, summary: 'Applications referred to an underwriter', response: { 200: referralList } } },
    async (req) => ({
      items: await underwriting.listReferrals(req.actor),
    }),
  );
  app.get(
    '/v1/console/underwriting/referrals/:id',
    { schema: { tags, security, summary: 'One referred application', params: idParam, response: { 200: referral } } },
    async (req) =>
      // The decisions' reasons are read from a JSON column; the response schema checks their shape.
      (await underwriting.getReferral(req.actor, req.params.id)) as UnderwritingReferral,
  );
  app.post(
    '/v1/console/underwriting/referrals/:id/decision',
    {
      schema: {
        tags,
        security,
        summary: 'Accept or decline a referred application',
        params: idParam,
        body: decisionBody,
        response: { 200: decisionResult },
        errors: ['INVALID_STATE', 'CONFLICT'],
      },
    },
    async (req) => underwriting.decideReferral(req.actor, req.params.id, req.body),
  );
};
