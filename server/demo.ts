import type { Platform } from './platform/context.js';
import type { Services } from './services.js';
import { seedDemoProducts } from './modules/products/demo-products.js';
import { formatDemoStaffTable, seedDemoStaff } from './modules/staff/demo-staff.js';

/** Demo data: the four demo products and the demo staff accounts. Idempotent: safe at every start. */
export async function seedDemo(platform: Platform, services: Services): Promise<Record<string, unknown>> {
  void platform;
  // The demo products are drafted and published by a compliance role, as in production (M§14 check included).
  const products = await seedDemoProducts(services, { type: 'staff', id: 'demo-seed', roles: ['compliance_officer'] });
  // One account per staff role with fixed password and TOTP secret, printed so a newcomer can sign in.
  const staff = await seedDemoStaff(platform);
  if (platform.config.NODE_ENV !== 'test') process.stdout.write(`\n${formatDemoStaffTable(staff)}\n\n`);
  return { products, staffAccounts: staff.map((s) => s.username) };
}
