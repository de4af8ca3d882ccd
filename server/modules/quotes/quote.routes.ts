import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../../routes.js';
import { paymentModes } from '../products/index.js';
import type { Quote } from './quote.service.js';

const quoteInput = z.object({
  productCode: z.string().min(1).max(64),
  insuredBirthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
  insuredGender: z.enum(['M', 'F']),
  termYears: z.number().int().min(1).max(100),
  paymentMode: z.enum(paymentModes),
  sumInsuredFen: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

const quoteResponse = z.object({
  id: z.string(),
  productCode: z.string(),
  productVersionId: z.string(),
  productVersion: z.number().int(),
  options: quoteInput.extend({ insuredAge: z.number().int(), quotedOn: z.string() }),
  /** Premium per installment, in fen. */
  premiumFen: z.number().int(),
  cashValues: z.array(z.object({ policyYear: z.number().int(), cashValueFen: z.number().int() })),
  expiresAt: z.date(),
  createdAt: z.date(),
  expired: z.boolean(),
});

const toResponse = (q: Quote): z.infer<typeof quoteResponse> => q;

/** Premium quotes: anyone may quote, signed in or not. */
export const quoteRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const quotes = services.quotes;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/quotes',
    {
      schema: {
        tags: ['quotes'],
        summary: 'Quote a premium from the rating table of the version on sale',
        body: quoteInput,
        response: { 201: quoteResponse },
      },
    },
    async (req, reply) => reply.status(201).send(toResponse(await quotes.createQuote(req.actor, req.body))),
  );

  app.get(
    '/v1/quotes/:id',
    {
      schema: {
        tags: ['quotes'],
        summary: 'A quote; `expired` tells whether it may still start an application',
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: quoteResponse },
      },
    },
    async (req) => toResponse(await quotes.getQuote(req.params.id)),
  );
};
