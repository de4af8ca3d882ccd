import { sql, type RawBuilder } from 'kysely';
import type { Db, DbOrTrx } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import { InvariantError, must } from '../../platform/errors.js';
import { periodOf, type CallbackFigures, type CaseCounts, type Period } from './callback-figures.js';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The cohort of cases opened in the period, one row per case with what the figures need. */
function cohort(p: Period): RawBuilder<unknown> {
  return sql`
    select c.id, c.product_code, c.channel, c.status, c.method, c.opened_at, c.succeeded_at, c.deadline_at,
           c.status in ('succeeded', 'failed') as concluded,
           exists (select 1 from callback_answers a where a.case_id = c.id) as answered,
           (select count(*) from callback_problems q where q.case_id = c.id)::int as problems
    from callback_cases c
    where c.opened_at >= ${p.fromAt} and c.opened_at < ${p.toAt}`;
}

const RATE = (part: RawBuilder<unknown>, whole: RawBuilder<unknown>) => sql`round((${part})::numeric / nullif(${whole}, 0), 4)::text`;
const CONCLUDED = sql`count(*) filter (where concluded)`;
const SUCCEEDED = sql`count(*) filter (where status = 'succeeded')`;
const ANSWERED = sql`count(*) filter (where answered)`;
const WITH_PROBLEM = sql`count(*) filter (where problems > 0)`;
const DURATION = sql`(succeeded_at - opened_at)`;

interface CountsRow {
  g_product: number;
  g_channel: number;
  product_code: string | null;
  channel: string | null;
  opened: number;
  concluded: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  still_open: number;
  electronic: number;
  phone: number;
  letter: number;
  visit: number;
  success_rate: string | null;
  electronic_rate: string | null;
  answered: number;
  with_problem: number;
  problem_cases: number;
  problem_case_rate: string | null;
  median_s: string | null;
  p90_s: string | null;
  within_deadline: number;
  within_rate: string | null;
}

function counts(r: CountsRow): CaseCounts {
  return {
    opened: Number(r.opened),
    concluded: Number(r.concluded),
    succeeded: Number(r.succeeded),
    failed: Number(r.failed),
    cancelled: Number(r.cancelled),
    open: Number(r.still_open),
    successRate: r.success_rate,
    byMethod: { electronic: Number(r.electronic), phone: Number(r.phone), letter: Number(r.letter), visit: Number(r.visit) },
    electronicRate: r.electronic_rate,
    answered: Number(r.answered),
    withProblem: Number(r.with_problem),
    problemCases: Number(r.problem_cases),
    problemCaseRate: r.problem_case_rate,
    medianSeconds: num(r.median_s),
    p90Seconds: num(r.p90_s),
  };
}

/** The figures of the callback for a period, each computed by one SQL statement over the callback tables. */
export async function computeFigures(db: DbOrTrx, p: Period): Promise<CallbackFigures> {
  const rows = (
    await sql<CountsRow>`
      with cohort as (${cohort(p)})
      select grouping(product_code) as g_product, grouping(channel) as g_channel, product_code, channel,
             count(*) as opened,
             ${CONCLUDED} as concluded,
             ${SUCCEEDED} as succeeded,
             count(*) filter (where status = 'failed') as failed,
             count(*) filter (where status = 'closed_policy_cancelled') as cancelled,
             count(*) filter (where not concluded and status <> 'closed_policy_cancelled') as still_open,
             count(*) filter (where status = 'succeeded' and method = 'electronic') as electronic,
             count(*) filter (where status = 'succeeded' and method = 'phone') as phone,
             count(*) filter (where status = 'succeeded' and method = 'letter') as letter,
             count(*) filter (where status = 'succeeded' and method = 'visit') as visit,
             ${RATE(SUCCEEDED, CONCLUDED)} as success_rate,
             ${RATE(sql`count(*) filter (where status = 'succeeded' and method = 'electronic')`, CONCLUDED)} as electronic_rate,
             ${ANSWERED} as answered,
             ${WITH_PROBLEM} as with_problem,
             coalesce(sum(problems), 0)::int as problem_cases,
             ${RATE(WITH_PROBLEM, ANSWERED)} as problem_case_rate,
             extract(epoch from percentile_cont(0.5) within group (order by ${DURATION}) filter (where status = 'succeeded'))::text as median_s,
             extract(epoch from percentile_cont(0.9) within group (order by ${DURATION}) filter (where status = 'succeeded'))::text as p90_s,
             count(*) filter (where status = 'succeeded' and succeeded_at <= deadline_at) as within_deadline,
             ${RATE(sql`count(*) filter (where status = 'succeeded' and succeeded_at <= deadline_at)`, SUCCEEDED)} as within_rate
      from cohort
      group by grouping sets ((), (product_code), (channel))
      order by g_product desc, g_channel desc, product_code, channel`.execute(db)
  ).rows;
  // The empty grouping set yields its row even over no cases.
  const totalRow = must(
    rows.find((r) => Number(r.g_product) === 1 && Number(r.g_channel) === 1),
    'the total row of the callback figures',
  );

  const byMethod = (
    await sql<{ method: string; succeeded: number; rate: string | null; median_s: string | null; p90_s: string | null }>`
      with cohort as (${cohort(p)})
      select method, count(*) as succeeded,
             ${RATE(sql`count(*)`, sql`(select count(*) from cohort where concluded)`)} as rate,
             extract(epoch from percentile_cont(0.5) within group (order by ${DURATION}))::text as median_s,
             extract(epoch from percentile_cont(0.9) within group (order by ${DURATION}))::text as p90_s
      from cohort where status = 'succeeded'
      group by method order by method`.execute(db)
  ).rows;

  const kinds = (
    await sql<{ kind: string; count: number }>`
      with cohort as (${cohort(p)})
      select q.kind, count(*) as count from callback_problems q join cohort on cohort.id = q.case_id
      group by q.kind order by q.kind`.execute(db)
  ).rows;

  const samplingRow = (
    await sql<{ drawn: number; selected: number; reviewed: number; passed: number; failed: number; rework_open: number }>`
      with cohort as (${cohort(p)}),
      latest as (
        select distinct on (s.id) s.id as sample_id, r.outcome
        from callback_samples s join cohort on cohort.id = s.case_id
        left join callback_sample_reviews r on r.sample_id = s.id
        order by s.id, r.seq desc nulls last
      )
      select (select count(*) from callback_sampling_draws d join cohort on cohort.id = d.case_id) as drawn,
             (select count(*) from callback_sampling_draws d join cohort on cohort.id = d.case_id where d.selected) as selected,
             (select count(*) from latest where outcome is not null) as reviewed,
             (select count(*) from latest where outcome = 'passed') as passed,
             (select count(*) from latest where outcome = 'failed') as failed,
             (select count(*) from callback_sample_reworks w join cohort on cohort.id = w.case_id
               where not exists (select 1 from callback_sample_rework_completions k where k.rework_id = w.id)) as rework_open`.execute(db)
  ).rows[0];
  if (!samplingRow) throw new InvariantError('a select without FROM returned no row');

  return {
    period: { from: p.from, to: p.to, basis: 'opened_at' },
    total: counts(totalRow),
    // A row grouped by product (or channel) carries it: the case columns are NOT NULL.
    byProduct: rows.flatMap((r) =>
      Number(r.g_product) === 0 && r.product_code !== null ? [{ productCode: r.product_code, ...counts(r) }] : [],
    ),
    byChannel: rows.flatMap((r) => (Number(r.g_channel) === 0 && r.channel !== null ? [{ channel: r.channel, ...counts(r) }] : [])),
    byMethod: byMethod.map((m) => ({
      method: m.method,
      succeeded: Number(m.succeeded),
      rate: m.rate,
      medianSeconds: num(m.median_s),
      p90Seconds: num(m.p90_s),
    })),
    withinCoolingOff: {
      succeeded: Number(totalRow.succeeded),
      withinDeadline: Number(totalRow.within_deadline),
      rate: totalRow.within_rate,
    },
    problemsByKind: kinds.map((k) => ({ kind: k.kind, count: Number(k.count) })),
    sampling: {
      drawn: Number(samplingRow.drawn),
      selected: Number(samplingRow.selected),
      reviewed: Number(samplingRow.reviewed),
      passed: Number(samplingRow.passed),
      failed: Number(samplingRow.failed),
      reworkOpen: Number(samplingRow.rework_open),
    },
  };
}

/** Callback figures for compliance officers and auditors (CB; requirements §2.7). */
export function createCallbackFiguresService(deps: { db: Db }) {
  const { db } = deps;

  /** Success rate by method and product, time to complete, problem-case rate and sampling for the cases opened in [from, to). */
  async function figures(actor: Actor, period: { from: string; to: string }): Promise<CallbackFigures> {
    requireRole(actor, 'compliance_officer', 'auditor');
    return computeFigures(db, periodOf(period.from, period.to));
  }

  return { figures };
}
export type CallbackFiguresService = ReturnType<typeof createCallbackFiguresService>;
