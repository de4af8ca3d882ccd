import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { staffRoles } from '../../platform/actor.js';
import { DEMO_STAFF_PASSWORD, demoTotpSecret, formatDemoStaffTable, seedDemoStaff } from './demo-staff.js';
import { totp } from './totp.js';

describe('seedDemoStaff', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  it('creates one account per role with fixed secrets, once; a second run changes nothing', async () => {
    const first = await seedDemoStaff(ctx.platform);
    expect(first.map((r) => r.role)).toEqual([...staffRoles]);
    expect(first.every((r) => r.created)).toBe(true);
    const second = await seedDemoStaff(ctx.platform);
    expect(second.every((r) => !r.created)).toBe(true);
    expect(second.map((r) => r.totpSecret)).toEqual(first.map((r) => r.totpSecret));
    expect(await ctx.db.selectFrom('staff_accounts').select('id').execute()).toHaveLength(staffRoles.length);
    expect(demoTotpSecret('underwriter')).toBe(first.find((r) => r.role === 'underwriter')!.totpSecret);
    expect(formatDemoStaffTable(first)).toContain('demo.security_admin');
  });

  it('M§38 each demo account holds exactly one role and signs in with its printed password and TOTP secret', async () => {
    const rows = await seedDemoStaff(ctx.platform);
    for (const r of rows) {
      const s = await ctx.services.staff.signIn({
        username: r.username,
        password: DEMO_STAFF_PASSWORD,
        totp: totp(r.totpSecret, ctx.clock.now()),
      });
      expect(s.roles).toEqual([r.role]);
    }
  });
});
