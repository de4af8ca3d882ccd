import type { FastifyPluginAsync } from 'fastify';
import type { Platform } from './platform/context.js';
import type { Services } from './services.js';

export interface RouteOptions {
  services: Services;
  platform: Platform;
}

/** Every module's routes, registered in this order. Each module adds its own line. */
export const moduleRoutes: FastifyPluginAsync<RouteOptions>[] = [];
