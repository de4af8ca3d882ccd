import type { FastifyRequest } from 'fastify';
import type { ErrorCode } from '@wangbao/contracts/errors';
import { AppError } from './platform/errors.js';
import type { Platform } from './platform/context.js';
import type { Services } from './services.js';

/**
 * What every module's routes receive. It lives here, not beside the list of routes in `routes.ts`, so that no routes
 * file imports the module that imports it (that made one import cycle per routes file).
 */
export interface RouteOptions {
  services: Services;
  platform: Platform;
}

declare module 'fastify' {
  interface FastifySchema {
    /**
     * The catalogue codes this operation answers besides the ones its shape implies (validation, sign-in, not found,
     * internal): documented in /openapi.json as problem+json responses. Never used at run time.
     */
    errors?: readonly ErrorCode[];
  }
}

/** A value as JSON carries it: every `Date` becomes its ISO 8601 string. */
export type IsoDates<T> = T extends Date
  ? string
  : T extends Buffer
    ? T
    : T extends readonly (infer U)[]
      ? IsoDates<U>[]
      : T extends object
        ? { [K in keyof T]: IsoDates<T[K]> }
        : T;

/**
 * Converts every `Date` in a use case's answer into its ISO 8601 string, as the contracts say responses carry
 * instants (`isoDateTime`). The JSON a client sees is what `JSON.stringify` made of the Date before.
 */
export function isoDates<T>(value: T): IsoDates<T> {
  if (value instanceof Date) return value.toISOString() as IsoDates<T>;
  if (Array.isArray(value)) return value.map(isoDates) as IsoDates<T>;
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isoDates(v);
    return out as IsoDates<T>;
  }
  return value as IsoDates<T>;
}

/** The bearer token of a request that must carry one (sign-out ends that very session). */
export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization;
  const token = h?.startsWith('Bearer ') ? h.slice(7).trim() : '';
  if (!token) throw new AppError('UNAUTHENTICATED');
  return token;
}
