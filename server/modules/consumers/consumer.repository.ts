import type { DbOrTrx } from '../../db/database.js';
import type { NewRow } from '../../db/schema.js';

/** Queries over consumers and their sessions. */

export function findConsumerByPhoneIndex(db: DbOrTrx, phoneIndex: string) {
  return db.selectFrom('consumers').selectAll().where('phone_index', '=', phoneIndex).executeTakeFirst();
}

export function findConsumerById(db: DbOrTrx, id: string) {
  return db.selectFrom('consumers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Inserts unless the phone already has a consumer; returns true when this call created it. */
export async function insertConsumerIfAbsent(db: DbOrTrx, row: NewRow<'consumers'>): Promise<boolean> {
  const r = await db
    .insertInto('consumers')
    .values(row)
    .onConflict((oc) => oc.column('phone_index').doNothing())
    .returning('id')
    .executeTakeFirst();
  return r !== undefined;
}

export async function insertConsumerSession(db: DbOrTrx, row: NewRow<'consumer_sessions'>): Promise<void> {
  await db.insertInto('consumer_sessions').values(row).execute();
}

/** Revokes one live session of the consumer by token hash; returns the session id when one was revoked. */
export async function revokeConsumerSession(db: DbOrTrx, consumerId: string, tokenHash: string, at: Date) {
  const r = await db
    .updateTable('consumer_sessions')
    .set({ revoked_at: at })
    .where('consumer_id', '=', consumerId)
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return r?.id;
}
