import type { Platform } from './platform/context.js';

/** Builds every use-case service from the platform. Each module adds its own line. */
export function createServices(platform: Platform) {
  void platform;
  return {};
}
export type Services = ReturnType<typeof createServices>;
