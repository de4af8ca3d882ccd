import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import { quoteBody, quoteView } from '@wangbao/contracts/public';
import { isoDates, type RouteOptions } from '../../http.js';

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
        body: quoteBody,
        response: { 201: quoteView },
        errors: ['PRODUCT_NOT_ON_SALE', 'QUOTE_OPTION_INVALID', 'AGE_OUT_OF_RANGE'],
      },
    },
    async (req, reply) => reply.status(201).send(isoDates(await quotes.createQuote(req.actor, req.body))),
  );

  app.get(
    '/v1/quotes/:id',
    {
      schema: {
        tags: ['quotes'],
        summary: 'A quote; `expired` tells whether it may still start an application',
        params: idParam,
        response: { 200: quoteView },
      },
    },
    async (req) => isoDates(await quotes.getQuote(req.params.id)),
  );
};
