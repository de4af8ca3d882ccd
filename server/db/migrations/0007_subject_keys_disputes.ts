import { sql, type Kysely } from 'kysely';

/**
 * Crypto-shredding and disputes (M§33, requirements §2.4).
 *
 * - `subject_keys`: one data key per record scope (an application, a consumer's phone), itself encrypted with the
 *   platform's personal-data key. Ledger entries seal personal data under it, so destroying the key after retention
 *   makes those values unreadable while every entry's bytes — and so the Merkle tree — stay exactly as they were.
 *   The only change a row may ever see is its destruction, once; rows are never deleted.
 * - `disputes`: a claim, complaint or lawsuit keeps a sale's records for 2 years after it ends; an open dispute
 *   holds them indefinitely.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table subject_keys (
      id text primary key,
      scope_type text not null,
      scope_id text not null,
      key_cipher text,
      created_at timestamptz not null,
      destroyed_at timestamptz,
      destroyed_by text,
      destroy_reason text,
      constraint subject_keys_one_per_scope unique (scope_type, scope_id),
      constraint subject_keys_destroyed_has_no_key check ((destroyed_at is null) = (key_cipher is not null))
    );

    create function subject_keys_destroy_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.destroyed_at is null and new.destroyed_at is not null and new.key_cipher is null
         and new.id = old.id and new.scope_type = old.scope_type and new.scope_id = old.scope_id and new.created_at = old.created_at then
        return new;
      end if;
      raise exception '% on subject_keys is refused: a subject key is only ever destroyed, once', tg_op using errcode = 'insufficient_privilege';
    end $$;
    create trigger subject_keys_destroy_only before update or delete on subject_keys for each row execute function subject_keys_destroy_only();
    create trigger subject_keys_no_truncate before truncate on subject_keys for each statement execute function ledger_append_only();

    create table disputes (
      id text primary key,
      application_id text not null references applications(id),
      policy_id text references policies(id),
      kind text not null check (kind in ('claim', 'complaint', 'litigation', 'arbitration', 'regulator_inquiry')),
      reference text not null,
      opened_at timestamptz not null,
      opened_by text not null,
      ended_at timestamptz,
      ended_by text,
      constraint disputes_end_after_open check (ended_at is null or ended_at >= opened_at)
    );
    create index disputes_by_application on disputes (application_id);
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Subject keys are never migrated down');
}
