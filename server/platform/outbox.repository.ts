import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { Row } from '../db/schema.js';

export type OutboxRow = Row<'outbox_items'>;
export type OutboxStatus = OutboxRow['status'];
export type OutboxKind = OutboxRow['kind'];

/**
 * Claims up to `limit` due items for one worker: the oldest due first, skipping rows another worker holds, and
 * leases them by moving their next attempt to `leaseUntil` — a worker that dies mid-item leaves it due again then.
 */
export async function claimDue(
  db: DbOrTrx,
  o: { now: Date; leaseUntil: Date; limit: number; kinds?: readonly OutboxKind[] },
): Promise<OutboxRow[]> {
  const kinds = o.kinds?.length ? sql`and kind in (${sql.join(o.kinds)})` : sql``;
  const r = await sql<OutboxRow>`
    update outbox_items set next_attempt_at = ${o.leaseUntil}, updated_at = ${o.now}
     where id in (
       select id from outbox_items
        where status = 'pending' and next_attempt_at <= ${o.now} ${kinds}
        order by next_attempt_at, id
        limit ${o.limit}
        for update skip locked)
    returning *`.execute(db);
  // Claimed in one statement; handled oldest first.
  return r.rows.sort((a, b) => +a.next_attempt_at - +b.next_attempt_at || a.id.localeCompare(b.id));
}

/** Ends a claimed item; a no-op when the lease was lost meanwhile (another worker owns the item now). */
export async function settle(
  db: DbOrTrx,
  claimed: { id: string; leaseUntil: Date },
  set: {
    status: OutboxStatus;
    attempts?: number;
    next_attempt_at?: Date;
    last_error?: string | null;
    done_at?: Date | null;
    failed_at?: Date | null;
    updated_at: Date;
  },
): Promise<boolean> {
  const r = await db
    .updateTable('outbox_items')
    .set(set)
    .where('id', '=', claimed.id)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '=', claimed.leaseUntil)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function findItem(db: DbOrTrx, id: string) {
  return db.selectFrom('outbox_items').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listItems(db: DbOrTrx, f: { status?: OutboxStatus; kind?: OutboxKind; limit: number }) {
  let q = db.selectFrom('outbox_items').selectAll();
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
  return q.orderBy('next_attempt_at').orderBy('id').limit(f.limit).execute();
}

/** Puts a failed item back: due at `now`, its attempts counted again from zero; the last error stays for the record. */
export async function requeueFailed(db: DbOrTrx, id: string, now: Date): Promise<OutboxRow | undefined> {
  return db
    .updateTable('outbox_items')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, failed_at: null, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .returningAll()
    .executeTakeFirst();
}

export async function countByStatus(db: DbOrTrx) {
  const rows = await db
    .selectFrom('outbox_items')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .orderBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Partial<Record<OutboxStatus, number>>;
}
