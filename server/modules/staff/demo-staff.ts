import { createHash } from 'node:crypto';
import type { Platform } from '../../platform/context.js';
import { staffRoles, type StaffRole } from '../../platform/actor.js';
import { bootstrapStaff } from './staff.service.js';
import * as repo from './staff.repository.js';
import { base32Encode } from './totp.js';

/** The one demo password: fixed so a newcomer can sign in from the README. Never used outside the demo. */
export const DEMO_STAFF_PASSWORD = 'Wangbao-Demo-2026!';

const DISPLAY_NAMES: Record<StaffRole, string> = {
  underwriter: '演示核保员',
  callback_agent: '演示回访专员',
  claims_handler: '演示理赔专员',
  complaint_handler: '演示投诉处理专员',
  compliance_officer: '演示合规专员',
  auditor: '演示稽核员',
  system_admin: '演示系统管理员',
  security_admin: '演示安全管理员',
  audit_admin: '演示审计管理员',
};

export interface DemoStaffRow {
  username: string;
  role: StaffRole;
  password: string;
  totpSecret: string;
  created: boolean;
}

/** demo.underwriter, demo.security_admin … */
export const demoUsername = (role: StaffRole) => `demo.${role}`;

/** A fixed TOTP secret per role (160 bits from a public label): the same at every start and on every machine. */
export function demoTotpSecret(role: StaffRole): string {
  return base32Encode(createHash('sha1').update(`wangbao demo totp ${role}`).digest());
}

/**
 * One demo account per role with fixed passwords and TOTP secrets, so the demo can be signed in to with
 * `wangbao totp --secret …`. Idempotent: an existing account is left as it is.
 */
export async function seedDemoStaff(platform: Pick<Platform, 'db' | 'pii' | 'clock' | 'config'>): Promise<DemoStaffRow[]> {
  if (platform.config.NODE_ENV === 'production')
    throw new Error('Demo staff accounts with fixed passwords are never created in production');
  const rows: DemoStaffRow[] = [];
  for (const role of staffRoles) {
    const username = demoUsername(role);
    const totpSecret = demoTotpSecret(role);
    const exists = await repo.findStaffByUsername(platform.db, username);
    if (!exists) {
      await bootstrapStaff(
        platform.db,
        { pii: platform.pii, clock: platform.clock },
        {
          username,
          displayName: DISPLAY_NAMES[role],
          password: DEMO_STAFF_PASSWORD,
          roles: [role],
          totpSecret,
        },
      );
    }
    rows.push({ username, role, password: DEMO_STAFF_PASSWORD, totpSecret, created: !exists });
  }
  return rows;
}

/** The table the demo start prints. */
export function formatDemoStaffTable(rows: DemoStaffRow[]): string {
  const head = ['username', 'role', 'password', 'TOTP secret'];
  const body = rows.map((r) => [r.username, r.role, r.password, r.totpSecret]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [
    'Demo staff accounts (sign in at POST /v1/staff/sessions; current TOTP code: npx tsx server/cli/wangbao.ts totp --secret <secret>)',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}
