import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import { invoiceList } from '@wangbao/contracts/consumer';
import { documentCertificates } from '@wangbao/contracts/public';
import type { RouteOptions } from '../../http.js';

const tags = ['电子保单与发票 documents'];
const security = [{ bearer: [] }];

/** A PDF answer: the file name in RFC 6266 form so Chinese names survive, and the content hash for the record. */
function pdfReply(reply: FastifyReply, d: { fileName: string; pdf: Buffer; content_hash: string; version: number }) {
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
    {
      schema: {
        tags,
        security,
        summary: 'Download the e-policy (PDF)',
        errors: ['DOCUMENT_NOT_READY', 'RECORDS_SHREDDED'],
        description: 'The signed e-policy PDF (PAdES), latest version; generated on demand if the job has not yet.',
        params: idParam,
      },
    },
    async (req, reply) => pdfReply(reply, await documents.downloadEPolicy(req.actor, req.params.id)),
  );
  app.get(
    '/v1/policies/:id/invoices',
    { schema: { tags, security, summary: "A policy's invoices", params: idParam, response: { 200: invoiceList } } },
    async (req) => ({ items: await documents.listInvoices(req.actor, req.params.id) }),
  );
  app.get(
    '/v1/public/document-certificates',
    {
      schema: {
        tags,
        summary: 'The certificates that sign documents',
        description:
          'The certificates that sign e-policies, invoices and reports (PEM), signing certificate first: import the last into a PDF viewer to check a signature on your own.',
        response: { 200: documentCertificates },
      },
    },
    async () => ({ items: documents.signingCertificates() }),
  );
  app.get(
    '/v1/invoices/:id/pdf',
    {
      schema: {
        tags,
        security,
        summary: 'Download an invoice (PDF)',
        description: 'The signed invoice PDF.',
        params: idParam,
        errors: ['DOCUMENT_NOT_READY'],
      },
    },
    async (req, reply) => pdfReply(reply, await documents.downloadInvoice(req.actor, req.params.id)),
  );
};
