import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteOptions } from '../routes.js';
import { DISPUTE_KINDS } from '../modules/records/index.js';

const tags = ['可回溯 ledger'];
const b64 = (b: Buffer) => b.toString('base64');
const count = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The ledger's public face (M§33): anyone may fetch the signed checkpoint and proofs and check them with any
 * RFC 9162 implementation, as Certificate Transparency logs are checked.
 */
export const ledgerRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { ledger, replay, records } = services;
  const staffOnly = [{ bearer: [] }];
  const sale = z.union([z.object({ applicationId: z.string().min(1).max(64) }), z.object({ policyNumber: z.string().min(1).max(32) })]);

  app.post(
    '/v1/console/disputes',
    {
      schema: {
        tags,
        security: staffOnly,
        description: "Puts a sale under dispute (claims, complaints, compliance): its records are held until the dispute ends, then kept 2 more years.",
        body: z.intersection(sale, z.object({ kind: z.enum(DISPUTE_KINDS), reference: z.string().min(1).max(200) })),
      },
    },
    async (req, reply) => reply.code(201).send(await records.openDispute(req.actor, req.body)),
  );
  app.post(
    '/v1/console/disputes/:id/end',
    { schema: { tags, security: staffOnly, params: z.object({ id: z.string().min(1).max(64) }) } },
    async (req) => records.endDispute(req.actor, req.params.id),
  );
  app.get(
    '/v1/console/records/retention',
    { schema: { tags, security: staffOnly, description: "A sale's retention end (requirements §2.4), or held by an open dispute.", querystring: sale } },
    async (req) => records.retentionOf(req.actor, req.query),
  );
  app.post(
    '/v1/console/records/shred',
    {
      schema: {
        tags,
        security: staffOnly,
        description: "Crypto-shredding after retention (compliance officers): destroys the sale's data key; its ledger entries stay and still verify.",
        body: z.intersection(sale, z.object({ reason: z.string().min(1).max(500) })),
      },
    },
    async (req) => records.shredSale(req.actor, req.body),
  );

  app.get(
    '/v1/console/replay/applications/:id',
    { schema: { tags, security: [{ bearer: [] }], description: 'Replay of a sale (调阅): compliance officers and auditors; the read is logged.', params: z.object({ id: z.string().min(1).max(64) }) } },
    async (req) => replay.replay(req.actor, { applicationId: req.params.id }),
  );
  app.get(
    '/v1/console/replay/policies/:policyNumber',
    { schema: { tags, security: [{ bearer: [] }], params: z.object({ policyNumber: z.string().min(1).max(32) }) } },
    async (req) => replay.replay(req.actor, { policyNumber: req.params.policyNumber }),
  );

  app.get(
    '/v1/ledger/checkpoint',
    { schema: { tags, description: 'The latest signed checkpoint, in the C2SP signed-note format (text/plain).' } },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send((await ledger.latestCheckpoint()).note),
  );
  app.get(
    '/v1/ledger/proofs/inclusion',
    {
      schema: {
        tags,
        querystring: z.object({ index: count, treeSize: count.optional() }),
        response: { 200: z.object({ index: z.number(), treeSize: z.number(), leafHash: z.string(), proof: z.array(z.string()), root: z.string() }) },
      },
    },
    async (req) => {
      const p = await ledger.inclusionProof(req.query.index, req.query.treeSize);
      return { index: p.index, treeSize: p.treeSize, leafHash: b64(p.leafHash), proof: p.proof.map(b64), root: b64(p.root) };
    },
  );
  app.get(
    '/v1/ledger/proofs/consistency',
    {
      schema: {
        tags,
        querystring: z.object({ from: count, to: count }),
        response: { 200: z.object({ from: z.number(), to: z.number(), proof: z.array(z.string()), rootFrom: z.string(), rootTo: z.string() }) },
      },
    },
    async (req) => {
      const p = await ledger.consistencyProof(req.query.from, req.query.to);
      return { from: p.from, to: p.to, proof: p.proof.map(b64), rootFrom: b64(p.rootFrom), rootTo: b64(p.rootTo) };
    },
  );
};
