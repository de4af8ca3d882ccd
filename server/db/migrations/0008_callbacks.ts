import { sql, type Kysely } from 'kysely';

/**
 * The electronic callback (电子化回访, CB; requirements §2.7). A case per policy carries its status and one timestamp
 * per milestone; everything that happened in it — attempts and their outcomes, identity checks, each item shown and
 * answered, recordings and signed receipts, problem-case notes, flags, refund offers, the final record — is a row
 * that is inserted once and never changed or removed: the database refuses UPDATE, DELETE and TRUNCATE there, so a
 * correction can only be a new entry. The case, task and problem rows that do change refuse deletion, and their
 * identity and milestone columns, once written, refuse change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function callback_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% on % is refused: callback records are append-only; a correction is a new entry', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
    end $$;

    -- Columns named as trigger arguments may be written once: from null to a value, never from a value to another.
    create function callback_write_once() returns trigger language plpgsql as $$
    declare
      col text;
      before jsonb := to_jsonb(old);
      after jsonb := to_jsonb(new);
    begin
      foreach col in array tg_argv loop
        if before->col is not null and before->col <> 'null'::jsonb and before->col is distinct from after->col then
          raise exception 'column % of % is written once: % refused', col, tg_table_name, tg_op using errcode = 'insufficient_privilege';
        end if;
      end loop;
      return new;
    end $$;

    create table callback_cases (
      id text primary key,
      policy_id text not null unique references policies(id),
      application_id text not null references applications(id),
      consumer_id text not null references consumers(id),
      product_version_id text not null references product_versions(id),
      product_code text not null,
      product_line text not null,
      -- The sales channel, for sampling and figures per channel: 'direct' on the self-operated platform.
      channel text not null,
      new_type boolean not null,
      face_required boolean not null,
      basis text not null check (basis in ('term_over_one_year', 'product_opt_in')),
      status text not null check (status in ('awaiting_electronic', 'electronic_in_progress', 'phone_pending', 'letter_pending', 'succeeded', 'failed', 'closed_policy_cancelled')),
      -- How it succeeded.
      method text check (method in ('electronic', 'phone', 'letter', 'visit')),
      deadline_date date not null,
      deadline_at timestamptz not null,
      fallback_at timestamptz not null,
      opened_at timestamptz not null,
      notified_at timestamptz,
      notice_message_id text,
      started_at timestamptz,
      identity_verified_at timestamptz,
      phone_requested_at timestamptz,
      phone_task_at timestamptz,
      letter_task_at timestamptz,
      succeeded_at timestamptz,
      failed_at timestamptz,
      closed_at timestamptz,
      close_reason text
    );
    create index callback_cases_status_idx on callback_cases (status, fallback_at);
    create index callback_cases_consumer_idx on callback_cases (consumer_id, opened_at desc);
    create index callback_cases_notice_idx on callback_cases (opened_at) where notified_at is null;

    -- Phone and letter/visit tasks for callback agents.
    create table callback_tasks (
      id text primary key,
      case_id text not null references callback_cases(id),
      kind text not null check (kind in ('phone', 'letter_visit')),
      reason text not null,
      status text not null check (status in ('open', 'succeeded', 'failed', 'closed')),
      opened_at timestamptz not null,
      due_at timestamptz not null,
      assigned_to text references staff_accounts(id),
      assigned_at timestamptz,
      ended_at timestamptz,
      end_reason text
    );
    create unique index callback_tasks_one_open_idx on callback_tasks (case_id) where status = 'open';
    create index callback_tasks_queue_idx on callback_tasks (kind, status, due_at);

    -- One try of one method: an electronic session, a call, a letter, a visit.
    create table callback_attempts (
      id text primary key,
      case_id text not null references callback_cases(id),
      task_id text references callback_tasks(id),
      method text not null check (method in ('electronic', 'phone', 'letter', 'visit')),
      started_at timestamptz not null,
      started_by_type text not null,
      started_by_id text
    );
    create index callback_attempts_case_idx on callback_attempts (case_id, started_at);

    -- Content-addressed media: call recordings and scans of signed receipts, stored once by SHA-256.
    create table callback_media_blobs (
      sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
      media_type text not null,
      size_bytes int not null check (size_bytes > 0),
      content bytea not null,
      stored_at timestamptz not null
    );
    create table callback_media (
      id text primary key,
      case_id text not null references callback_cases(id),
      kind text not null check (kind in ('call_recording', 'signed_receipt')),
      sha256 text not null references callback_media_blobs(sha256),
      uploaded_by text not null,
      uploaded_at timestamptz not null
    );
    create index callback_media_case_idx on callback_media (case_id);

    create table callback_attempt_outcomes (
      attempt_id text primary key references callback_attempts(id),
      outcome text not null,
      reason text,
      media_id text references callback_media(id),
      closing_text_version_id text references text_versions(id),
      closing_confirmed_at timestamptz,
      ended_at timestamptz not null,
      ended_by_type text not null,
      ended_by_id text
    );

    create table callback_identity_checks (
      id text primary key,
      case_id text not null references callback_cases(id),
      attempt_id text not null references callback_attempts(id),
      method text not null check (method in ('sms_code', 'id_number', 'face')),
      result text not null check (result in ('passed', 'failed')),
      reason text,
      -- Provider references and scores only: never a code, an ID number or an image.
      evidence jsonb not null,
      checked_at timestamptz not null
    );
    create index callback_identity_checks_attempt_idx on callback_identity_checks (attempt_id);

    -- Each item (and the closing confirmation) shown: to the policyholder online, or to the agent as the script.
    create table callback_item_displays (
      id text primary key,
      case_id text not null references callback_cases(id),
      attempt_id text references callback_attempts(id),
      task_id text references callback_tasks(id),
      item_code text not null,
      text_version_id text not null references text_versions(id),
      shown_to text not null check (shown_to in ('policyholder', 'agent')),
      displayed_at timestamptz not null,
      check (attempt_id is not null or task_id is not null)
    );
    create index callback_item_displays_idx on callback_item_displays (case_id, item_code);

    -- The policyholder's answers: one per item per attempt, with the text version asked and the time.
    create table callback_answers (
      id text primary key,
      case_id text not null references callback_cases(id),
      attempt_id text not null references callback_attempts(id),
      item_code text not null,
      position int not null,
      answer text not null check (answer in ('yes', 'no', 'unsure')),
      text_version_id text not null references text_versions(id),
      method text not null check (method in ('electronic', 'phone', 'letter', 'visit')),
      recorded_by_type text not null,
      recorded_by_id text,
      displayed_at timestamptz,
      answered_at timestamptz not null,
      unique (attempt_id, item_code)
    );
    create index callback_answers_case_idx on callback_answers (case_id, answered_at);

    create table callback_problems (
      id text primary key,
      case_id text not null references callback_cases(id),
      policy_id text not null references policies(id),
      kind text not null check (kind in ('negative_answer', 'unsure_answer', 'policy_not_received', 'signature_not_own')),
      item_code text not null,
      answer_id text not null unique references callback_answers(id),
      status text not null check (status in ('open', 'awaiting_customer', 'closed')),
      opened_at timestamptz not null,
      assigned_to text references staff_accounts(id),
      assigned_at timestamptz,
      resolution text check (resolution in ('explained_confirmed', 'misselling')),
      resolved_at timestamptz,
      resolved_by text,
      closed_at timestamptz,
      close_reason text
    );
    create index callback_problems_status_idx on callback_problems (status, opened_at);
    create index callback_problems_case_idx on callback_problems (case_id);

    create table callback_problem_notes (
      id text primary key,
      problem_id text not null references callback_problems(id),
      kind text not null check (kind in ('investigation', 'phone_explanation', 'resolution', 'correction')),
      -- Staff write free text that may name people: stored encrypted like any personal data.
      body_cipher text not null,
      media_id text references callback_media(id),
      corrects_note_id text references callback_problem_notes(id),
      author_id text not null,
      created_at timestamptz not null
    );
    create index callback_problem_notes_idx on callback_problem_notes (problem_id, created_at);

    -- Mis-selling found: the sales record (the application) and the responsible staff member flagged.
    create table callback_misselling_flags (
      id text primary key,
      problem_id text not null unique references callback_problems(id),
      case_id text not null references callback_cases(id),
      policy_id text not null references policies(id),
      application_id text not null references applications(id),
      -- The registered sales staff member (从业人员) responsible, when the sale had one; null for a direct online sale.
      responsible_staff_ref text,
      flagged_by text not null,
      flagged_at timestamptz not null
    );

    create table callback_refund_offers (
      id text primary key,
      problem_id text not null unique references callback_problems(id),
      policy_id text not null references policies(id),
      amount_fen bigint not null check (amount_fen > 0),
      offered_by text not null,
      offered_at timestamptz not null
    );
    create table callback_refund_offer_answers (
      offer_id text primary key references callback_refund_offers(id),
      answer text not null check (answer in ('accepted', 'declined')),
      via text not null check (via in ('online', 'phone')),
      media_id text references callback_media(id),
      cancellation_id text references cancellations(id),
      answered_by_type text not null,
      answered_by_id text,
      answered_at timestamptz not null
    );

    -- Every method failed: what was tried, and why each failed.
    create table callback_final_records (
      case_id text primary key references callback_cases(id),
      outcome text not null check (outcome in ('failed')),
      reasons jsonb not null,
      recorded_at timestamptz not null,
      recorded_by text not null
    );

    -- A mis-selling cancellation refunds the whole premium.
    alter table cancellations drop constraint cancellations_kind_check;
    alter table cancellations add constraint cancellations_kind_check check (kind in ('cooling_off', 'misselling'));
  `.execute(db);

  const appendOnly = [
    'callback_attempts',
    'callback_attempt_outcomes',
    'callback_identity_checks',
    'callback_item_displays',
    'callback_answers',
    'callback_media_blobs',
    'callback_media',
    'callback_problem_notes',
    'callback_misselling_flags',
    'callback_refund_offers',
    'callback_refund_offer_answers',
    'callback_final_records',
  ];
  for (const table of appendOnly) {
    await sql`create trigger ${sql.raw(`${table}_no_change`)} before update or delete on ${sql.table(table)} for each row execute function callback_append_only()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function callback_append_only()`.execute(db);
  }

  const writeOnce: Record<string, string[]> = {
    callback_cases: [
      'id', 'policy_id', 'application_id', 'consumer_id', 'product_version_id', 'product_code', 'product_line', 'channel', 'new_type', 'face_required', 'basis',
      'method', 'deadline_date', 'deadline_at', 'fallback_at', 'opened_at', 'notified_at', 'notice_message_id', 'started_at', 'identity_verified_at',
      'phone_requested_at', 'phone_task_at', 'letter_task_at', 'succeeded_at', 'failed_at', 'closed_at', 'close_reason',
    ],
    callback_tasks: ['id', 'case_id', 'kind', 'reason', 'opened_at', 'due_at', 'ended_at', 'end_reason'],
    callback_problems: ['id', 'case_id', 'policy_id', 'kind', 'item_code', 'answer_id', 'opened_at', 'resolution', 'resolved_at', 'resolved_by', 'closed_at', 'close_reason'],
  };
  for (const [table, columns] of Object.entries(writeOnce)) {
    const args = sql.join(columns.map((c) => sql.lit(c)));
    await sql`create trigger ${sql.raw(`${table}_write_once`)} before update on ${sql.table(table)} for each row execute function callback_write_once(${args})`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_delete`)} before delete on ${sql.table(table)} for each row execute function callback_append_only()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function callback_append_only()`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('Callback records are never migrated down');
}
