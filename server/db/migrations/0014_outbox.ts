import { sql, type Kysely } from 'kysely';
import { newId } from '../../platform/ids.js';

/**
 * The outbox: work after commit (e-policies, invoices, red-letter invoices, callback and refund-offer notices),
 * enqueued in the transaction of the change that causes it and drained by workers. One row per piece of work
 * (`kind`, `subject_id`); the payload carries ids only, never personal data.
 *
 * - `pending`: due at `next_attempt_at` (a worker's lease, a backoff after a failure, or a wait for a checkpoint).
 * - `done`: the work was done, or found done already.
 * - `failed`: it failed `attempts` times, the most allowed; an operator puts it back to `pending`.
 *
 * Work that existing rows still wait for (found until now by polling queries) is enqueued here, due at once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table outbox_items (
      id text primary key,
      kind text not null check (kind in ('e_policy', 'invoice', 'red_invoice', 'callback_notice', 'refund_offer_notice')),
      subject_id text not null,
      payload jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'done', 'failed')),
      attempts integer not null default 0 check (attempts >= 0),
      next_attempt_at timestamptz not null,
      last_error text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      done_at timestamptz,
      failed_at timestamptz,
      constraint outbox_items_one_per_subject unique (kind, subject_id)
    );
    create index outbox_items_due on outbox_items (next_attempt_at, id) where status = 'pending';
    create index outbox_items_by_status on outbox_items (status, updated_at desc);
  `.execute(db);

  // What the polling queries found until now: same conditions, due when the change happened.
  const backlog = await sql<{ kind: string; subject_id: string; key: string; due: Date }>`
    select 'e_policy' as kind, p.id as subject_id, 'policyId' as key, p.issued_at as due from policies p
     where not exists (select 1 from policy_documents d where d.policy_id = p.id and d.kind = 'e_policy')
    union all
    select 'invoice', p.id, 'policyId', p.issued_at from policies p
     where not exists (select 1 from invoices i where i.policy_id = p.id)
    union all
    select 'red_invoice', r.id, 'refundId', r.requested_at from refunds r
     where r.policy_id is not null and r.amount_fen > 0 and not exists (select 1 from invoices i where i.refund_id = r.id)
    union all
    select 'callback_notice', c.id, 'caseId', c.opened_at from callback_cases c
     where c.notified_at is null and c.status in ('awaiting_electronic', 'electronic_in_progress')
    union all
    select 'refund_offer_notice', o.id, 'offerId', o.offered_at from callback_refund_offers o
      join callback_problems p on p.id = o.problem_id
     where p.status = 'awaiting_customer'
       and not exists (select 1 from callback_refund_offer_notices n where n.offer_id = o.id)
       and not exists (select 1 from callback_refund_offer_answers a where a.offer_id = o.id)
    order by due`.execute(db);
  const now = new Date();
  for (let i = 0; i < backlog.rows.length; i += 500) {
    const rows = backlog.rows.slice(i, i + 500).map((r) => ({
      id: newId('obx', now.getTime()),
      kind: r.kind,
      subject_id: r.subject_id,
      payload: JSON.stringify({ [r.key]: r.subject_id }),
      next_attempt_at: r.due,
      created_at: now,
      updated_at: now,
    }));
    await db.insertInto('outbox_items').values(rows).onConflict((oc) => oc.columns(['kind', 'subject_id']).doNothing()).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table outbox_items`.execute(db);
}
