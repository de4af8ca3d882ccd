import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { smsOutbox, smsOutboxQuery } from '@wangbao/contracts/dev';
import { isoDates, type RouteOptions } from '../../http.js';
import { readDevOutbox } from './dev-sms.provider.js';

/**
 * The development SMS outbox, so a developer or a test can read the code a phone was sent. Registered only
 * outside production: in production SMS go to a carrier and nobody reads them back.
 */
export const devSmsRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { platform }) => {
  if (platform.config.NODE_ENV === 'production' || platform.sms.name !== 'dev-outbox') return;
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/v1/dev/sms-outbox',
    {
      schema: {
        tags: ['development'],
        summary: 'Recent messages of the development SMS outbox for one phone (not in production)',
        querystring: smsOutboxQuery,
        response: { 200: smsOutbox },
      },
    },
    async (req) => ({
      items: isoDates(await readDevOutbox({ db: platform.db, pii: platform.pii }, req.query.phone.replace(/^\+86/, ''), req.query.limit)),
    }),
  );
};
