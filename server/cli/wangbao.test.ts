import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.js';
import { loadConfig } from '../config.js';
import { createManualClock } from '../platform/clock.js';
import { loadKeys } from '../platform/keys.js';
import { createPiiCipher } from '../platform/pii.js';
import { createDevSmsProvider } from '../modules/identity/dev-sms.provider.js';
import { createStaffService } from '../modules/staff/staff.service.js';
import { totp } from '../modules/staff/totp.js';
import { runCli } from './wangbao.js';

describe('wangbao CLI', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'wangbao-cli-'));
    env = { NODE_ENV: 'development', LOG_LEVEL: 'silent', DATABASE_URL: database.url, DEV_KEY_FILE: path.join(dir, 'dev-keys.json') };
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { env, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('lists the commands for --help, -h, help and no arguments, and exits 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], []]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out).toContain('Usage: wangbao <command>');
      for (const command of ['db migrate', 'staff create', 'ledger verify', 'ledger export']) expect(r.out).toContain(command);
    }
  });

  it("prints one command's usage for <command> --help, without running it", async () => {
    const r = await run('ledger', 'export', '--help');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^Usage: wangbao ledger export --policy/);
  });

  it('answers --help as the installed command, through bin/wangbao.mjs', () => {
    const bin = fileURLToPath(new URL('../../bin/wangbao.mjs', import.meta.url));
    for (const flag of ['--help', '-h']) {
      const r = spawnSync(process.execPath, [bin, flag], { encoding: 'utf8', env: { ...process.env, ...env } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('Usage: wangbao <command>');
    }
  });

  it('prints the current TOTP code for a secret (RFC 6238 vector at t=59 s, 6 digits)', async () => {
    const r = await run('totp', '--secret', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', '--at', '1970-01-01T00:00:59Z');
    expect(r).toMatchObject({ code: 0, out: '287082' });
  });

  it('lists its commands and refuses unknown ones and unknown options with exit code 2', async () => {
    const help = await run('help');
    for (const c of ['db migrate', 'staff create', 'sms outbox', 'totp']) expect(help.out).toContain(c);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('totp', '--secret', 'X', '--bogus')).code).toBe(2);
  });

  it('migrates the database (already up to date here)', async () => {
    const r = await run('db', 'migrate');
    expect(r).toMatchObject({ code: 0, out: 'The database is up to date.' });
  });

  it('M§38 creates the first security administrator, who signs in with the printed TOTP secret', async () => {
    const r = await run('staff', 'create', '--username', 'first.admin', '--role', 'security_admin', '--display-name', '首位安全管理员');
    expect(r.code).toBe(0);
    const secret = /TOTP secret: ([A-Z2-7]+)/.exec(r.out)![1]!;
    const password = /Password: +(\S+)/.exec(r.out)![1]!;
    const config = loadConfig(env);
    const clock = createManualClock(new Date());
    const staff = createStaffService({ db: database.db, clock, config, pii: createPiiCipher(loadKeys(config).keyring) });
    const s = await staff.signIn({ username: 'first.admin', password, totp: totp(secret, clock.now()) });
    expect(s.roles).toEqual(['security_admin']);
  });

  it('M§38 refuses an account holding two administrator roles, and a weak password, with exit code 1', async () => {
    const two = await run('staff', 'create', '--username', 'two.hats', '--role', 'system_admin', '--role', 'audit_admin');
    expect(two.code).toBe(1);
    expect(two.err).toContain('ADMIN_ROLES_NOT_SEPARATE');
    const weak = await run('staff', 'create', '--username', 'weak.one', '--role', 'auditor', '--password', 'password');
    expect(weak.code).toBe(1);
    expect(weak.err).toContain('PASSWORD_TOO_WEAK');
  });

  it('shows the development SMS outbox of a phone', async () => {
    const pii = createPiiCipher(loadKeys(loadConfig(env)).keyring);
    await createDevSmsProvider({ db: database.db, pii }).send(
      { phone: '13812340000', template: 'otp', params: {}, body: '【网保】您的验证码为424242，5分钟内有效。请勿泄露给他人。' },
      new Date('2026-03-02T02:00:00Z'),
    );
    const r = await run('sms', 'outbox', '--phone', '13812340000');
    expect(r.code).toBe(0);
    expect(r.out).toContain('您的验证码为424242');
    expect((await run('sms', 'outbox', '--phone', '13900000000')).out).toBe('No messages.');
  });
});
