import type { Config } from '../../config.js';
import type { Db, DbOrTrx } from '../../db/database.js';
import { requireRole, staffRoles, type Actor, type StaffRole } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import { hashToken, newSessionToken } from '../../platform/sessions.js';
import { assertPasswordStrong, burnPasswordCheck, hashPassword, verifyPassword } from './password.js';
import * as repo from './staff.repository.js';
import { base32Decode, generateTotpSecret, matchTotp, otpauthUrl } from './totp.js';

/** 三权分立 (等保三级): system, security and audit administration are held by three different people. */
export const ADMIN_ROLES = ['system_admin', 'security_admin', 'audit_admin'] as const satisfies readonly StaffRole[];

export const TOTP_ISSUER = 'wangbao';

export interface NewStaffInput {
  username: string;
  displayName: string;
  password: string;
  roles: StaffRole[];
}

const USERNAME = /^[a-z][a-z0-9._-]{2,31}$/;

function validateNewStaff(input: NewStaffInput): StaffRole[] {
  const items = [];
  if (!USERNAME.test(input.username))
    items.push({ path: 'username', message: '3–32 characters: lower-case letters, digits, . _ -; starting with a letter' });
  const dn = input.displayName.trim();
  if (!dn || Array.from(dn).length > 50) items.push({ path: 'displayName', message: '1–50 characters' });
  const roles = [...new Set(input.roles)];
  if (roles.length === 0) items.push({ path: 'roles', message: 'at least one role' });
  for (const r of roles) if (!(staffRoles as readonly string[]).includes(r)) items.push({ path: 'roles', message: `unknown role ${r}` });
  if (items.length) throw new AppError('VALIDATION_FAILED', 'The staff account is not valid', items);
  const admin = roles.filter((r) => (ADMIN_ROLES as readonly string[]).includes(r));
  if (admin.length > 1)
    throw new AppError(
      'ADMIN_ROLES_NOT_SEPARATE',
      `One account may hold only one of ${ADMIN_ROLES.join(', ')}; asked for ${admin.join(', ')}`,
    );
  assertPasswordStrong(input.password, input.username);
  return roles;
}

/**
 * Creates an account with a fresh TOTP secret (or the one given, for the fixed demo accounts), in the caller's
 * transaction or on its own. The secret is stored encrypted; the caller shows it once for enrolment.
 */
export async function provisionStaff(
  db: DbOrTrx,
  deps: { pii: PiiCipher; clock: Clock },
  actor: Actor,
  input: NewStaffInput & { totpSecret?: string },
): Promise<{ staffId: string; totpSecret: string; otpauthUrl: string }> {
  const roles = validateNewStaff(input);
  const totpSecret = input.totpSecret ?? generateTotpSecret();
  if (base32Decode(totpSecret).length < 16) throw new AppError('VALIDATION_FAILED', 'A TOTP secret needs at least 128 bits');
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  const staffId = newId('stf', now.getTime());
  const inserted = await repo.insertStaffIfAbsent(db, {
    id: staffId,
    username: input.username,
    display_name: input.displayName.trim(),
    password_hash: passwordHash,
    totp_secret_cipher: deps.pii.encrypt('totp_secret', totpSecret),
    roles,
    created_at: now,
  });
  if (!inserted) throw new AppError('STAFF_USERNAME_TAKEN', `The username ${input.username} is taken`);
  await recordEvent(db, {
    type: 'staff.created',
    actor,
    subject: { type: 'staff_account', id: staffId },
    payload: { username: input.username, roles },
    at: now,
  });
  return { staffId, totpSecret, otpauthUrl: otpauthUrl({ issuer: TOTP_ISSUER, account: input.username, secret: totpSecret }) };
}

/** The first security administrator, made by the operator's CLI when no one can yet sign in to make it. */
export function bootstrapStaff(db: Db, deps: { pii: PiiCipher; clock: Clock }, input: NewStaffInput & { totpSecret?: string }) {
  return db.transaction().execute((trx) => provisionStaff(trx, deps, { type: 'system', id: 'cli' }, input));
}

function requireStaff(actor: Actor): Extract<Actor, { type: 'staff' }> {
  if (actor.type !== 'staff') throw new AppError('UNAUTHENTICATED', 'A staff session is required');
  return actor;
}

/**
 * Staff accounts and their sign-in (等保三级, M§38): unique accounts, strong passwords stored as Argon2id, a TOTP
 * second factor, lock-out after repeated failures, separated administrators, every sign-in audited.
 */
export function createStaffService(deps: {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'STAFF_MAX_FAILED_LOGINS' | 'STAFF_LOCKOUT_MINUTES'>;
  pii: PiiCipher;
}) {
  const { db, clock, config, pii } = deps;

  /** A security administrator creates an account; returns the TOTP secret to enrol once. */
  async function createStaff(actor: Actor, input: NewStaffInput) {
    requireRole(actor, 'security_admin');
    return db.transaction().execute((trx) => provisionStaff(trx, { pii, clock }, actor, input));
  }

  /**
   * Signs in with username, password and the current TOTP code. Any wrong factor answers CREDENTIALS_INVALID,
   * never saying which; STAFF_MAX_FAILED_LOGINS consecutive failures lock the account for STAFF_LOCKOUT_MINUTES,
   * during which even the right credentials answer ACCOUNT_LOCKED. A TOTP code accepted once is never accepted
   * again.
   */
  async function signIn(input: { username: string; password: string; totp: string; ip?: string; userAgent?: string }) {
    const anonymous: Actor = { type: 'anonymous', ip: input.ip, userAgent: input.userAgent };
    const account = await repo.findStaffByUsername(db, input.username);
    if (!account) {
      await burnPasswordCheck(input.password);
      await recordEvent(db, {
        type: 'staff.sign_in_failed',
        actor: anonymous,
        subject: { type: 'staff_account', id: 'unknown' },
        payload: { reason: 'unknown_username', ip: input.ip ?? null },
        at: clock.now(),
      });
      throw new AppError('CREDENTIALS_INVALID');
    }
    // The slow hash is checked outside the transaction; the decision is made on the locked row.
    const passwordOk = await verifyPassword(account.password_hash, input.password);
    const secret = pii.decrypt('totp_secret', account.totp_secret_cipher);

    const outcome = await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const row = must(await repo.findStaffByIdForUpdate(trx, account.id), `staff account ${account.id}`);
      const subject = { type: 'staff_account', id: row.id };
      if (row.disabled_at) {
        await recordEvent(trx, {
          type: 'staff.sign_in_failed',
          actor: anonymous,
          subject,
          payload: { reason: 'disabled', ip: input.ip ?? null },
          at: now,
        });
        return { error: 'CREDENTIALS_INVALID' as const };
      }
      if (row.locked_until && row.locked_until.getTime() > now.getTime()) {
        await recordEvent(trx, {
          type: 'staff.sign_in_failed',
          actor: anonymous,
          subject,
          payload: { reason: 'locked', ip: input.ip ?? null },
          at: now,
        });
        return { error: 'ACCOUNT_LOCKED' as const, until: row.locked_until };
      }
      const step = matchTotp(secret, input.totp.trim(), now, { afterStep: row.totp_last_step });
      if (passwordOk && step !== null) {
        await repo.recordSuccessfulLogin(trx, row.id, now, step);
        const { token, hash } = newSessionToken('staff');
        const sessionId = newId('ses', now.getTime());
        await repo.insertStaffSession(trx, { id: sessionId, staff_id: row.id, token_hash: hash, created_at: now, last_seen_at: now });
        const roles = row.roles as StaffRole[];
        await recordEvent(trx, {
          type: 'staff.signed_in',
          actor: { type: 'staff', id: row.id, roles, ip: input.ip, userAgent: input.userAgent },
          subject,
          payload: { sessionId, ip: input.ip ?? null },
          at: now,
        });
        return { ok: { token, staffId: row.id, roles } };
      }
      // The audit record says which factor failed (for the security administrator); the answer does not.
      const failed = [...(passwordOk ? [] : ['password']), ...(step !== null ? [] : ['totp'])];
      const failures = row.failed_logins + 1;
      const lockUntil = failures >= config.STAFF_MAX_FAILED_LOGINS ? new Date(now.getTime() + config.STAFF_LOCKOUT_MINUTES * 60_000) : null;
      await repo.recordFailedLogin(trx, row.id, lockUntil);
      await recordEvent(trx, {
        type: 'staff.sign_in_failed',
        actor: anonymous,
        subject,
        payload: { reason: 'credentials', failed, failures, ip: input.ip ?? null },
        at: now,
      });
      if (lockUntil) {
        await recordEvent(trx, {
          type: 'staff.locked',
          actor: anonymous,
          subject,
          payload: { failures, until: lockUntil.toISOString(), ip: input.ip ?? null },
          at: now,
        });
        return { error: 'ACCOUNT_LOCKED' as const, until: lockUntil };
      }
      return { error: 'CREDENTIALS_INVALID' as const };
    });
    // Thrown after the commit, so the failure count and the lock stay.
    if (outcome.error) {
      throw new AppError(outcome.error, outcome.error === 'ACCOUNT_LOCKED' ? `Locked until ${outcome.until?.toISOString()}` : undefined);
    }
    return must(outcome.ok, 'the session of a successful sign-in');
  }

  /** Ends the session the token belongs to. */
  async function signOut(actor: Actor, input: { token: string }) {
    const me = requireStaff(actor);
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const sessionId = await repo.revokeStaffSession(trx, me.id, hashToken(input.token), now);
      if (!sessionId) throw new AppError('UNAUTHENTICATED', 'No live session for this token');
      await recordEvent(trx, {
        type: 'staff.signed_out',
        actor: me,
        subject: { type: 'staff_account', id: me.id },
        payload: { sessionId },
        at: now,
      });
    });
  }

  /** The signed-in staff member. */
  async function me(actor: Actor) {
    const s = requireStaff(actor);
    const row = await repo.findStaffById(db, s.id);
    if (!row) throw new AppError('UNAUTHENTICATED');
    return {
      staffId: row.id,
      username: row.username,
      displayName: row.display_name,
      roles: row.roles as StaffRole[],
      lastLoginAt: row.last_login_at,
    };
  }

  return { createStaff, signIn, signOut, me };
}
export type StaffService = ReturnType<typeof createStaffService>;
