import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { NewRow } from '../../db/schema.js';

/** Queries over staff accounts and sessions. */

export function findStaffByUsername(db: DbOrTrx, username: string) {
  return db.selectFrom('staff_accounts').selectAll().where('username', '=', username).executeTakeFirst();
}

export function findStaffById(db: DbOrTrx, id: string) {
  return db.selectFrom('staff_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findStaffByIdForUpdate(db: DbOrTrx, id: string) {
  return db.selectFrom('staff_accounts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Inserts unless the username is taken; returns true when inserted. */
export async function insertStaffIfAbsent(db: DbOrTrx, row: NewRow<'staff_accounts'>): Promise<boolean> {
  const r = await db
    .insertInto('staff_accounts')
    .values(row)
    .onConflict((oc) => oc.column('username').doNothing())
    .returning('id')
    .executeTakeFirst();
  return r !== undefined;
}

export async function recordFailedLogin(db: DbOrTrx, id: string, lockUntil: Date | null): Promise<void> {
  await db
    .updateTable('staff_accounts')
    .set((eb) => (lockUntil ? { failed_logins: 0, locked_until: lockUntil } : { failed_logins: eb('failed_logins', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

export async function recordSuccessfulLogin(db: DbOrTrx, id: string, at: Date, totpStep: number): Promise<void> {
  await db
    .updateTable('staff_accounts')
    .set({ failed_logins: 0, locked_until: null, last_login_at: at, totp_last_step: totpStep })
    .where('id', '=', id)
    .execute();
}

export async function insertStaffSession(db: DbOrTrx, row: NewRow<'staff_sessions'>): Promise<void> {
  await db.insertInto('staff_sessions').values(row).execute();
}

export async function revokeStaffSession(db: DbOrTrx, staffId: string, tokenHash: string, at: Date) {
  const r = await db
    .updateTable('staff_sessions')
    .set({ revoked_at: at })
    .where('staff_id', '=', staffId)
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return r?.id;
}

/** Active staff holding `role`, by id. */
export async function activeStaffWithRole(db: DbOrTrx, role: string): Promise<string[]> {
  const rows = await db
    .selectFrom('staff_accounts')
    .select('id')
    .where(sql<boolean>`${role} = any(roles)`)
    .where('disabled_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Those of `ids` that are staff accounts. */
export async function existingStaffIds(db: DbOrTrx, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('staff_accounts').select('id').where('id', 'in', ids).execute()).map((r) => r.id);
}
