import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import { paymentOrderView } from '@wangbao/contracts/consumer';
import { gatewayNotificationAck, gatewayNotificationBody } from '@wangbao/contracts/public';
import { isoDates, type RouteOptions } from '../../http.js';

/** Payment routes: the gateway's notification endpoint and the consumer's order view. */
export const paymentRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const { payments, flows } = services;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  // The signature covers the exact bytes the gateway sent, so this route keeps the body as a string. The parser
  // lives in its own encapsulated plugin and affects no other route.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    raw.withTypeProvider<ZodTypeProvider>().post(
      '/v1/payments/notifications/dev-gateway',
      {
        schema: {
          tags: ['payments'],
          summary: 'Payment notification from the development gateway (Ed25519-signed, idempotent)',
          body: gatewayNotificationBody,
          response: { 200: gatewayNotificationAck },
          errors: ['PAYMENT_NOTIFICATION_INVALID', 'CONFLICT'],
        },
      },
      async (req) => {
        // Payments settles the notification and, in its transaction, completes the sale the purchase flow hands it.
        await payments.handleNotification('dev-gateway', req.body, req.headers, flows.purchase.completeSale);
        return { result: 'success' as const };
      },
    );
  });

  app.get(
    '/v1/payment-orders/:id',
    {
      schema: {
        tags: ['payments'],
        summary: "The consumer's own payment order",
        security: [{ bearer: [] }],
        params: idParam,
        response: { 200: paymentOrderView },
      },
    },
    async (req) => isoDates(await payments.getOrder(req.actor, req.params.id)),
  );
};
