import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParam } from '@wangbao/contracts/common';
import {
  answerBody,
  answerRecorded,
  applicationDocument,
  applicationView,
  consentGiven,
  consentKindParam,
  consentTextView,
  faceBody,
  giveConsentBody,
  identityCodeSent,
  paymentOrderOpened,
  policyView,
  sendCodeBody,
  signatureResult,
  signBody,
  startApplicationBody,
  submissionResult,
  verifyCodeBody,
} from '@wangbao/contracts/consumer';
import { isoDates, type RouteOptions } from '../../http.js';

const tags = ['投保 application'];
const security = [{ bearer: [] }];

/** The consumer's purchase journey (投保) after the quote: thin routes over the sales use cases. */
export const salesRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { applications, submissions, signatures, checkout, policies } = services;

  app.post(
    '/v1/applications',
    {
      schema: {
        tags,
        security,
        summary: 'Start an application from a quote',
        body: startApplicationBody,
        response: { 201: applicationView },
        errors: [
          'QUOTE_EXPIRED',
          'QUOTE_MISMATCH',
          'PRODUCT_NOT_ON_SALE',
          'ID_NUMBER_INVALID',
          'ID_NUMBER_MISMATCH',
          'RELATIONSHIP_NOT_ALLOWED',
          'BENEFICIARIES_INVALID',
          'AGE_OUT_OF_RANGE',
        ],
      },
    },
    async (req, reply) => reply.status(201).send(await applications.startApplication(req.actor, req.body)),
  );
  app.get(
    '/v1/applications/:id',
    { schema: { tags, security, summary: 'An application and what it still needs', params: idParam, response: { 200: applicationView } } },
    async (req) => applications.getApplication(req.actor, req.params.id),
  );
  app.get(
    '/v1/applications/:id/consents/:kind',
    {
      schema: {
        tags,
        security,
        summary: 'Show one confirmation text',
        description: 'Shows one confirmation text on its own page and records that this version was shown (M§17(5)).',
        params: consentKindParam,
        response: { 200: consentTextView },
        errors: ['INVALID_STATE', 'RECORDS_SHREDDED'],
      },
    },
    async (req) => isoDates(await applications.showConsentText(req.actor, req.params.id, req.params.kind)),
  );
  app.post(
    '/v1/applications/:id/consents',
    {
      schema: {
        tags,
        security,
        summary: 'Give a confirmation, actively',
        params: idParam,
        body: giveConsentBody,
        response: { 201: consentGiven },
        errors: ['INVALID_STATE', 'CONSENT_NOT_ACTIVE', 'CONSENT_TEXT_UNKNOWN', 'RECORDS_SHREDDED'],
      },
    },
    async (req, reply) => reply.status(201).send(await applications.giveConsent(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/applications/:id/answers',
    {
      schema: {
        tags,
        security,
        summary: 'Answer one questionnaire item',
        params: idParam,
        body: answerBody,
        response: { 201: answerRecorded },
        errors: ['INVALID_STATE', 'QUESTION_UNKNOWN', 'RECORDS_SHREDDED'],
      },
    },
    async (req, reply) => reply.status(201).send(await applications.answerQuestion(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/applications/:id/identity/sms-codes',
    {
      schema: {
        tags,
        security,
        summary: "Send an SMS code to a party's phone for identity verification",
        params: idParam,
        body: sendCodeBody,
        response: { 201: identityCodeSent },
        errors: ['INVALID_STATE', 'OTP_RESEND_TOO_SOON', 'RATE_LIMITED'],
      },
    },
    async (req, reply) => reply.status(201).send(isoDates(await applications.sendIdentityCode(req.actor, req.params.id, req.body.party))),
  );
  app.post(
    '/v1/applications/:id/identity/sms-verification',
    {
      schema: {
        tags,
        security,
        summary: 'Verify identity with the SMS code',
        params: idParam,
        body: verifyCodeBody,
        response: { 200: applicationView },
        errors: ['INVALID_STATE', 'OTP_INVALID', 'OTP_EXPIRED', 'OTP_TOO_MANY_ATTEMPTS'],
      },
    },
    async (req) => applications.verifyIdentityCode(req.actor, req.params.id, req.body.code),
  );
  app.post(
    '/v1/applications/:id/identity/face',
    {
      schema: {
        tags,
        security,
        summary: 'Verify identity by face comparison',
        params: idParam,
        body: faceBody,
        response: { 200: applicationView },
        errors: ['INVALID_STATE', 'FACE_MISMATCH'],
      },
    },
    async (req) => applications.verifyFace(req.actor, req.params.id, req.body.imageBase64),
  );
  app.post(
    '/v1/applications/:id/submission',
    {
      schema: {
        tags,
        security,
        summary: 'Submit the application to underwriting',
        params: idParam,
        response: { 200: submissionResult },
        errors: [
          'INVALID_STATE',
          'CONFLICT',
          'CONSENT_MISSING',
          'IDENTITY_NOT_VERIFIED',
          'QUESTIONNAIRE_INCOMPLETE',
          'SUITABILITY_MISMATCH',
          'UNDERWRITING_DECLINED',
        ],
      },
    },
    async (req) => submissions.submitApplication(req.actor, req.params.id),
  );
  app.get(
    '/v1/applications/:id/document',
    {
      schema: {
        tags,
        security,
        summary: 'The application document to sign, with its hash',
        params: idParam,
        response: { 200: applicationDocument },
        errors: ['INVALID_STATE'],
      },
    },
    async (req) => signatures.showDocument(req.actor, req.params.id),
  );
  app.post(
    '/v1/applications/:id/signatures',
    {
      schema: {
        tags,
        security,
        summary: 'Sign the application document',
        params: idParam,
        body: signBody,
        response: { 201: signatureResult },
        errors: [
          'INVALID_STATE',
          'IDENTITY_NOT_VERIFIED',
          'SIGNATURE_DOCUMENT_MISMATCH',
          'OTP_INVALID',
          'OTP_EXPIRED',
          'OTP_TOO_MANY_ATTEMPTS',
        ],
      },
    },
    async (req, reply) => reply.status(201).send(await signatures.sign(req.actor, req.params.id, req.body)),
  );
  app.post(
    '/v1/applications/:id/payment-orders',
    {
      schema: {
        tags,
        security,
        summary: 'Open a payment order for the premium',
        params: idParam,
        response: { 201: paymentOrderOpened },
        errors: ['INVALID_STATE', 'SIGNATURE_MISSING', 'QUOTE_EXPIRED'],
      },
    },
    async (req, reply) => reply.status(201).send(isoDates(await checkout.openPayment(req.actor, req.params.id))),
  );
  app.get(
    '/v1/applications/:id/policy',
    { schema: { tags, security, summary: 'The policy issued from this application', params: idParam, response: { 200: policyView } } },
    async (req) => policies.getPolicyByApplication(req.actor, req.params.id),
  );
};
