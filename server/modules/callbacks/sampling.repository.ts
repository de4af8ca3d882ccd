import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { NewRow, Row } from '../../db/schema.js';

/** Queries of callback sampling (抽检): its own tables, and reads of the callback records a checklist is computed from. */

export type SamplingRuleRow = Row<'callback_sampling_rules'>;
export type DrawRow = Row<'callback_sampling_draws'>;
export type SampleRow = Row<'callback_samples'>;
export type ReviewRow = Row<'callback_sample_reviews'>;
export type ReworkRow = Row<'callback_sample_reworks'>;

// rules

export async function insertRule(db: DbOrTrx, row: NewRow<'callback_sampling_rules'>): Promise<void> {
  await db.insertInto('callback_sampling_rules').values(row).execute();
}

export function listRules(db: DbOrTrx) {
  return db.selectFrom('callback_sampling_rules').selectAll().orderBy('effective_from').orderBy('set_at').orderBy('id').execute();
}

// draws

/** Serialises drawing runs: two at once would race for the same cases. Released at the end of the transaction. */
export async function lockDrawing(db: DbOrTrx): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('wangbao.callback-sampling'))`.execute(db);
}

/** Completed callbacks (succeeded or failed) not drawn yet, oldest completion first. */
export function completedCasesNotDrawn(db: DbOrTrx, limit: number) {
  return db
    .selectFrom('callback_cases as c')
    .select(['c.id', 'c.status', 'c.channel', 'c.product_code', 'c.succeeded_at', 'c.failed_at'])
    .where('c.status', 'in', ['succeeded', 'failed'])
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('callback_sampling_draws as d').select('d.case_id').whereRef('d.case_id', '=', 'c.id'))),
    )
    .orderBy(sql`coalesce(c.succeeded_at, c.failed_at)`)
    .orderBy('c.id')
    .limit(limit)
    .execute();
}

export async function insertDraws(db: DbOrTrx, rows: NewRow<'callback_sampling_draws'>[]): Promise<void> {
  if (rows.length) await db.insertInto('callback_sampling_draws').values(rows).execute();
}

export function drawsCompletedBetween(db: DbOrTrx, from: Date, to: Date) {
  return db
    .selectFrom('callback_sampling_draws as d')
    .innerJoin('callback_cases as c', 'c.id', 'd.case_id')
    .select([
      'd.case_id',
      'd.outcome',
      'd.completed_at',
      'd.rule_id',
      'd.rate',
      'd.draw_hex',
      'd.key_id',
      'd.selected',
      'c.channel',
      'c.product_code',
      'c.status',
      'c.succeeded_at',
      'c.failed_at',
    ])
    .select((eb) =>
      eb.exists(eb.selectFrom('callback_samples as s').select('s.id').whereRef('s.case_id', '=', 'd.case_id')).as('has_sample'),
    )
    .where('d.completed_at', '>=', from)
    .where('d.completed_at', '<', to)
    .orderBy('d.completed_at')
    .orderBy('d.case_id')
    .execute();
}

export async function countUndrawnCompletedBetween(db: DbOrTrx, from: Date, to: Date): Promise<number> {
  const r = await db
    .selectFrom('callback_cases as c')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('c.status', 'in', ['succeeded', 'failed'])
    .where(sql<boolean>`coalesce(c.succeeded_at, c.failed_at) >= ${from} and coalesce(c.succeeded_at, c.failed_at) < ${to}`)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('callback_sampling_draws as d').select('d.case_id').whereRef('d.case_id', '=', 'c.id'))),
    )
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// samples

export async function insertSample(db: DbOrTrx, row: NewRow<'callback_samples'>): Promise<void> {
  await db.insertInto('callback_samples').values(row).execute();
}

export function findSample(db: DbOrTrx, id: string, opts: { lock?: boolean } = {}) {
  let q = db.selectFrom('callback_samples').selectAll().where('id', '=', id);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** Samples with what their status is derived from: the latest review and whether a rework is open. */
export function listSamples(db: DbOrTrx, f: { from?: Date; to?: Date; limit: number }) {
  let q = db
    .selectFrom('callback_samples as s')
    .innerJoin('callback_cases as c', 'c.id', 's.case_id')
    .innerJoin('callback_sampling_draws as d', 'd.case_id', 's.case_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('callback_sample_reviews as r')
          .select(['r.id as review_id', 'r.outcome', 'r.closes_sample', 'r.reviewed_at'])
          .whereRef('r.sample_id', '=', 's.id')
          .orderBy('r.seq', 'desc')
          .limit(1)
          .as('lr'),
      (join) => join.onTrue(),
    )
    .select([
      's.id',
      's.case_id',
      's.created_at',
      'c.policy_id',
      'c.channel',
      'c.product_code',
      'c.status as case_status',
      'c.method',
      'd.completed_at',
      'd.rate',
      'lr.review_id',
      'lr.outcome',
      'lr.closes_sample',
      'lr.reviewed_at',
    ])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('callback_sample_reworks as w')
            .select('w.id')
            .whereRef('w.sample_id', '=', 's.id')
            .where(({ not, exists, selectFrom }) =>
              not(exists(selectFrom('callback_sample_rework_completions as k').select('k.rework_id').whereRef('k.rework_id', '=', 'w.id'))),
            ),
        )
        .as('rework_open'),
    );
  if (f.from) q = q.where('s.created_at', '>=', f.from);
  if (f.to) q = q.where('s.created_at', '<', f.to);
  return q.orderBy('s.created_at', 'desc').orderBy('s.id', 'desc').limit(f.limit).execute();
}

// reviews

export async function insertReview(
  db: DbOrTrx,
  row: NewRow<'callback_sample_reviews'>,
  items: NewRow<'callback_sample_review_items'>[],
): Promise<void> {
  await db.insertInto('callback_sample_reviews').values(row).execute();
  await db.insertInto('callback_sample_review_items').values(items).execute();
}

export function reviewsOfSample(db: DbOrTrx, sampleId: string) {
  return db.selectFrom('callback_sample_reviews').selectAll().where('sample_id', '=', sampleId).orderBy('seq').execute();
}

export function reviewItemsOfSample(db: DbOrTrx, sampleId: string) {
  return db
    .selectFrom('callback_sample_review_items as i')
    .innerJoin('callback_sample_reviews as r', 'r.id', 'i.review_id')
    .selectAll('i')
    .where('r.sample_id', '=', sampleId)
    .orderBy('r.seq')
    .execute();
}

// reworks

export async function insertRework(db: DbOrTrx, row: NewRow<'callback_sample_reworks'>): Promise<void> {
  await db.insertInto('callback_sample_reworks').values(row).execute();
}

export async function insertReworkCompletion(db: DbOrTrx, row: NewRow<'callback_sample_rework_completions'>): Promise<boolean> {
  const r = await db
    .insertInto('callback_sample_rework_completions')
    .values(row)
    .onConflict((oc) => oc.column('rework_id').doNothing())
    .returning('rework_id')
    .executeTakeFirst();
  return !!r;
}

export function reworksOfSample(db: DbOrTrx, sampleId: string) {
  return db
    .selectFrom('callback_sample_reworks as w')
    .leftJoin('callback_sample_rework_completions as k', 'k.rework_id', 'w.id')
    .selectAll('w')
    .select(['k.outcome', 'k.note_cipher', 'k.reference_id', 'k.completed_by', 'k.completed_at'])
    .where('w.sample_id', '=', sampleId)
    .orderBy('w.opened_at')
    .orderBy('w.id')
    .execute();
}

export function findRework(db: DbOrTrx, id: string) {
  return db
    .selectFrom('callback_sample_reworks as w')
    .leftJoin('callback_sample_rework_completions as k', 'k.rework_id', 'w.id')
    .selectAll('w')
    .select(['k.completed_at'])
    .where('w.id', '=', id)
    .executeTakeFirst();
}

export function listReworks(db: DbOrTrx, f: { open?: boolean; limit: number }) {
  let q = db
    .selectFrom('callback_sample_reworks as w')
    .leftJoin('callback_sample_rework_completions as k', 'k.rework_id', 'w.id')
    .innerJoin('callback_cases as c', 'c.id', 'w.case_id')
    .select([
      'w.id',
      'w.sample_id',
      'w.case_id',
      'w.failed_items',
      'w.opened_at',
      'w.due_at',
      'c.policy_id',
      'c.product_code',
      'k.outcome',
      'k.completed_at',
    ]);
  if (f.open === true) q = q.where('k.rework_id', 'is', null);
  if (f.open === false) q = q.where('k.rework_id', 'is not', null);
  return q.orderBy('w.due_at').orderBy('w.id').limit(f.limit).execute();
}

/** Whether an id is an attempt, media item, problem case or task of the callback. */
export async function belongsToCase(db: DbOrTrx, caseId: string, id: string): Promise<boolean> {
  const r = await sql<{ n: number }>`
    select (select count(*) from callback_attempts where id = ${id} and case_id = ${caseId})
         + (select count(*) from callback_media where id = ${id} and case_id = ${caseId})
         + (select count(*) from callback_problems where id = ${id} and case_id = ${caseId})
         + (select count(*) from callback_tasks where id = ${id} and case_id = ${caseId}) as n`.execute(db);
  return Number(r.rows[0]?.n ?? 0) > 0;
}
