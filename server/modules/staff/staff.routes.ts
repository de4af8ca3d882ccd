import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteOptions } from '../../routes.js';
import { staffRoles } from '../../platform/actor.js';
import { bearerToken } from '../consumers/consumer.routes.js';

const role = z.enum(staffRoles);

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
        body: z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256), totp: z.string().trim().min(1).max(10) }).strict(),
        response: { 201: z.object({ token: z.string(), staffId: z.string(), roles: z.array(role) }) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await services.staff.signIn({ ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] })),
  );

  app.delete(
    '/v1/staff/sessions/current',
    { schema: { tags, summary: 'Sign out', security: [{ bearer: [] }] } },
    async (req, reply) => {
      await services.staff.signOut(req.actor, { token: bearerToken(req) });
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/staff/me',
    {
      schema: {
        tags,
        summary: 'The signed-in staff member',
        security: [{ bearer: [] }],
        response: {
          200: z.object({ staffId: z.string(), username: z.string(), displayName: z.string(), roles: z.array(role), lastLoginAt: z.date().nullable() }),
        },
      },
    },
    async (req) => services.staff.me(req.actor),
  );

  app.post(
    '/v1/console/staff',
    {
      schema: {
        tags,
        summary: 'Create a staff account (security administrator); the TOTP secret is shown once',
        security: [{ bearer: [] }],
        body: z
          .object({
            username: z.string().trim().min(1).max(64),
            displayName: z.string().trim().min(1).max(50),
            password: z.string().min(1).max(256),
            roles: z.array(role).min(1).max(staffRoles.length),
          })
          .strict(),
        response: { 201: z.object({ staffId: z.string(), totpSecret: z.string(), otpauthUrl: z.string() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await services.staff.createStaff(req.actor, req.body)),
  );
};
