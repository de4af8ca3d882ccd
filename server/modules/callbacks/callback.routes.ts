import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  mediaParam,
  assignBody,
  attemptResult,
  callbackAnswerBody,
  callbackAnswerResult,
  callbackIdParam,
  callbackItemView,
  callbackListQuery,
  callbackView,
  closingConfirmationBody,
  idNumberBody,
  letterAttemptBody,
  mediaQuery,
  mediaResult,
  noteBody,
  offerDeclinedBody,
  offerParam,
  phoneAttemptBody,
  phoneRequestBody,
  problemListQuery,
  resolveBody,
  taskListQuery,
} from '../../../contracts/callbacks.js';
import { faceBody, verifyCodeBody } from '../../../contracts/sales.js';
import { AppError } from '../../platform/errors.js';
import type { RouteOptions } from '../../routes.js';
import { CALLBACK_MEDIA_TYPES } from './callback-tasks.service.js';

const consumerTags = ['回访 callback'];
const staffTags = ['回访作业 callback console'];
const security = [{ bearer: [] }];

/**
 * The electronic callback (CB, requirements §2.7): the policyholder's pages under /v1/callbacks, and the callback
 * agents' console under /v1/console/callback*. Thin routes: every rule, and every permission, is in the services.
 * No route edits or removes an answer; answers are only ever added, once per item per attempt.
 */
export const callbackRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services, platform }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { callbacks } = services;
  const mediaLimit = platform.config.CALLBACK_MEDIA_MAX_BYTES;

  // Recordings and receipt scans arrive as raw bytes; this parser lives only inside this plugin's routes.
  app.addContentTypeParser(CALLBACK_MEDIA_TYPES, { parseAs: 'buffer', bodyLimit: mediaLimit }, (_req, body, done) => done(null, body));

  // the policyholder

  app.get('/v1/callbacks', { schema: { tags: consumerTags, security, response: { 200: z.object({ items: z.array(callbackView) }) } } }, async (req) => ({
    items: await callbacks.listMyCallbacks(req.actor),
  }));
  app.get('/v1/callbacks/:id', { schema: { tags: consumerTags, security, params: callbackIdParam, response: { 200: callbackView } } }, async (req) =>
    callbacks.getMyCallback(req.actor, req.params.id),
  );
  app.post(
    '/v1/callbacks/:id/start',
    { schema: { tags: consumerTags, security, description: 'The policyholder starts the electronic callback (CB: 由投保人主动发起).', params: callbackIdParam, response: { 200: callbackView } } },
    async (req) => callbacks.startCallback(req.actor, req.params.id),
  );
  app.post(
    '/v1/callbacks/:id/identity/sms-codes',
    { schema: { tags: consumerTags, security, params: callbackIdParam, response: { 201: z.object({ challengeId: z.string(), expiresAt: z.date(), maskedPhone: z.string() }) } } },
    async (req, reply) => reply.status(201).send(await callbacks.sendIdentityCode(req.actor, req.params.id)),
  );
  app.post('/v1/callbacks/:id/identity/sms-verification', { schema: { tags: consumerTags, security, params: callbackIdParam, body: verifyCodeBody, response: { 200: callbackView } } }, async (req) =>
    callbacks.verifyIdentityCode(req.actor, req.params.id, req.body.code),
  );
  app.post('/v1/callbacks/:id/identity/id-number', { schema: { tags: consumerTags, security, params: callbackIdParam, body: idNumberBody, response: { 200: callbackView } } }, async (req) =>
    callbacks.verifyIdNumber(req.actor, req.params.id, req.body.idNumber),
  );
  app.post('/v1/callbacks/:id/identity/face', { schema: { tags: consumerTags, security, params: callbackIdParam, body: faceBody, response: { 200: callbackView } } }, async (req) =>
    callbacks.verifyFace(req.actor, req.params.id, req.body.imageBase64),
  );
  app.get(
    '/v1/callbacks/:id/current-item',
    { schema: { tags: consumerTags, security, description: 'The next item, one at a time, or the closing confirmation; each showing is recorded.', params: callbackIdParam, response: { 200: callbackItemView } } },
    async (req) => callbacks.currentItem(req.actor, req.params.id),
  );
  app.post(
    '/v1/callbacks/:id/answers',
    { schema: { tags: consumerTags, security, description: 'Answers the item shown: yes, no or not sure. An answer is final.', params: callbackIdParam, body: callbackAnswerBody, response: { 201: callbackAnswerResult } } },
    async (req, reply) => reply.status(201).send(await callbacks.answerItem(req.actor, req.params.id, req.body)),
  );
  app.post('/v1/callbacks/:id/closing-confirmation', { schema: { tags: consumerTags, security, params: callbackIdParam, body: closingConfirmationBody, response: { 200: callbackView } } }, async (req) =>
    callbacks.confirmClosing(req.actor, req.params.id, req.body),
  );
  app.post(
    '/v1/callbacks/:id/phone-request',
    { schema: { tags: consumerTags, security, description: 'Stops the electronic callback and asks for a phone callback instead (CB).', params: callbackIdParam, body: phoneRequestBody, response: { 200: callbackView } } },
    async (req) => callbacks.requestPhoneCallback(req.actor, req.params.id, req.body ?? {}),
  );
  app.post('/v1/callbacks/:id/refund-offers/:offerId/acceptance', { schema: { tags: consumerTags, security, params: offerParam, response: { 200: callbackView } } }, async (req) =>
    callbacks.answerRefundOffer(req.actor, req.params.id, req.params.offerId, 'accepted'),
  );
  app.post('/v1/callbacks/:id/refund-offers/:offerId/refusal', { schema: { tags: consumerTags, security, params: offerParam, response: { 200: callbackView } } }, async (req) =>
    callbacks.answerRefundOffer(req.actor, req.params.id, req.params.offerId, 'declined'),
  );

  // callback staff

  app.get('/v1/console/callbacks', { schema: { tags: staffTags, security, querystring: callbackListQuery } }, async (req) => ({ items: await callbacks.listCases(req.actor, req.query) }));
  app.get('/v1/console/callbacks/:id', { schema: { tags: staffTags, security, params: callbackIdParam } }, async (req) => callbacks.staffView(req.actor, req.params.id));
  app.post(
    '/v1/console/callbacks/:id/media',
    {
      bodyLimit: mediaLimit,
      schema: {
        tags: staffTags,
        security,
        description: `Uploads a call recording or the scan of a signed receipt as raw bytes (${CALLBACK_MEDIA_TYPES.join(', ')}); stored by SHA-256, sealed in the ledger.`,
        params: callbackIdParam,
        querystring: mediaQuery,
        response: { 201: mediaResult },
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send the file as raw bytes: ${CALLBACK_MEDIA_TYPES.join(', ')}`);
      const stored = await callbacks.storeMedia(req.actor, req.params.id, { kind: req.query.kind, mediaType: req.headers['content-type'] ?? '', content: req.body });
      return reply.status(201).send(stored);
    },
  );
  app.get(
    '/v1/console/callbacks/:id/media/:mediaId',
    { schema: { tags: staffTags, security, description: 'A stored call recording or receipt scan, byte for byte; X-Content-SHA256 is the hash the ledger sealed. Logged as 调阅.', params: mediaParam } },
    async (req, reply) => {
      const m = await callbacks.readMedia(req.actor, req.params.id, req.params.mediaId);
      return reply.type(m.mediaType).header('x-content-sha256', m.sha256).header('cache-control', 'private, no-store').send(m.content);
    },
  );
  app.get('/v1/console/callback-tasks', { schema: { tags: staffTags, security, querystring: taskListQuery } }, async (req) => ({
    items: await callbacks.listTasks(req.actor, { kind: req.query.kind, status: req.query.status, mine: req.query.mine === 'true', limit: req.query.limit }),
  }));
  app.get(
    '/v1/console/callback-tasks/:id/script',
    { schema: { tags: staffTags, security, description: 'The script the agent reads (or the letter prints); recorded as shown for the task.', params: callbackIdParam } },
    async (req) => callbacks.taskScript(req.actor, req.params.id),
  );
  app.get('/v1/console/callback-tasks/:id/contact', { schema: { tags: staffTags, security, description: 'The policyholder’s name and phone in full; every read is logged.', params: callbackIdParam } }, async (req) =>
    callbacks.contactOf(req.actor, req.params.id),
  );
  app.post('/v1/console/callback-tasks/:id/assignment', { schema: { tags: staffTags, security, params: callbackIdParam, body: assignBody } }, async (req) =>
    callbacks.assignTask(req.actor, req.params.id, req.body ?? {}),
  );
  app.post(
    '/v1/console/callback-tasks/:id/phone-attempts',
    { schema: { tags: staffTags, security, description: 'One recorded call: outcome, recording, and the outcome of each item.', params: callbackIdParam, body: phoneAttemptBody, response: { 201: attemptResult } } },
    async (req, reply) => reply.status(201).send(await callbacks.recordPhoneAttempt(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/console/callback-tasks/:id/letter-attempts',
    { schema: { tags: staffTags, security, description: 'A letter or visit: closed only with the scan of the receipt the policyholder signed.', params: callbackIdParam, body: letterAttemptBody, response: { 201: attemptResult } } },
    async (req, reply) => reply.status(201).send(await callbacks.recordLetterAttempt(req.actor, req.params.id, req.body)),
  );
  app.get('/v1/console/callback-problems', { schema: { tags: staffTags, security, querystring: problemListQuery } }, async (req) => ({
    items: await callbacks.listProblems(req.actor, { status: req.query.status, mine: req.query.mine === 'true', limit: req.query.limit }),
  }));
  app.get('/v1/console/callback-problems/:id', { schema: { tags: staffTags, security, params: callbackIdParam } }, async (req) => callbacks.getProblem(req.actor, req.params.id));
  app.post('/v1/console/callback-problems/:id/assignment', { schema: { tags: staffTags, security, params: callbackIdParam, body: assignBody } }, async (req) =>
    callbacks.assignProblem(req.actor, req.params.id, req.body ?? {}),
  );
  app.post(
    '/v1/console/callback-problems/:id/notes',
    { schema: { tags: staffTags, security, description: 'An investigation note; a correction is a new note naming the one it corrects.', params: callbackIdParam, body: noteBody, response: { 201: z.object({ noteId: z.string() }) } } },
    async (req, reply) => reply.status(201).send(await callbacks.addNote(req.actor, req.params.id, req.body)),
  );
  app.post('/v1/console/callback-problems/:id/resolution', { schema: { tags: staffTags, security, params: callbackIdParam, body: resolveBody } }, async (req) =>
    callbacks.resolveProblem(req.actor, req.params.id, req.body),
  );
  app.post('/v1/console/callback-problems/:id/refund-offer-refusal', { schema: { tags: staffTags, security, params: callbackIdParam, body: offerDeclinedBody } }, async (req) =>
    callbacks.recordOfferDeclinedByPhone(req.actor, req.params.id, req.body),
  );
};
