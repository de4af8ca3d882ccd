import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import {
  disputeEnded,
  disputeOpened,
  openDisputeBody,
  policyNumberParam,
  saleReplay,
  saleRef,
  saleRetention,
  saleShredded,
  shredBody,
} from '@wangbao/contracts/console';
import { consistencyProof, consistencyProofQuery, inclusionProof, inclusionProofQuery, ledgerPublicKey } from '@wangbao/contracts/public';
import { isoDates, type RouteOptions } from '../http.js';

const tags = ['可回溯 ledger'];
const b64 = (b: Buffer) => b.toString('base64');

/**
 * The ledger's public face (M§33): anyone may fetch the signed checkpoint and proofs and check them with any
 * RFC 9162 implementation, as Certificate Transparency logs are checked.
 */
export const ledgerRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { ledger, replay, records } = services;
  const staffOnly = [{ bearer: [] }];

  app.post(
    '/v1/console/disputes',
    {
      schema: {
        tags,
        security: staffOnly,
        summary: 'Put a sale under dispute',
        description:
          'Puts a sale under dispute (claims, complaints, compliance): its records are held until the dispute ends, then kept 2 more years.',
        body: openDisputeBody,
        response: { 201: disputeOpened },
        errors: ['CONFLICT'],
      },
    },
    async (req, reply) => reply.code(201).send(isoDates(await records.openDispute(req.actor, req.body))),
  );
  app.post(
    '/v1/console/disputes/:id/end',
    {
      schema: {
        tags,
        security: staffOnly,
        summary: 'End a dispute',
        params: idParam,
        response: { 200: disputeEnded },
        errors: ['INVALID_STATE'],
      },
    },
    async (req) => isoDates(await records.endDispute(req.actor, req.params.id)),
  );
  app.get(
    '/v1/console/records/retention',
    {
      schema: {
        tags,
        security: staffOnly,
        summary: "A sale's retention",
        description: "A sale's retention end (requirements §2.4), or held by an open dispute.",
        querystring: saleRef,
        response: { 200: saleRetention },
      },
    },
    async (req) => records.retentionOf(req.actor, req.query),
  );
  app.post(
    '/v1/console/records/shred',
    {
      schema: {
        tags,
        security: staffOnly,
        summary: "Shred a sale's personal data after retention",
        description:
          "Crypto-shredding after retention (compliance officers): destroys the sale's data key; its ledger entries stay and still verify.",
        body: shredBody,
        response: { 200: saleShredded },
        errors: ['RETENTION_NOT_ENDED', 'RECORDS_SHREDDED'],
      },
    },
    async (req) => isoDates(await records.shredSale(req.actor, req.body)),
  );

  app.get(
    '/v1/console/replay/applications/:id',
    {
      schema: {
        tags,
        security: staffOnly,
        summary: 'Replay a sale by application',
        description: 'Replay of a sale (调阅): compliance officers and auditors; the read is logged.',
        params: idParam,
        response: { 200: saleReplay },
      },
    },
    async (req) => replay.replay(req.actor, { applicationId: req.params.id }),
  );
  app.get(
    '/v1/console/replay/policies/:policyNumber',
    {
      schema: {
        tags,
        security: staffOnly,
        summary: 'Replay a sale by policy number',
        params: policyNumberParam,
        response: { 200: saleReplay },
      },
    },
    async (req) => replay.replay(req.actor, { policyNumber: req.params.policyNumber }),
  );

  app.get(
    '/v1/ledger/checkpoint',
    {
      schema: {
        tags,
        summary: 'The latest signed checkpoint',
        description: 'The latest signed checkpoint, in the C2SP signed-note format (text/plain).',
      },
    },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send((await ledger.latestCheckpoint()).note),
  );
  app.get(
    '/v1/ledger/public-key',
    {
      schema: {
        tags,
        summary: "The ledger's public key, for auditors to pin",
        description:
          'The key that signs every checkpoint: its algorithm, its SubjectPublicKeyInfo PEM (openssl reads it) and its C2SP signed-note ' +
          'key ID and verifier key. Keep it from a first fetch (or from the filing that publishes it) and check later checkpoints and ' +
          'evidence bundles against the kept copy, not against a key that comes with them.',
        response: {
          200: ledgerPublicKey,
        },
      },
    },
    async () => {
      const v = ledger.verifier;
      return {
        origin: ledger.origin,
        hash: ledger.suite,
        algorithm: v.algorithm,
        keyName: v.name,
        keyId: v.keyHash.toString(16).padStart(8, '0'),
        publicKeyPem: v.publicKeyPem,
        verifierKey: v.vkey,
      };
    },
  );
  app.get(
    '/v1/ledger/proofs/inclusion',
    {
      schema: {
        tags,
        summary: 'An inclusion proof of one entry',
        querystring: inclusionProofQuery,
        response: { 200: inclusionProof },
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
        summary: 'A consistency proof between two tree sizes',
        querystring: consistencyProofQuery,
        response: { 200: consistencyProof },
      },
    },
    async (req) => {
      const p = await ledger.consistencyProof(req.query.from, req.query.to);
      return { from: p.from, to: p.to, proof: p.proof.map(b64), rootFrom: b64(p.rootFrom), rootTo: b64(p.rootTo) };
    },
  );
};
