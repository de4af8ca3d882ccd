import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../../routes.js';

const paymentOrderResponse = z.object({
  id: z.string(),
  applicationId: z.string(),
  status: z.enum(['pending', 'paid', 'refused', 'expired']),
  amountFen: z.number().int(),
  payee: z.object({ accountName: z.string(), accountNo: z.string() }),
  payUrl: z.string().nullable(),
  expiresAt: z.date(),
  paidAt: z.date().nullable(),
  refusedAt: z.date().nullable(),
  refusedReason: z.string().nullable(),
  expiredAt: z.date().nullable(),
  payerAccountMasked: z.string().nullable(),
  refunds: z.array(
    z.object({
      id: z.string(),
      amountFen: z.number().int(),
      reason: z.string(),
      status: z.enum(['requested', 'completed', 'failed']),
      requestedAt: z.date(),
      completedAt: z.date().nullable(),
    }),
  ),
});

/** Payment routes: the gateway's notification endpoint and the consumer's order view. */
export const paymentRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const payments = services.payments;
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
          body: z.string().max(65_536),
          response: { 200: z.object({ result: z.literal('success') }) },
        },
      },
      async (req) => {
        await payments.handleNotification('dev-gateway', req.body, req.headers);
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
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: paymentOrderResponse },
      },
    },
    async (req) => payments.getOrder(req.actor, req.params.id),
  );
};
