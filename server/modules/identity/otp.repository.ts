import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { NewRow } from '../../db/schema.js';

/** Queries over one-time-code challenges. No rules here: the service decides. */

/** Serialises sends and checks per phone and per subject inside the caller's transaction. */
export async function lockOtpKey(db: DbOrTrx, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${'otp:' + key}, 0))`.execute(db);
}

/** The newest challenge for a purpose and subject; with `lock`, row-locked for the verification that follows. */
export function latestChallengeFor(db: DbOrTrx, purpose: string, subjectRef: string, opts: { lock?: boolean } = {}) {
  let q = db
    .selectFrom('otp_challenges')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('subject_ref', '=', subjectRef)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function countSentToPhoneSince(db: DbOrTrx, phoneIndex: string, since: Date): Promise<number> {
  const r = await db
    .selectFrom('otp_challenges')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('phone_index', '=', phoneIndex)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertChallenge(db: DbOrTrx, row: NewRow<'otp_challenges'>): Promise<void> {
  await db.insertInto('otp_challenges').values(row).execute();
}

/** Marks every still-open challenge of the purpose and subject as superseded. */
export async function supersedeOpenChallenges(db: DbOrTrx, purpose: string, subjectRef: string, at: Date): Promise<void> {
  await db
    .updateTable('otp_challenges')
    .set({ superseded_at: at })
    .where('purpose', '=', purpose)
    .where('subject_ref', '=', subjectRef)
    .where('consumed_at', 'is', null)
    .where('superseded_at', 'is', null)
    .execute();
}

export async function incrementAttempts(db: DbOrTrx, id: string): Promise<number> {
  const r = await db
    .updateTable('otp_challenges')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .returning('attempts')
    .executeTakeFirstOrThrow();
  return r.attempts;
}

/** Consumes a challenge once: the condition makes a second consumption change nothing. */
export async function consumeChallenge(db: DbOrTrx, id: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('otp_challenges')
    .set({ consumed_at: at, attempts: sql`attempts + 1` })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .where('superseded_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The ids of the one-time codes sent about one subject (e.g. an application). */
export async function listChallengeIdsFor(db: DbOrTrx, subjectRef: string): Promise<string[]> {
  return (await db.selectFrom('otp_challenges').select('id').where('subject_ref', '=', subjectRef).execute()).map((c) => c.id);
}
