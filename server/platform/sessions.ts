import { createHash, randomBytes } from 'node:crypto';
import type { DbOrTrx } from '../db/database.js';
import type { Actor, StaffRole } from './actor.js';
import { AppError } from './errors.js';

/** Session tokens are random; only their SHA-256 is stored, so a database dump yields no usable session. */
export function newSessionToken(kind: 'consumer' | 'staff'): { token: string; hash: string } {
  const token = `${kind === 'consumer' ? 'wbc' : 'wbs'}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Resolves a bearer token to an actor. Staff sessions end after `staffIdleMinutes` without use (等保三级 session
 * timeout); each use moves the idle window.
 */
export async function resolveActor(
  db: DbOrTrx,
  token: string | undefined,
  opts: { now: Date; staffIdleMinutes: number; ip?: string; userAgent?: string },
): Promise<Actor> {
  const anonymous: Actor = { type: 'anonymous', ip: opts.ip, userAgent: opts.userAgent };
  if (!token) return anonymous;
  const hash = hashToken(token);
  if (token.startsWith('wbc_')) {
    const s = await db
      .selectFrom('consumer_sessions')
      .select(['consumer_id', 'expires_at', 'revoked_at'])
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!s || s.revoked_at) throw new AppError('UNAUTHENTICATED');
    if (s.expires_at <= opts.now) throw new AppError('SESSION_EXPIRED');
    return { type: 'consumer', id: s.consumer_id, ip: opts.ip, userAgent: opts.userAgent };
  }
  if (token.startsWith('wbs_')) {
    const s = await db
      .selectFrom('staff_sessions')
      .innerJoin('staff_accounts', 'staff_accounts.id', 'staff_sessions.staff_id')
      .select([
        'staff_sessions.id',
        'staff_sessions.staff_id',
        'staff_sessions.last_seen_at',
        'staff_sessions.revoked_at',
        'staff_accounts.roles',
        'staff_accounts.disabled_at',
      ])
      .where('staff_sessions.token_hash', '=', hash)
      .executeTakeFirst();
    if (!s || s.revoked_at || s.disabled_at) throw new AppError('UNAUTHENTICATED');
    if (opts.now.getTime() - s.last_seen_at.getTime() > opts.staffIdleMinutes * 60_000) {
      await db.updateTable('staff_sessions').set({ revoked_at: opts.now }).where('id', '=', s.id).execute();
      throw new AppError('SESSION_EXPIRED');
    }
    await db.updateTable('staff_sessions').set({ last_seen_at: opts.now }).where('id', '=', s.id).execute();
    return { type: 'staff', id: s.staff_id, roles: s.roles as StaffRole[], ip: opts.ip, userAgent: opts.userAgent };
  }
  throw new AppError('UNAUTHENTICATED');
}
