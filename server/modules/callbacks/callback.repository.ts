import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { NewRow, Row } from '../../db/schema.js';
import { must } from '../../platform/errors.js';
import { findPaidOrder } from '../payments/index.js';
import { findPolicy, policyNumbersOf } from '../policies/index.js';
import { findApplication, findPolicyholder } from '../sales/index.js';
import { activeStaffWithRole, findStaffById } from '../staff/index.js';
import type { CaseStatus } from './callback.js';

/** Queries over callback cases and their records. No rules here: the services decide. */

export type CaseRow = Row<'callback_cases'>;
export type TaskRow = Row<'callback_tasks'>;
export type ProblemRow = Row<'callback_problems'>;

export async function insertCase(db: DbOrTrx, row: NewRow<'callback_cases'>): Promise<void> {
  await db.insertInto('callback_cases').values(row).execute();
}

export function findCase(db: DbOrTrx, id: string, opts: { lock?: boolean } = {}) {
  let q = db.selectFrom('callback_cases').selectAll().where('id', '=', id);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function findCaseByPolicy(db: DbOrTrx, policyId: string, opts: { lock?: boolean } = {}) {
  let q = db.selectFrom('callback_cases').selectAll().where('policy_id', '=', policyId);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function listCasesOfConsumer(db: DbOrTrx, consumerId: string) {
  return db.selectFrom('callback_cases').selectAll().where('consumer_id', '=', consumerId).orderBy('opened_at', 'desc').execute();
}

export function listCases(db: DbOrTrx, f: { status?: CaseStatus; limit: number }) {
  let q = db.selectFrom('callback_cases').selectAll().orderBy('opened_at', 'desc').limit(f.limit);
  if (f.status) q = q.where('status', '=', f.status);
  return q.execute();
}

/**
 * Moves a case from one status to another, writing the milestones given; the condition on the old status makes a
 * concurrent change lose instead of both winning. Returns whether this change won.
 */
export async function transitionCase(
  db: DbOrTrx,
  id: string,
  from: CaseStatus,
  to: CaseStatus,
  milestones: Partial<Omit<CaseRow, 'id' | 'status'>> = {},
): Promise<boolean> {
  const r = await db
    .updateTable('callback_cases')
    .set({ ...milestones, status: to })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setCaseMilestones(
  db: DbOrTrx,
  id: string,
  milestones: Partial<Pick<CaseRow, 'notified_at' | 'notice_message_id' | 'identity_verified_at' | 'started_at'>>,
): Promise<void> {
  await db.updateTable('callback_cases').set(milestones).where('id', '=', id).execute();
}

/** Refund offers still waiting for the policyholder's answer whose SMS has not gone yet. */
export function offersAwaitingNotice(db: DbOrTrx, limit: number, onlyOfferId?: string) {
  const offers = db.selectFrom('callback_refund_offers as o');
  return (onlyOfferId === undefined ? offers : offers.where('o.id', '=', onlyOfferId))
    .innerJoin('callback_problems as p', 'p.id', 'o.problem_id')
    .select(['o.id', 'o.policy_id', 'o.amount_fen', 'p.case_id'])
    .where('p.status', '=', 'awaiting_customer')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('callback_refund_offer_notices as n').select('n.offer_id').whereRef('n.offer_id', '=', 'o.id'))),
    )
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('callback_refund_offer_answers as a').select('a.offer_id').whereRef('a.offer_id', '=', 'o.id'))),
    )
    .orderBy('o.offered_at')
    .limit(limit)
    .execute();
}

export async function insertOfferNotice(db: DbOrTrx, row: NewRow<'callback_refund_offer_notices'>): Promise<boolean> {
  const r = await db
    .insertInto('callback_refund_offer_notices')
    .values(row)
    .onConflict((oc) => oc.column('offer_id').doNothing())
    .returning('offer_id')
    .executeTakeFirst();
  return !!r;
}

export function casesPastFallback(db: DbOrTrx, now: Date, limit: number) {
  return db
    .selectFrom('callback_cases')
    .select('id')
    .where('status', 'in', ['awaiting_electronic', 'electronic_in_progress'])
    .where('fallback_at', '<=', now)
    .orderBy('fallback_at')
    .limit(limit)
    .execute();
}

export function casesPastDeadlineOnPhone(db: DbOrTrx, now: Date, limit: number) {
  return db
    .selectFrom('callback_cases')
    .select('id')
    .where('status', '=', 'phone_pending')
    .where('deadline_at', '<=', now)
    .orderBy('deadline_at')
    .limit(limit)
    .execute();
}

export function letterTasksPastDue(db: DbOrTrx, now: Date, limit: number) {
  return db
    .selectFrom('callback_tasks')
    .select(['id', 'case_id'])
    .where('kind', '=', 'letter_visit')
    .where('status', '=', 'open')
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .limit(limit)
    .execute();
}

// tasks

export async function insertTask(db: DbOrTrx, row: NewRow<'callback_tasks'>): Promise<void> {
  await db.insertInto('callback_tasks').values(row).execute();
}

export function findTask(db: DbOrTrx, id: string) {
  return db.selectFrom('callback_tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findOpenTask(db: DbOrTrx, caseId: string) {
  return db.selectFrom('callback_tasks').selectAll().where('case_id', '=', caseId).where('status', '=', 'open').executeTakeFirst();
}

export function tasksOfCase(db: DbOrTrx, caseId: string) {
  return db.selectFrom('callback_tasks').selectAll().where('case_id', '=', caseId).orderBy('opened_at').orderBy('id').execute();
}

export async function listTasks(db: DbOrTrx, f: { kind?: string; status?: string; assignedTo?: string; limit: number }) {
  let q = db
    .selectFrom('callback_tasks')
    .innerJoin('callback_cases', 'callback_cases.id', 'callback_tasks.case_id')
    .select([
      'callback_tasks.id',
      'callback_tasks.case_id',
      'callback_tasks.kind',
      'callback_tasks.reason',
      'callback_tasks.status',
      'callback_tasks.opened_at',
      'callback_tasks.due_at',
      'callback_tasks.assigned_to',
      'callback_cases.product_code',
      'callback_cases.policy_id',
    ])
    .orderBy('callback_tasks.due_at')
    .orderBy('callback_tasks.id')
    .limit(f.limit);
  if (f.kind) q = q.where('callback_tasks.kind', '=', f.kind as 'phone' | 'letter_visit');
  if (f.status) q = q.where('callback_tasks.status', '=', f.status as 'open');
  if (f.assignedTo) q = q.where('callback_tasks.assigned_to', '=', f.assignedTo);
  return withPolicyNumbers(db, await q.execute());
}

/** Adds each row's policy number, read through the policies module. */
async function withPolicyNumbers<T extends { policy_id: string }>(db: DbOrTrx, rows: T[]): Promise<Array<T & { policy_number: string }>> {
  const numbers = await policyNumbersOf(
    db,
    rows.map((r) => r.policy_id),
  );
  return rows.map((r) => ({ ...r, policy_number: must(numbers.get(r.policy_id), `the policy number of ${r.policy_id}`) }));
}

export async function endTask(db: DbOrTrx, id: string, to: 'succeeded' | 'failed' | 'closed', at: Date, reason: string): Promise<boolean> {
  const r = await db
    .updateTable('callback_tasks')
    .set({ status: to, ended_at: at, end_reason: reason })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function assignTask(db: DbOrTrx, id: string, staffId: string, at: Date): Promise<void> {
  await db.updateTable('callback_tasks').set({ assigned_to: staffId, assigned_at: at }).where('id', '=', id).execute();
}

/** The active callback agent with the fewest open tasks (or problem cases), for a fair first assignment; ties by id. */
export async function leastBusyAgent(db: DbOrTrx, of: 'tasks' | 'problems'): Promise<string | undefined> {
  const agents = await activeStaffWithRole(db, 'callback_agent');
  if (!agents.length) return undefined;
  const busy =
    of === 'tasks'
      ? await db
          .selectFrom('callback_tasks')
          .select(['assigned_to', (eb) => eb.fn.countAll<string>().as('n')])
          .where('assigned_to', 'in', agents)
          .where('status', '=', 'open')
          .groupBy('assigned_to')
          .execute()
      : await db
          .selectFrom('callback_problems')
          .select(['assigned_to', (eb) => eb.fn.countAll<string>().as('n')])
          .where('assigned_to', 'in', agents)
          .where('status', '<>', 'closed')
          .groupBy('assigned_to')
          .execute();
  const open = new Map(busy.map((b) => [b.assigned_to, Number(b.n)]));
  // `agents` is in id order, so the first with the fewest wins the tie as before.
  let best: string | undefined;
  for (const id of agents) if (best === undefined || (open.get(id) ?? 0) < (open.get(best) ?? 0)) best = id;
  return best;
}

export function findAgent(db: DbOrTrx, staffId: string) {
  return findStaffById(db, staffId);
}

// attempts

export async function insertAttempt(db: DbOrTrx, row: NewRow<'callback_attempts'>): Promise<void> {
  await db.insertInto('callback_attempts').values(row).execute();
}

export async function insertAttemptOutcome(db: DbOrTrx, row: NewRow<'callback_attempt_outcomes'>): Promise<boolean> {
  const r = await db
    .insertInto('callback_attempt_outcomes')
    .values(row)
    .onConflict((oc) => oc.column('attempt_id').doNothing())
    .returning('attempt_id')
    .executeTakeFirst();
  return !!r;
}

/** The electronic attempt of a case that has not ended, if any. */
export function openElectronicAttempt(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('callback_attempts')
    .leftJoin('callback_attempt_outcomes', 'callback_attempt_outcomes.attempt_id', 'callback_attempts.id')
    .selectAll('callback_attempts')
    .where('callback_attempts.case_id', '=', caseId)
    .where('callback_attempts.method', '=', 'electronic')
    .where('callback_attempt_outcomes.attempt_id', 'is', null)
    .executeTakeFirst();
}

/** The newest electronic attempt of a case, ended or not: there is at most one. */
export function latestElectronicAttempt(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('callback_attempts')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('method', '=', 'electronic')
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export function attemptsOfCase(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('callback_attempts')
    .leftJoin('callback_attempt_outcomes', 'callback_attempt_outcomes.attempt_id', 'callback_attempts.id')
    .leftJoin('callback_media', 'callback_media.id', 'callback_attempt_outcomes.media_id')
    .select([
      'callback_attempts.id',
      'callback_attempts.task_id',
      'callback_attempts.method',
      'callback_attempts.started_at',
      'callback_attempts.started_by_type',
      'callback_attempts.started_by_id',
      'callback_attempt_outcomes.outcome',
      'callback_attempt_outcomes.reason',
      'callback_attempt_outcomes.media_id',
      'callback_attempt_outcomes.closing_text_version_id',
      'callback_attempt_outcomes.closing_confirmed_at',
      'callback_attempt_outcomes.ended_at',
      'callback_attempt_outcomes.ended_by_id',
      'callback_media.kind as media_kind',
    ])
    .where('callback_attempts.case_id', '=', caseId)
    .orderBy('callback_attempts.started_at')
    .orderBy('callback_attempts.id')
    .execute();
}

export async function countEndedAttemptsOfTask(db: DbOrTrx, taskId: string): Promise<number> {
  const r = await db
    .selectFrom('callback_attempts')
    .innerJoin('callback_attempt_outcomes', 'callback_attempt_outcomes.attempt_id', 'callback_attempts.id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('callback_attempts.task_id', '=', taskId)
    .where('callback_attempt_outcomes.outcome', 'not in', ['completed', 'receipt_signed'])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// identity

export async function insertIdentityCheck(db: DbOrTrx, row: NewRow<'callback_identity_checks'>): Promise<void> {
  await db.insertInto('callback_identity_checks').values(row).execute();
}

export function identityChecksOfAttempt(db: DbOrTrx, attemptId: string) {
  return db
    .selectFrom('callback_identity_checks')
    .selectAll()
    .where('attempt_id', '=', attemptId)
    .orderBy('checked_at')
    .orderBy('id')
    .execute();
}

export function identityChecksOfCase(db: DbOrTrx, caseId: string) {
  return db.selectFrom('callback_identity_checks').selectAll().where('case_id', '=', caseId).orderBy('checked_at').orderBy('id').execute();
}

// items and answers

export async function insertDisplay(db: DbOrTrx, row: NewRow<'callback_item_displays'>): Promise<void> {
  await db.insertInto('callback_item_displays').values(row).execute();
}

/** The first time this version of an item was shown in this attempt (or, for the script, for this task). */
export function findDisplay(db: DbOrTrx, f: { attemptId?: string; taskId?: string; itemCode: string; textVersionId: string }) {
  let q = db
    .selectFrom('callback_item_displays')
    .select(['id', 'displayed_at'])
    .where('item_code', '=', f.itemCode)
    .where('text_version_id', '=', f.textVersionId)
    .orderBy('displayed_at')
    .limit(1);
  if (f.attemptId) q = q.where('attempt_id', '=', f.attemptId);
  if (f.taskId) q = q.where('task_id', '=', f.taskId);
  return q.executeTakeFirst();
}

export async function insertAnswer(db: DbOrTrx, row: NewRow<'callback_answers'>): Promise<void> {
  await db.insertInto('callback_answers').values(row).execute();
}

export function answersOfAttempt(db: DbOrTrx, attemptId: string) {
  return db.selectFrom('callback_answers').selectAll().where('attempt_id', '=', attemptId).orderBy('position').execute();
}

/** Every answer of a case with the kind and content of the text version asked. */
export function answersOfCase(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('callback_answers')
    .innerJoin('text_versions', 'text_versions.id', 'callback_answers.text_version_id')
    .selectAll('callback_answers')
    .select(['text_versions.kind as text_kind', 'text_versions.content as text_content'])
    .where('callback_answers.case_id', '=', caseId)
    .orderBy('callback_answers.answered_at')
    .orderBy('callback_answers.id')
    .execute();
}

export function displaysOfCase(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('callback_item_displays')
    .select(['attempt_id', 'task_id', 'item_code', 'text_version_id', 'displayed_at'])
    .where('case_id', '=', caseId)
    .execute();
}

// media

export async function storeBlob(db: DbOrTrx, row: NewRow<'callback_media_blobs'>): Promise<void> {
  await db
    .insertInto('callback_media_blobs')
    .values(row)
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
}

export async function insertMedia(db: DbOrTrx, row: NewRow<'callback_media'>): Promise<void> {
  await db.insertInto('callback_media').values(row).execute();
}

/** One stored recording or scan of a case, with its bytes. */
export function mediaContentOfCase(db: DbOrTrx, caseId: string, mediaId: string) {
  return db
    .selectFrom('callback_media')
    .innerJoin('callback_media_blobs', 'callback_media_blobs.sha256', 'callback_media.sha256')
    .select([
      'callback_media.id',
      'callback_media.kind',
      'callback_media.sha256',
      'callback_media_blobs.media_type',
      'callback_media_blobs.content',
    ])
    .where('callback_media.case_id', '=', caseId)
    .where('callback_media.id', '=', mediaId)
    .executeTakeFirst();
}

export function findMedia(db: DbOrTrx, id: string) {
  return db.selectFrom('callback_media').selectAll().where('id', '=', id).executeTakeFirst();
}

export function mediaOfCase(db: DbOrTrx, caseId: string) {
  return db
    .selectFrom('callback_media')
    .innerJoin('callback_media_blobs', 'callback_media_blobs.sha256', 'callback_media.sha256')
    .select([
      'callback_media.id',
      'callback_media.kind',
      'callback_media.sha256',
      'callback_media_blobs.media_type',
      'callback_media_blobs.size_bytes',
      'callback_media.uploaded_by',
      'callback_media.uploaded_at',
    ])
    .where('callback_media.case_id', '=', caseId)
    .orderBy('callback_media.uploaded_at')
    .orderBy('callback_media.id')
    .execute();
}

// problems

export async function insertProblem(db: DbOrTrx, row: NewRow<'callback_problems'>): Promise<void> {
  await db.insertInto('callback_problems').values(row).execute();
}

export function findProblem(db: DbOrTrx, id: string, opts: { lock?: boolean } = {}) {
  let q = db.selectFrom('callback_problems').selectAll().where('id', '=', id);
  if (opts.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export function problemsOfCase(db: DbOrTrx, caseId: string) {
  return db.selectFrom('callback_problems').selectAll().where('case_id', '=', caseId).orderBy('opened_at').orderBy('id').execute();
}

export async function listProblems(db: DbOrTrx, f: { status?: string; assignedTo?: string; limit: number }) {
  let q = db
    .selectFrom('callback_problems')
    .innerJoin('callback_cases', 'callback_cases.id', 'callback_problems.case_id')
    .select([
      'callback_problems.id',
      'callback_problems.case_id',
      'callback_problems.kind',
      'callback_problems.item_code',
      'callback_problems.status',
      'callback_problems.opened_at',
      'callback_problems.assigned_to',
      'callback_cases.product_code',
      'callback_problems.policy_id',
    ])
    .orderBy('callback_problems.opened_at')
    .orderBy('callback_problems.id')
    .limit(f.limit);
  if (f.status) q = q.where('callback_problems.status', '=', f.status as 'open');
  if (f.assignedTo) q = q.where('callback_problems.assigned_to', '=', f.assignedTo);
  return withPolicyNumbers(db, await q.execute());
}

export async function assignProblem(db: DbOrTrx, id: string, staffId: string, at: Date): Promise<void> {
  await db.updateTable('callback_problems').set({ assigned_to: staffId, assigned_at: at }).where('id', '=', id).execute();
}

export async function updateProblem(
  db: DbOrTrx,
  id: string,
  from: string,
  set: Partial<Pick<ProblemRow, 'status' | 'resolution' | 'resolved_at' | 'resolved_by' | 'closed_at' | 'close_reason'>>,
): Promise<boolean> {
  const r = await db
    .updateTable('callback_problems')
    .set(set)
    .where('id', '=', id)
    .where('status', '=', from as 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function awaitingProblemsOfPolicy(db: DbOrTrx, policyId: string) {
  return db
    .selectFrom('callback_problems')
    .selectAll()
    .where('policy_id', '=', policyId)
    .where('status', '=', 'awaiting_customer')
    .execute();
}

export async function insertNote(db: DbOrTrx, row: NewRow<'callback_problem_notes'>): Promise<void> {
  await db.insertInto('callback_problem_notes').values(row).execute();
}

export function notesOfProblem(db: DbOrTrx, problemId: string) {
  return db
    .selectFrom('callback_problem_notes')
    .selectAll()
    .where('problem_id', '=', problemId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function insertFlag(db: DbOrTrx, row: NewRow<'callback_misselling_flags'>): Promise<void> {
  await db.insertInto('callback_misselling_flags').values(row).execute();
}

export function flagOfProblem(db: DbOrTrx, problemId: string) {
  return db.selectFrom('callback_misselling_flags').selectAll().where('problem_id', '=', problemId).executeTakeFirst();
}

export async function insertOffer(db: DbOrTrx, row: NewRow<'callback_refund_offers'>): Promise<void> {
  await db.insertInto('callback_refund_offers').values(row).execute();
}

export function offersOfPolicy(db: DbOrTrx, policyId: string) {
  return db
    .selectFrom('callback_refund_offers')
    .leftJoin('callback_refund_offer_answers', 'callback_refund_offer_answers.offer_id', 'callback_refund_offers.id')
    .select([
      'callback_refund_offers.id',
      'callback_refund_offers.problem_id',
      'callback_refund_offers.amount_fen',
      'callback_refund_offers.offered_at',
      'callback_refund_offer_answers.answer',
      'callback_refund_offer_answers.via',
      'callback_refund_offer_answers.answered_at',
      'callback_refund_offer_answers.cancellation_id',
    ])
    .where('callback_refund_offers.policy_id', '=', policyId)
    .orderBy('callback_refund_offers.offered_at')
    .orderBy('callback_refund_offers.id')
    .execute();
}

/** One refund offer with its answer, if any, found by its id or by its problem case. */
function offerWithAnswer(db: DbOrTrx, by: 'id' | 'problem_id', value: string) {
  return db
    .selectFrom('callback_refund_offers')
    .leftJoin('callback_refund_offer_answers', 'callback_refund_offer_answers.offer_id', 'callback_refund_offers.id')
    .selectAll('callback_refund_offers')
    .select(['callback_refund_offer_answers.answer'])
    .where(`callback_refund_offers.${by}`, '=', value)
    .executeTakeFirst();
}

export const findOffer = (db: DbOrTrx, id: string) => offerWithAnswer(db, 'id', id);
export const findOfferOfProblem = (db: DbOrTrx, problemId: string) => offerWithAnswer(db, 'problem_id', problemId);

export async function insertOfferAnswer(db: DbOrTrx, row: NewRow<'callback_refund_offer_answers'>): Promise<boolean> {
  const r = await db
    .insertInto('callback_refund_offer_answers')
    .values(row)
    .onConflict((oc) => oc.column('offer_id').doNothing())
    .returning('offer_id')
    .executeTakeFirst();
  return !!r;
}

export async function insertFinalRecord(db: DbOrTrx, row: NewRow<'callback_final_records'>): Promise<void> {
  await db.insertInto('callback_final_records').values(row).execute();
}

export function finalRecordOfCase(db: DbOrTrx, caseId: string) {
  return db.selectFrom('callback_final_records').selectAll().where('case_id', '=', caseId).executeTakeFirst();
}

// the policy behind a case

export async function policyOfCase(db: DbOrTrx, policyId: string) {
  const p = await findPolicy(db, policyId);
  if (!p) throw new Error(`No policy ${policyId}`);
  return p;
}

export async function policyholderOf(db: DbOrTrx, applicationId: string) {
  const holder = await findPolicyholder(db, applicationId);
  if (!holder) throw new Error(`No policyholder of ${applicationId}`);
  return holder;
}

export async function applicationOf(db: DbOrTrx, applicationId: string) {
  const app = await findApplication(db, applicationId);
  if (!app) throw new Error(`No application ${applicationId}`);
  return app;
}

export async function paidPremiumOf(db: DbOrTrx, applicationId: string): Promise<number> {
  const r = await findPaidOrder(db, applicationId);
  return r?.amount_fen ?? 0;
}

/** The callback records of one policy's sale, as the records module traces them: its cases, their problems and samples. */
export async function callbackRefsOfPolicy(
  db: DbOrTrx,
  policyId: string,
): Promise<{ caseIds: string[]; problemIds: string[]; sampleIds: string[] }> {
  const caseIds = (await db.selectFrom('callback_cases').select('id').where('policy_id', '=', policyId).execute()).map((c) => c.id);
  if (!caseIds.length) return { caseIds, problemIds: [], sampleIds: [] };
  const [problems, samples] = await Promise.all([
    db.selectFrom('callback_problems').select('id').where('case_id', 'in', caseIds).execute(),
    db.selectFrom('callback_samples').select('id').where('case_id', 'in', caseIds).execute(),
  ]);
  return { caseIds, problemIds: problems.map((p) => p.id), sampleIds: samples.map((s) => s.id) };
}

/** The applications (all, or among those named) whose policy has a callback case. */
export async function applicationsWithCallback(db: DbOrTrx, applicationIds?: string[]): Promise<Set<string>> {
  let q = db.selectFrom('callback_cases').select('application_id');
  if (applicationIds) q = q.where('application_id', 'in', applicationIds.length ? applicationIds : ['']);
  return new Set((await q.execute()).map((c) => c.application_id));
}

/**
 * A callback's whole record in one read: what staff see of it and what the sampling checklist checks (one loader
 * for both).
 */
export async function loadCaseRecord(db: DbOrTrx, caseId: string) {
  const [tasks, attempts, identityChecks, answers, displays, problems, media, finalRecord] = await Promise.all([
    tasksOfCase(db, caseId),
    attemptsOfCase(db, caseId),
    identityChecksOfCase(db, caseId),
    answersOfCase(db, caseId),
    displaysOfCase(db, caseId),
    problemsOfCase(db, caseId),
    mediaOfCase(db, caseId),
    finalRecordOfCase(db, caseId),
  ]);
  return { tasks, attempts, identityChecks, answers, displays, problems, media, finalRecord };
}
export type CaseRecord = Awaited<ReturnType<typeof loadCaseRecord>>;

/** The link the callback notice sent, as its event recorded it. */
export async function noticeLinkOfCase(db: DbOrTrx, caseId: string): Promise<string | null> {
  const r = await db
    .selectFrom('events')
    .select(sql<string | null>`payload->>'link'`.as('link'))
    .where('subject_type', '=', 'callback_case')
    .where('subject_id', '=', caseId)
    .where('type', '=', 'callback.notice_sent')
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  return r?.link ?? null;
}
