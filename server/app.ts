import Fastify, {
  type FastifyInstance,
  type FastifyError,
  type FastifyBaseLogger,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { FastifySchema } from 'fastify';
import { errorCatalog, type ErrorCode } from '@wangbao/contracts/errors';
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

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/**
 * The codes an operation can answer: the ones its shape implies (validation for any input, sign-in for a secured
 * route, not found for a path with parameters, internal for all) and the ones the route names in `schema.errors`.
 */
export function errorCodesOf(schema: FastifySchema): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  if (schema.body || schema.params || schema.querystring) codes.add('VALIDATION_FAILED');
  if (schema.body) for (const c of ['MALFORMED_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const) codes.add(c);
  if (Array.isArray(schema.security) && schema.security.length > 0)
    for (const c of ['UNAUTHENTICATED', 'SESSION_EXPIRED', 'FORBIDDEN'] as const) codes.add(c);
  if (schema.params) codes.add('NOT_FOUND');
  for (const c of schema.errors ?? []) codes.add(c);
  codes.add('INTERNAL');
  return [...codes];
}

/** The problem+json responses of an operation, one per HTTP status, each naming the codes it can carry. */
function problemResponses(codes: readonly ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorCatalog[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: list.map((c) => `${c}: ${errorCatalog[c].en}`).join('; '),
      content: {
        'application/problem+json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { type: 'string', enum: list } } }],
          },
        },
      },
    };
  }
  return out;
}

/** The zod transform of fastify-type-provider-zod, then every operation's error responses from the catalogue. */
const openApiTransform: typeof jsonSchemaTransform = (input) => {
  const out = jsonSchemaTransform(input);
  const schema = out.schema as (FastifySchema & { hide?: boolean; response?: Record<string, unknown> }) | undefined;
  if (!schema || schema.hide) return out;
  const { errors: _errors, ...documented } = schema;
  return { ...out, schema: { ...documented, response: { ...documented.response, ...problemResponses(errorCodesOf(input.schema)) } } };
};

export async function buildApp(platform: Platform, services: Services, opts: { logger?: boolean } = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: (opts.logger === false ? undefined : platform.logger) as FastifyBaseLogger | undefined,
    bodyLimit: 1_048_576,
    // Forwarding headers are believed only from the proxies configured (none by default): anyone else could name
    // any address and slip past per-client limits or write it into audit records.
    trustProxy: platform.config.TRUSTED_PROXIES.length ? platform.config.TRUSTED_PROXIES : false,
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
    transform: openApiTransform,
    transformObject: jsonSchemaTransformObject,
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

  // Authentication comes first: a route that needs a session answers 401 to a request without one before it looks
  // at the body, so the schema of a staff route is never told to someone who has not signed in.
  app.addHook('preValidation', async (req) => {
    const security = (req.routeOptions.schema as { security?: unknown[] } | undefined)?.security;
    if (security?.length && req.actor.type === 'anonymous') throw new AppError('UNAUTHENTICATED');
  });

  // No text the platform stores may carry U+0000: PostgreSQL refuses it in text, and no name, code or answer has one.
  // Refused for every route at once, before the schema and before any query, as a problem naming the field.
  app.addHook('preValidation', async (req) => {
    for (const [where, value] of [
      ['body', req.body],
      ['query', req.query],
      ['params', req.params],
    ] as const) {
      const path = pathOfNul(value);
      if (path !== undefined) {
        throw new AppError('VALIDATION_FAILED', `A NUL character (U+0000) is not allowed in the ${where}`, [
          { path: path || undefined, code: 'nul_character', message: 'contains U+0000' },
        ]);
      }
    }
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
    reply
      .status(404)
      .type(PROBLEM_JSON)
      .send(toProblem('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`, undefined, req.url));
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    if (!(await databaseIsReady(platform.db)))
      return reply.status(503).type(PROBLEM_JSON).send(toProblem('NOT_READY', 'database unreachable'));
    return { status: 'ready' };
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const routes of moduleRoutes) await app.register(routes, { services, platform });

  return app;
}

/** The dotted path of the first string holding U+0000 in a parsed request part ('' for the part itself), if any. */
function pathOfNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = pathOfNul(v, path ? `${path}.${i}` : String(i));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = pathOfNul(k, path) ?? pathOfNul(v, path ? `${path}.${k}` : k);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
