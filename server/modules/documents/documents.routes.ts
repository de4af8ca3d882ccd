import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam } from '../../../contracts/sales.js';
import type { RouteOptions } from '../../routes.js';

const tags = ['电子保单与发票 documents'];
const security = [{ bearer: [] }];

const invoiceView = z.object({
  id: z.string(),
  kind: z.enum(['blue', 'red']).describe('blue: the invoice of a premium payment; red (红字发票): negative, offsets a blue one when premium goes back'),
  invoiceNumber: z.string(),
  offsetsInvoiceNumber: z.string().nullable().describe('for a red invoice, the blue invoice it offsets'),
  issuedAt: z.string(),
  amountFen: z.number(),
  amountExclTaxFen: z.number(),
  taxRateBp: z.number(),
  taxFen: z.number(),
  taxExempt: z.boolean(),
  itemName: z.string(),
  sellerName: z.string(),
  sellerTaxId: z.string(),
});

/** A PDF answer: the file name in RFC 6266 form so Chinese names survive, and the content hash for the record. */
function pdfReply(reply: import('fastify').FastifyReply, d: { fileName: string; pdf: Buffer; content_hash: string; version: number }) {
  return reply
    .type('application/pdf')
    .header('content-disposition', `attachment; filename="document.pdf"; filename*=UTF-8''${encodeURIComponent(d.fileName)}`)
    .header('x-content-sha256', d.content_hash)
    .header('x-document-version', String(d.version))
    .header('cache-control', 'private, no-store')
    .send(d.pdf);
}

/** The owner's electronic policy and invoices (M§22): query and download. */
export const documentRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { documents } = services;

  app.get(
    '/v1/policies/:id/e-policy',
    { schema: { tags, security, description: 'The signed e-policy PDF (PAdES), latest version; generated on demand if the job has not yet.', params: idParam } },
    async (req, reply) => pdfReply(reply, await documents.downloadEPolicy(req.actor, req.params.id)),
  );
  app.get(
    '/v1/policies/:id/invoices',
    { schema: { tags, security, params: idParam, response: { 200: z.object({ items: z.array(invoiceView) }) } } },
    async (req) => ({ items: await documents.listInvoices(req.actor, req.params.id) }),
  );
  app.get(
    '/v1/public/document-certificates',
    {
      schema: {
        tags,
        description: 'The certificates that sign e-policies, invoices and reports (PEM), signing certificate first: import the last into a PDF viewer to check a signature on your own.',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                role: z.enum(['signing', 'issuer']),
                subjectCommonName: z.string().nullable(),
                sha256: z.string(),
                notBefore: z.string(),
                notAfter: z.string(),
                isCa: z.boolean(),
                pem: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({ items: documents.signingCertificates() }),
  );
  app.get(
    '/v1/invoices/:id/pdf',
    { schema: { tags, security, description: 'The signed invoice PDF.', params: idParam } },
    async (req, reply) => pdfReply(reply, await documents.downloadInvoice(req.actor, req.params.id)),
  );
};
