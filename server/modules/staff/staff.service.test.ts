import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import type { Actor, StaffRole } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { bootstrapStaff } from './staff.service.js';
import { passwordProblems } from './password.js';
import { totp } from './totp.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof AppError ? e.code : `not an AppError: ${String(e)}`;
  }
  return undefined;
}

const PASSWORD = 'Correct-Horse-7-Battery';

describe('StaffService', () => {
  let ctx: TestContext;
  let secAdmin: Actor;
  let secAdminSecret: string;
  let seq = 0;

  beforeAll(async () => {
    ctx = await createTestContext();
    const boot = await bootstrapStaff(
      ctx.db,
      { pii: ctx.platform.pii, clock: ctx.clock },
      {
        username: 'sec.admin',
        displayName: '安全管理员',
        password: PASSWORD,
        roles: ['security_admin'],
      },
    );
    secAdminSecret = boot.totpSecret;
    secAdmin = { type: 'staff', id: boot.staffId, roles: ['security_admin'] };
  });
  afterAll(async () => ctx?.close());

  /** A new account; each test gets its own so lock-outs do not leak between tests. */
  async function newStaff(roles: StaffRole[] = ['underwriter']) {
    const username = `staff${++seq}`;
    const r = await ctx.services.staff.createStaff(secAdmin, { username, displayName: `员工${seq}`, password: PASSWORD, roles });
    return { username, ...r };
  }
  /** Moves to the next TOTP step so a fresh code is available (a used one is refused). */
  const nextStep = () => ctx.clock.advance(30_000);
  const signIn = (username: string, secret: string, password = PASSWORD, code = totp(secret, ctx.clock.now())) =>
    ctx.services.staff.signIn({ username, password, totp: code, ip: '198.51.100.7' });

  it('M§38 the bootstrap security administrator signs in with password and TOTP', async () => {
    const s = await signIn('sec.admin', secAdminSecret);
    expect(s.roles).toEqual(['security_admin']);
    expect(s.token).toMatch(/^wbs_/);
  });

  it('M§38 stores the password as Argon2id and the TOTP secret encrypted', async () => {
    const s = await newStaff();
    const row = await ctx.db.selectFrom('staff_accounts').selectAll().where('id', '=', s.staffId).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(JSON.stringify(row)).not.toContain(s.totpSecret);
    expect(ctx.platform.pii.decrypt('totp_secret', row.totp_secret_cipher)).toBe(s.totpSecret);
    expect(s.otpauthUrl).toContain(`secret=${s.totpSecret}`);
  });

  it('M§38 only a security administrator creates accounts', async () => {
    const input = { username: 'nobody1', displayName: 'x', password: PASSWORD, roles: ['underwriter'] as StaffRole[] };
    for (const role of ['system_admin', 'audit_admin', 'underwriter'] as StaffRole[]) {
      expect(await codeOf(ctx.services.staff.createStaff({ type: 'staff', id: 'stf_x', roles: [role] }, input))).toBe('FORBIDDEN');
    }
    expect(await codeOf(ctx.services.staff.createStaff({ type: 'consumer', id: 'csm_x' }, input))).toBe('FORBIDDEN');
    expect(await codeOf(ctx.services.staff.createStaff({ type: 'anonymous' }, input))).toBe('UNAUTHENTICATED');
  });

  it('M§38 separates system, security and audit administrators: one account holds at most one of them', async () => {
    const mk = (roles: StaffRole[]) =>
      ctx.services.staff.createStaff(secAdmin, { username: `adm${++seq}`, displayName: '管理员', password: PASSWORD, roles });
    expect(await codeOf(mk(['system_admin', 'security_admin']))).toBe('ADMIN_ROLES_NOT_SEPARATE');
    expect(await codeOf(mk(['security_admin', 'audit_admin']))).toBe('ADMIN_ROLES_NOT_SEPARATE');
    expect(await codeOf(mk(['system_admin', 'audit_admin', 'underwriter']))).toBe('ADMIN_ROLES_NOT_SEPARATE');
    await expect(mk(['audit_admin'])).resolves.toHaveProperty('staffId');
    await expect(mk(['system_admin'])).resolves.toHaveProperty('staffId');
  });

  it('M§38 refuses a weak password: short, too few character classes, or containing the username', async () => {
    const mk = (username: string, password: string) =>
      ctx.services.staff.createStaff(secAdmin, { username, displayName: '员工', password, roles: ['underwriter'] });
    expect(await codeOf(mk('weak1', 'Sh0rt-pass!'))).toBe('PASSWORD_TOO_WEAK');
    expect(await codeOf(mk('weak2', 'alllowercaseletters'))).toBe('PASSWORD_TOO_WEAK');
    expect(await codeOf(mk('weak3', 'onlylowerand12345'))).toBe('PASSWORD_TOO_WEAK');
    expect(await codeOf(mk('zhangsan', 'My-ZhangSan-2026'))).toBe('PASSWORD_TOO_WEAK');
    expect(passwordProblems('onlylowerand12345', 'x')).toEqual(['at least 3 of: lower-case, upper-case, digits, symbols']);
    expect(passwordProblems('lower-and-digits-123', 'x')).toEqual([]);
  });

  it('refuses a second account with the same username', async () => {
    const s = await newStaff();
    expect(
      await codeOf(
        ctx.services.staff.createStaff(secAdmin, { username: s.username, displayName: 'x', password: PASSWORD, roles: ['auditor'] }),
      ),
    ).toBe('STAFF_USERNAME_TAKEN');
  });

  it('M§38 answers CREDENTIALS_INVALID for a wrong password, a wrong TOTP or an unknown user, alike', async () => {
    const s = await newStaff();
    nextStep();
    const wrongTotp = String((Number(totp(s.totpSecret, ctx.clock.now())) + 1) % 1_000_000).padStart(6, '0');
    const errors = [];
    // One after another: started together they would race, and an early rejection would go unhandled.
    for (const attempt of [
      () => signIn(s.username, s.totpSecret, 'Wrong-Password-123'),
      () => signIn(s.username, s.totpSecret, PASSWORD, wrongTotp),
      () => signIn('no.such.user', s.totpSecret),
    ]) {
      try {
        await attempt();
      } catch (e) {
        errors.push(e as AppError);
      }
    }
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['CREDENTIALS_INVALID', errors[0]!.message],
      ['CREDENTIALS_INVALID', errors[0]!.message],
      ['CREDENTIALS_INVALID', errors[0]!.message],
    ]);
    const failures = await ctx.db
      .selectFrom('events')
      .select('payload')
      .where('type', '=', 'staff.sign_in_failed')
      .where('subject_id', '=', s.staffId)
      .execute();
    expect(failures.map((f) => (f.payload as { failed: string[] }).failed)).toEqual([['password'], ['totp']]);
    expect(JSON.stringify(failures)).not.toContain('Wrong-Password-123');
  });

  it('M§38 refuses a TOTP code that was already used once (no replay)', async () => {
    const s = await newStaff();
    nextStep();
    const code = totp(s.totpSecret, ctx.clock.now());
    await signIn(s.username, s.totpSecret, PASSWORD, code);
    expect(await codeOf(signIn(s.username, s.totpSecret, PASSWORD, code))).toBe('CREDENTIALS_INVALID');
    nextStep();
    await expect(signIn(s.username, s.totpSecret)).resolves.toHaveProperty('token');
  });

  it('M§38 locks the account after 5 consecutive failures for 30 minutes, even against the right credentials', async () => {
    const s = await newStaff();
    for (let i = 1; i <= 4; i++) expect(await codeOf(signIn(s.username, s.totpSecret, `Wrong-Password-${i}`))).toBe('CREDENTIALS_INVALID');
    expect(await codeOf(signIn(s.username, s.totpSecret, 'Wrong-Password-5'))).toBe('ACCOUNT_LOCKED');
    nextStep();
    expect(await codeOf(signIn(s.username, s.totpSecret))).toBe('ACCOUNT_LOCKED');
    const locked = await ctx.db
      .selectFrom('events')
      .select('type')
      .where('subject_id', '=', s.staffId)
      .where('type', '=', 'staff.locked')
      .execute();
    expect(locked).toHaveLength(1);
    ctx.clock.advance(29 * 60_000);
    expect(await codeOf(signIn(s.username, s.totpSecret))).toBe('ACCOUNT_LOCKED');
    ctx.clock.advance(60_000);
    await expect(signIn(s.username, s.totpSecret)).resolves.toHaveProperty('staffId', s.staffId);
  });

  it('M§38 a success resets the count: failures must be consecutive to lock', async () => {
    const s = await newStaff();
    for (let i = 0; i < 4; i++) await codeOf(signIn(s.username, s.totpSecret, 'Wrong-Password-x'));
    nextStep();
    await signIn(s.username, s.totpSecret);
    for (let i = 0; i < 4; i++) expect(await codeOf(signIn(s.username, s.totpSecret, 'Wrong-Password-y'))).toBe('CREDENTIALS_INVALID');
  });

  describe('through the API', () => {
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    it('M§38 ends a staff session after 30 idle minutes (SESSION_EXPIRED); each use moves the window', async () => {
      const s = await newStaff(['callback_agent']);
      nextStep();
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/staff/sessions',
        payload: { username: s.username, password: PASSWORD, totp: totp(s.totpSecret, ctx.clock.now()) },
      });
      expect(res.statusCode).toBe(201);
      const { token } = res.json();
      ctx.clock.advance(29 * 60_000);
      const me = await ctx.app.inject({ url: '/v1/staff/me', headers: auth(token) });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ username: s.username, roles: ['callback_agent'] });
      ctx.clock.advance(29 * 60_000);
      expect((await ctx.app.inject({ url: '/v1/staff/me', headers: auth(token) })).statusCode).toBe(200);
      ctx.clock.advance(31 * 60_000);
      const expired = await ctx.app.inject({ url: '/v1/staff/me', headers: auth(token) });
      expect(expired.statusCode).toBe(401);
      expect(expired.json().code).toBe('SESSION_EXPIRED');
      expect((await ctx.app.inject({ url: '/v1/staff/me', headers: auth(token) })).json().code).toBe('UNAUTHENTICATED');
    });

    it('answers a wrong factor with 401 problem+json that names no factor', async () => {
      const s = await newStaff();
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/staff/sessions',
        payload: { username: s.username, password: 'Nope-nope-123', totp: '000000' },
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'CREDENTIALS_INVALID', messages: { 'zh-CN': '用户名、密码或动态口令错误' } });
    });

    it('M§38 lets the security administrator create an account through the console, and no one else', async () => {
      nextStep();
      const { token } = await signIn('sec.admin', secAdminSecret);
      const body = { username: 'console.made', displayName: '控制台', password: PASSWORD, roles: ['claims_handler'] };
      const created = await ctx.app.inject({ method: 'POST', url: '/v1/console/staff', headers: auth(token), payload: body });
      expect(created.statusCode).toBe(201);
      expect(created.json().totpSecret).toMatch(/^[A-Z2-7]{32}$/);

      const other = await newStaff(['system_admin']);
      nextStep();
      const sys = await signIn(other.username, other.totpSecret);
      const refused = await ctx.app.inject({
        method: 'POST',
        url: '/v1/console/staff',
        headers: auth(sys.token),
        payload: { ...body, username: 'console.two' },
      });
      expect(refused.statusCode).toBe(403);
      const anon = await ctx.app.inject({ method: 'POST', url: '/v1/console/staff', payload: { ...body, username: 'console.three' } });
      expect(anon.statusCode).toBe(401);
      const badRole = await ctx.app.inject({
        method: 'POST',
        url: '/v1/console/staff',
        headers: auth(token),
        payload: { ...body, username: 'console.four', roles: ['root'] },
      });
      expect(badRole.statusCode).toBe(400);
    });

    it('signs out: the token stops working', async () => {
      const s = await newStaff();
      nextStep();
      const { token } = await signIn(s.username, s.totpSecret);
      const out = await ctx.app.inject({ method: 'DELETE', url: '/v1/staff/sessions/current', headers: auth(token) });
      expect(out.statusCode).toBe(204);
      expect((await ctx.app.inject({ url: '/v1/staff/me', headers: auth(token) })).statusCode).toBe(401);
    });
  });
});
