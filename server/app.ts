import Fastify, { type FastifyInstance, type FastifyError, type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Platform } from './platform/context.js';
import { AppError, toProblem } from './platform/errors.js';
import { resolveActor } from './platform/sessions.js';
import type { Actor } from './platform/actor.js';
import { databaseIsReady } from './db/database.js';
import type { Services } from './services.js';
import { moduleRoutes } from './routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

export type App = FastifyInstance<any, any, any, any, ZodTypeProvider>;

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

export async function buildApp(platform: Platform, services: Services, opts: { logger?: boolean } = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: (opts.logger === false ? undefined : platform.logger) as FastifyBaseLogger | undefined,
    bodyLimit: 1_048_576,
    trustProxy: true,
    // Requests carry no personal data in their URLs; bodies are never logged.
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'wangbao 网保 API',
        version: '0.1.0',
        description: 'The self-operated internet insurance platform: products, quotes, applications, payment, policies.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.decorateRequest('actor', undefined as unknown as never);
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    req.actor = await resolveActor(platform.db, token, {
      now: platform.clock.now(),
      staffIdleMinutes: platform.config.STAFF_SESSION_IDLE_MINUTES,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
    });
  });

  app.setErrorHandler((error: FastifyError | AppError | Error, req, reply) => {
    let problem;
    if (error instanceof AppError) {
      problem = toProblem(error.code, error.message, error.items, req.url);
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      const items = error.validation.map((v) => ({
        path: (v.instancePath || '/').replace(/^\//, '').replace(/\//g, '.') || undefined,
        code: v.keyword,
        message: v.message ?? 'invalid',
      }));
      problem = toProblem('VALIDATION_FAILED', `Invalid ${(error as FastifyError).validationContext ?? 'request'}`, items, req.url);
    } else {
      const fe = error as FastifyError;
      const status = fe.statusCode ?? 500;
      if (status === 413) problem = toProblem('PAYLOAD_TOO_LARGE', undefined, undefined, req.url);
      else if (status === 415) problem = toProblem('UNSUPPORTED_MEDIA_TYPE', undefined, undefined, req.url);
      else if (status === 429) problem = toProblem('RATE_LIMITED', undefined, undefined, req.url);
      else if (status >= 400 && status < 500) problem = toProblem('MALFORMED_REQUEST', fe.message, undefined, req.url);
      else {
        req.log.error({ err: error }, 'unhandled error');
        problem = toProblem('INTERNAL', undefined, undefined, req.url);
      }
    }
    return reply.status(problem.status).type(PROBLEM_JSON).send(problem);
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).type(PROBLEM_JSON).send(toProblem('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`, undefined, req.url));
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    if (!(await databaseIsReady(platform.db))) return reply.status(503).type(PROBLEM_JSON).send(toProblem('NOT_READY', 'database unreachable'));
    return { status: 'ready' };
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const routes of moduleRoutes) await app.register(routes, { services, platform });

  return app;
}
