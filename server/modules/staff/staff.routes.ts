import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createStaffBody, staffCreated, staffMe, staffSession, staffSignInBody } from '@wangbao/contracts/console';
import { bearerToken, isoDates, type RouteOptions } from '../../http.js';

/** Staff sign-in with password and TOTP, and account creation by the security administrator (M§38, 等保三级). */
export const staffRoutes: FastifyPluginAsync<RouteOptions> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['staff'];

  app.post(
    '/v1/staff/sessions',
    {
      schema: {
        tags,
        summary: 'Sign in with username, password and TOTP code',
        body: staffSignInBody,
        response: { 201: staffSession },
        errors: ['CREDENTIALS_INVALID', 'ACCOUNT_LOCKED', 'RATE_LIMITED'],
      },
    },
    async (req, reply) =>
      reply.status(201).send(await services.staff.signIn({ ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] })),
  );

  app.delete('/v1/staff/sessions/current', { schema: { tags, summary: 'Sign out', security: [{ bearer: [] }] } }, async (req, reply) => {
    await services.staff.signOut(req.actor, { token: bearerToken(req) });
    return reply.status(204).send();
  });

  app.get(
    '/v1/staff/me',
    {
      schema: {
        tags,
        summary: 'The signed-in staff member',
        security: [{ bearer: [] }],
        response: { 200: staffMe },
      },
    },
    async (req) => isoDates(await services.staff.me(req.actor)),
  );

  app.post(
    '/v1/console/staff',
    {
      schema: {
        tags,
        summary: 'Create a staff account (security administrator); the TOTP secret is shown once',
        security: [{ bearer: [] }],
        body: createStaffBody,
        response: { 201: staffCreated },
        errors: ['PASSWORD_TOO_WEAK', 'STAFF_USERNAME_TAKEN', 'ADMIN_ROLES_NOT_SEPARATE'],
      },
    },
    async (req, reply) => reply.status(201).send(await services.staff.createStaff(req.actor, req.body)),
  );
};
