import { sql, type Kysely } from 'kysely';

/**
 * Quality sampling of callbacks (回访质量抽检, CB; requirements §2.7) and the first-use report to the regulator.
 *
 * - `callback_sampling_rules`: the rate per channel and product, each change a new row effective from a time that
 *   is never in the past, so the rate a completed case was drawn at can always be found again.
 * - `callback_sampling_draws`: one row per completed case (succeeded or failed): the keyed-hash draw, the rate that
 *   applied and whether the case was selected. Non-selected cases are kept too, so an audit can re-derive every
 *   decision, not only the ones that were sampled.
 * - `callback_samples`, `callback_sample_reviews`, `callback_sample_review_items`: the sample, the checks computed
 *   from the records when it was drawn, and each review with a result per checklist item; a correction or a
 *   re-review after rework is a new review, never an edit.
 * - `callback_sample_reworks`, `callback_sample_rework_completions`: a failed review sends the case back; the
 *   rework's completion is a row of its own.
 * - `callback_reports`: every first-use report generated, its JSON and PDF byte for byte with their hashes.
 *
 * All of it is append-only through 0008's `callback_append_only()`: UPDATE, DELETE and TRUNCATE are refused.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table callback_sampling_rules (
      id text primary key,
      -- null: every channel / every product. The most specific rule in effect wins.
      channel text,
      product_code text,
      -- null: this key no longer has a rate of its own; the broader rule applies again.
      rate numeric(7, 6) check (rate >= 0 and rate <= 1),
      effective_from timestamptz not null,
      reason text not null,
      set_by text not null references staff_accounts(id),
      set_at timestamptz not null,
      check (effective_from >= set_at)
    );
    create index callback_sampling_rules_key_idx on callback_sampling_rules (channel, product_code, effective_from desc);

    create table callback_sampling_draws (
      case_id text primary key references callback_cases(id),
      outcome text not null check (outcome in ('succeeded', 'failed')),
      completed_at timestamptz not null,
      -- null: no rule matched, the configured default rate applied.
      rule_id text references callback_sampling_rules(id),
      rate numeric(7, 6) not null check (rate >= 0 and rate <= 1),
      -- The first 64 bits of HMAC-SHA-256(key, case id), hex; selected when draw / 2^64 < rate.
      draw_hex text not null check (draw_hex ~ '^[0-9a-f]{16}$'),
      -- Fingerprint of the sampling key, so a change of key is visible to an audit.
      key_id text not null,
      selected boolean not null,
      run_id text not null,
      drawn_at timestamptz not null
    );
    create index callback_sampling_draws_completed_idx on callback_sampling_draws (completed_at);
    create index callback_sampling_draws_run_idx on callback_sampling_draws (run_id);

    create table callback_samples (
      id text primary key,
      case_id text not null unique references callback_sampling_draws(case_id),
      -- The checklist as computed from the records when the case was drawn.
      checks jsonb not null,
      created_at timestamptz not null
    );
    create index callback_samples_created_idx on callback_samples (created_at);

    create table callback_sample_reviews (
      id text primary key,
      sample_id text not null references callback_samples(id),
      seq int not null check (seq >= 1),
      kind text not null check (kind in ('initial', 'correction', 're_review')),
      previous_review_id text unique references callback_sample_reviews(id),
      outcome text not null check (outcome in ('passed', 'failed')),
      -- Reviewers write free text that may name people: stored encrypted.
      findings_cipher text,
      -- A failed re-review after rework may close the sample as failed instead of sending it back again.
      closes_sample boolean not null default false,
      reviewer_id text not null references staff_accounts(id),
      reviewed_at timestamptz not null,
      unique (sample_id, seq),
      check ((seq = 1) = (previous_review_id is null)),
      check ((seq = 1) = (kind = 'initial')),
      check (not closes_sample or (outcome = 'failed' and kind = 're_review'))
    );

    create table callback_sample_review_items (
      review_id text not null references callback_sample_reviews(id),
      item_code text not null,
      computed text not null check (computed in ('pass', 'fail', 'not_applicable', 'manual')),
      result text not null check (result in ('pass', 'fail', 'not_applicable')),
      note_cipher text,
      primary key (review_id, item_code),
      -- What the records show cannot be reviewed away: a computed failure stays a failure.
      check (computed <> 'fail' or result = 'fail'),
      check ((computed = 'not_applicable') = (result = 'not_applicable'))
    );

    create table callback_sample_reworks (
      id text primary key,
      sample_id text not null references callback_samples(id),
      review_id text not null unique references callback_sample_reviews(id),
      case_id text not null references callback_cases(id),
      failed_items text[] not null check (cardinality(failed_items) > 0),
      opened_at timestamptz not null,
      due_at timestamptz not null
    );
    create index callback_sample_reworks_sample_idx on callback_sample_reworks (sample_id, opened_at);

    create table callback_sample_rework_completions (
      rework_id text primary key references callback_sample_reworks(id),
      outcome text not null check (outcome in ('callback_redone', 'evidence_supplemented', 'problem_case_opened', 'not_possible', 'withdrawn_by_review')),
      note_cipher text,
      -- The attempt, media or problem case of the same callback the rework produced, when there is one.
      reference_id text,
      completed_by text not null,
      completed_at timestamptz not null
    );

    create table callback_reports (
      id text primary key,
      kind text not null check (kind in ('first_use')),
      content jsonb not null,
      content_sha256 text not null check (content_sha256 ~ '^[0-9a-f]{64}$'),
      pdf bytea not null,
      pdf_sha256 text not null check (pdf_sha256 ~ '^[0-9a-f]{64}$'),
      generated_by text not null references staff_accounts(id),
      generated_at timestamptz not null
    );
    create index callback_reports_kind_idx on callback_reports (kind, generated_at desc);
  `.execute(db);

  const appendOnly = [
    'callback_sampling_rules',
    'callback_sampling_draws',
    'callback_samples',
    'callback_sample_reviews',
    'callback_sample_review_items',
    'callback_sample_reworks',
    'callback_sample_rework_completions',
    'callback_reports',
  ];
  for (const table of appendOnly) {
    await sql`create trigger ${sql.raw(`${table}_no_change`)} before update or delete on ${sql.table(table)} for each row execute function callback_append_only()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function callback_append_only()`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('Callback sampling records are never migrated down');
}
