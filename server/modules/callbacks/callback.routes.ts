import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import {
  callbackAnswerBody,
  callbackAnswerResult,
  callbackItemView,
  callbackList,
  callbackView,
  closingConfirmationBody,
  faceBody,
  identityCodeSent,
  idNumberBody,
  offerParam,
  phoneRequestBody,
  verifyCodeBody,
} from '@wangbao/contracts/consumer';
import {
  assignBody,
  attemptResult,
  callbackCase,
  callbackCaseList,
  type CallbackCase,
  callbackListQuery,
  callbackTaskAssigned,
  callbackTaskContact,
  callbackTaskList,
  callbackTaskScript,
  letterAttemptBody,
  mediaParam,
  mediaQuery,
  mediaResult,
  noteAdded,
  noteBody,
  offerDeclinedBody,
  phoneAttemptBody,
  problemCase,
  problemCaseAssigned,
  problemCaseList,
  problemListQuery,
  resolveBody,
  taskListQuery,
} from '@wangbao/contracts/console';
import { AppError } from '../../platform/errors.js';
import { isoDates, type RouteOptions } from '../../http.js';
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

  app.get(
    '/v1/callbacks',
    { schema: { tags: consumerTags, security, summary: "The signed-in policyholder's callbacks", response: { 200: callbackList } } },
    async (req) => ({
      items: await callbacks.listMyCallbacks(req.actor),
    }),
  );
  app.get(
    '/v1/callbacks/:id',
    { schema: { tags: consumerTags, security, summary: 'One callback', params: idParam, response: { 200: callbackView } } },
    async (req) => callbacks.getMyCallback(req.actor, req.params.id),
  );
  app.post(
    '/v1/callbacks/:id/start',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Start the electronic callback',
        errors: ['CALLBACK_CLOSED', 'CALLBACK_NOT_ELECTRONIC', 'CALLBACK_DEADLINE_PASSED', 'INVALID_STATE', 'CONFLICT'],
        description: 'The policyholder starts the electronic callback (CB: 由投保人主动发起).',
        params: idParam,
        response: { 200: callbackView },
      },
    },
    async (req) => callbacks.startCallback(req.actor, req.params.id),
  );
  app.post(
    '/v1/callbacks/:id/identity/sms-codes',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Send an SMS code for identity verification',
        errors: ['CALLBACK_CLOSED', 'CALLBACK_NOT_ELECTRONIC', 'CALLBACK_DEADLINE_PASSED', 'OTP_RESEND_TOO_SOON', 'RATE_LIMITED'],
        params: idParam,
        response: { 201: identityCodeSent },
      },
    },
    async (req, reply) => reply.status(201).send(isoDates(await callbacks.sendIdentityCode(req.actor, req.params.id))),
  );
  app.post(
    '/v1/callbacks/:id/identity/sms-verification',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Verify identity with the SMS code',
        errors: [
          'CALLBACK_CLOSED',
          'CALLBACK_NOT_ELECTRONIC',
          'CALLBACK_DEADLINE_PASSED',
          'OTP_INVALID',
          'OTP_EXPIRED',
          'OTP_TOO_MANY_ATTEMPTS',
        ],
        params: idParam,
        body: verifyCodeBody,
        response: { 200: callbackView },
      },
    },
    async (req) => callbacks.verifyIdentityCode(req.actor, req.params.id, req.body.code),
  );
  app.post(
    '/v1/callbacks/:id/identity/id-number',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Verify identity with the ID number',
        errors: [
          'CALLBACK_CLOSED',
          'CALLBACK_NOT_ELECTRONIC',
          'CALLBACK_DEADLINE_PASSED',
          'ID_NUMBER_INVALID',
          'CALLBACK_IDENTITY_MISMATCH',
        ],
        params: idParam,
        body: idNumberBody,
        response: { 200: callbackView },
      },
    },
    async (req) => callbacks.verifyIdNumber(req.actor, req.params.id, req.body.idNumber),
  );
  app.post(
    '/v1/callbacks/:id/identity/face',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Verify identity by face comparison',
        errors: ['CALLBACK_CLOSED', 'CALLBACK_NOT_ELECTRONIC', 'CALLBACK_DEADLINE_PASSED', 'FACE_MISMATCH'],
        params: idParam,
        body: faceBody,
        response: { 200: callbackView },
      },
    },
    async (req) => callbacks.verifyFace(req.actor, req.params.id, req.body.imageBase64),
  );
  app.get(
    '/v1/callbacks/:id/current-item',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'The item to answer now',
        errors: ['CALLBACK_CLOSED', 'CALLBACK_NOT_ELECTRONIC', 'CALLBACK_DEADLINE_PASSED', 'CALLBACK_IDENTITY_REQUIRED'],
        description: 'The next item, one at a time, or the closing confirmation; each showing is recorded.',
        params: idParam,
        response: { 200: callbackItemView },
      },
    },
    async (req) => callbacks.currentItem(req.actor, req.params.id),
  );
  app.post(
    '/v1/callbacks/:id/answers',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Answer the item shown',
        errors: [
          'CALLBACK_CLOSED',
          'CALLBACK_NOT_ELECTRONIC',
          'CALLBACK_DEADLINE_PASSED',
          'CALLBACK_IDENTITY_REQUIRED',
          'CALLBACK_ITEM_OUT_OF_ORDER',
          'CALLBACK_ITEM_NOT_SHOWN',
          'CALLBACK_ANSWER_FINAL',
          'CONFLICT',
        ],
        description: 'Answers the item shown: yes, no or not sure. An answer is final.',
        params: idParam,
        body: callbackAnswerBody,
        response: { 201: callbackAnswerResult },
      },
    },
    async (req, reply) => reply.status(201).send(await callbacks.answerItem(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/callbacks/:id/closing-confirmation',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Confirm the closing statement',
        errors: [
          'CALLBACK_CLOSED',
          'CALLBACK_NOT_ELECTRONIC',
          'CALLBACK_DEADLINE_PASSED',
          'CALLBACK_IDENTITY_REQUIRED',
          'CALLBACK_ITEMS_INCOMPLETE',
          'CALLBACK_ITEM_NOT_SHOWN',
          'CONFLICT',
        ],
        params: idParam,
        body: closingConfirmationBody,
        response: { 200: callbackView },
      },
    },
    async (req) => callbacks.confirmClosing(req.actor, req.params.id, req.body),
  );
  app.post(
    '/v1/callbacks/:id/phone-request',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Ask for a phone callback instead',
        errors: ['CALLBACK_CLOSED', 'CALLBACK_NOT_ELECTRONIC', 'CALLBACK_DEADLINE_PASSED', 'CONFLICT'],
        description: 'Stops the electronic callback and asks for a phone callback instead (CB).',
        params: idParam,
        body: phoneRequestBody,
        response: { 200: callbackView },
      },
    },
    async (req) => callbacks.requestPhoneCallback(req.actor, req.params.id, req.body ?? {}),
  );
  app.post(
    '/v1/callbacks/:id/refund-offers/:offerId/acceptance',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Accept a refund offer',
        errors: ['INVALID_STATE', 'CONFLICT', 'REFUND_EXCEEDS_PAID'],
        params: offerParam,
        response: { 200: callbackView },
      },
    },
    async (req) => callbacks.answerRefundOffer(req.actor, req.params.id, req.params.offerId, 'accepted'),
  );
  app.post(
    '/v1/callbacks/:id/refund-offers/:offerId/refusal',
    {
      schema: {
        tags: consumerTags,
        security,
        summary: 'Decline a refund offer',
        errors: ['INVALID_STATE', 'CONFLICT'],
        params: offerParam,
        response: { 200: callbackView },
      },
    },
    async (req) => callbacks.answerRefundOffer(req.actor, req.params.id, req.params.offerId, 'declined'),
  );

  // callback staff

  app.get(
    '/v1/console/callbacks',
    {
      schema: { tags: staffTags, security, summary: 'Callback cases', querystring: callbackListQuery, response: { 200: callbackCaseList } },
    },
    async (req) => ({ items: await callbacks.listCases(req.actor, req.query) }),
  );
  app.get(
    '/v1/console/callbacks/:id',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'One callback case, as staff see it',
        params: idParam,
        response: { 200: callbackCase },
      },
    },
    async (req) =>
      // The final record's reasons are read from a JSON column; the response schema checks their shape.
      (await callbacks.staffView(req.actor, req.params.id)) as CallbackCase,
  );
  app.post(
    '/v1/console/callbacks/:id/media',
    {
      bodyLimit: mediaLimit,
      schema: {
        tags: staffTags,
        security,
        summary: 'Upload a call recording or receipt scan',
        errors: ['UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'RECORDS_SHREDDED'],
        description: `Uploads a call recording or the scan of a signed receipt as raw bytes (${CALLBACK_MEDIA_TYPES.join(', ')}); stored by SHA-256, sealed in the ledger.`,
        params: idParam,
        querystring: mediaQuery,
        response: { 201: mediaResult },
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body))
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send the file as raw bytes: ${CALLBACK_MEDIA_TYPES.join(', ')}`);
      const stored = await callbacks.storeMedia(req.actor, req.params.id, {
        kind: req.query.kind,
        mediaType: req.headers['content-type'] ?? '',
        content: req.body,
      });
      return reply.status(201).send(stored);
    },
  );
  app.get(
    '/v1/console/callbacks/:id/media/:mediaId',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Read a stored recording or receipt scan',
        description:
          'A stored call recording or receipt scan, byte for byte; X-Content-SHA256 is the hash the ledger sealed. Logged as 调阅.',
        params: mediaParam,
      },
    },
    async (req, reply) => {
      const m = await callbacks.readMedia(req.actor, req.params.id, req.params.mediaId);
      return reply.type(m.mediaType).header('x-content-sha256', m.sha256).header('cache-control', 'private, no-store').send(m.content);
    },
  );
  app.get(
    '/v1/console/callback-tasks',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Phone and letter/visit tasks',
        querystring: taskListQuery,
        response: { 200: callbackTaskList },
      },
    },
    async (req) => ({
      items: await callbacks.listTasks(req.actor, {
        kind: req.query.kind,
        status: req.query.status,
        mine: req.query.mine === 'true',
        limit: req.query.limit,
      }),
    }),
  );
  app.get(
    '/v1/console/callback-tasks/:id/script',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'The script of a task',
        errors: ['CALLBACK_CLOSED'],
        description: 'The script the agent reads (or the letter prints); recorded as shown for the task.',
        params: idParam,
        response: { 200: callbackTaskScript },
      },
    },
    async (req) => callbacks.taskScript(req.actor, req.params.id),
  );
  app.get(
    '/v1/console/callback-tasks/:id/contact',
    {
      schema: {
        tags: staffTags,
        security,
        summary: "The policyholder's contact details for a task",
        description: 'The policyholder’s name and phone in full; every read is logged.',
        params: idParam,
        response: { 200: callbackTaskContact },
      },
    },
    async (req) => callbacks.contactOf(req.actor, req.params.id),
  );
  app.post(
    '/v1/console/callback-tasks/:id/assignment',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Assign a task',
        errors: ['INVALID_STATE', 'CONFLICT'],
        params: idParam,
        body: assignBody,
        response: { 200: callbackTaskAssigned },
      },
    },
    async (req) => callbacks.assignTask(req.actor, req.params.id, req.body ?? {}),
  );
  app.post(
    '/v1/console/callback-tasks/:id/phone-attempts',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Record a phone attempt',
        errors: [
          'CALLBACK_CLOSED',
          'INVALID_STATE',
          'CALLBACK_EVIDENCE_REQUIRED',
          'CALLBACK_ITEMS_INCOMPLETE',
          'CALLBACK_ITEM_NOT_SHOWN',
          'CONFLICT',
          'RECORDS_SHREDDED',
        ],
        description: 'One recorded call: outcome, recording, and the outcome of each item.',
        params: idParam,
        body: phoneAttemptBody,
        response: { 201: attemptResult },
      },
    },
    async (req, reply) => reply.status(201).send(await callbacks.recordPhoneAttempt(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/console/callback-tasks/:id/letter-attempts',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Record a letter or visit attempt',
        errors: [
          'CALLBACK_CLOSED',
          'INVALID_STATE',
          'CALLBACK_EVIDENCE_REQUIRED',
          'CALLBACK_ITEMS_INCOMPLETE',
          'CALLBACK_ITEM_NOT_SHOWN',
          'CONFLICT',
          'RECORDS_SHREDDED',
        ],
        description: 'A letter or visit: closed only with the scan of the receipt the policyholder signed.',
        params: idParam,
        body: letterAttemptBody,
        response: { 201: attemptResult },
      },
    },
    async (req, reply) => reply.status(201).send(await callbacks.recordLetterAttempt(req.actor, req.params.id, req.body)),
  );
  app.get(
    '/v1/console/callback-problems',
    { schema: { tags: staffTags, security, summary: 'Problem cases', querystring: problemListQuery, response: { 200: problemCaseList } } },
    async (req) => ({
      items: await callbacks.listProblems(req.actor, { status: req.query.status, mine: req.query.mine === 'true', limit: req.query.limit }),
    }),
  );
  app.get(
    '/v1/console/callback-problems/:id',
    { schema: { tags: staffTags, security, summary: 'One problem case', params: idParam, response: { 200: problemCase } } },
    async (req) => callbacks.getProblem(req.actor, req.params.id),
  );
  app.post(
    '/v1/console/callback-problems/:id/assignment',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Assign a problem case',
        errors: ['INVALID_STATE', 'CONFLICT'],
        params: idParam,
        body: assignBody,
        response: { 200: problemCaseAssigned },
      },
    },
    async (req) => callbacks.assignProblem(req.actor, req.params.id, req.body ?? {}),
  );
  app.post(
    '/v1/console/callback-problems/:id/notes',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Add an investigation note',
        errors: ['INVALID_STATE'],
        description: 'An investigation note; a correction is a new note naming the one it corrects.',
        params: idParam,
        body: noteBody,
        response: { 201: noteAdded },
      },
    },
    async (req, reply) => reply.status(201).send(await callbacks.addNote(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/console/callback-problems/:id/resolution',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Resolve a problem case',
        errors: ['INVALID_STATE', 'CONFLICT', 'CALLBACK_EVIDENCE_REQUIRED'],
        params: idParam,
        body: resolveBody,
        response: { 200: problemCase },
      },
    },
    async (req) => callbacks.resolveProblem(req.actor, req.params.id, req.body),
  );
  app.post(
    '/v1/console/callback-problems/:id/refund-offer-refusal',
    {
      schema: {
        tags: staffTags,
        security,
        summary: 'Record a refund offer declined by phone',
        errors: ['INVALID_STATE', 'CONFLICT', 'CALLBACK_EVIDENCE_REQUIRED'],
        params: idParam,
        body: offerDeclinedBody,
        response: { 200: problemCase },
      },
    },
    async (req) => callbacks.recordOfferDeclinedByPhone(req.actor, req.params.id, req.body),
  );
};
