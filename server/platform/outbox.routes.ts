import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { outboxItem, outboxItemList, outboxItemListQuery, outboxItemParams } from '@wangbao/contracts/console';
import type { RouteOptions } from '../http.js';

const tags = ['后续作业 work after commit'];
const security = [{ bearer: [] }];

/**
 * Work after commit for operators (compliance officers, system administrators): what is pending or failed, with
 * attempts, next attempt and last error; and a failed item put back in the queue. Thin routes over the outbox.
 */
export const outboxRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/v1/console/outbox-items',
    {
      schema: {
        tags,
        security,
        summary: 'List work after commit',
        description: 'E-policies, invoices and notices waiting, done or failed, by status and kind, the soonest due first.',
        querystring: outboxItemListQuery,
        response: { 200: outboxItemList },
      },
    },
    async (req) => services.outbox.listItems(req.actor, req.query),
  );
  app.post(
    '/v1/console/outbox-items/:id/retry',
    {
      schema: {
        tags,
        security,
        summary: 'Retry failed work after commit',
        description: 'Puts a failed item back in the queue, due now, its attempts counted afresh (409 INVALID_STATE unless failed).',
        params: outboxItemParams,
        response: { 200: outboxItem },
      },
    },
    async (req) => services.outbox.retryItem(req.actor, req.params.id),
  );
};
