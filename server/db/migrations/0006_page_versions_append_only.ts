import { sql, type Kysely } from 'kysely';

/**
 * Page versions are evidence (M§33): a snapshot, once registered, never changes. Offline times move from a column
 * that was updated in place to a table of their own that is only ever inserted into, and both tables refuse
 * UPDATE, DELETE and TRUNCATE like the ledger.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table text_version_offline (
      text_version_id text primary key references text_versions(id),
      offline_at timestamptz not null
    );
    insert into text_version_offline (text_version_id, offline_at) select id, offline_at from text_versions where offline_at is not null;
    alter table text_versions drop column offline_at;
  `.execute(db);
  for (const table of ['text_versions', 'text_version_offline']) {
    await sql`create trigger ${sql.raw(`${table}_no_change`)} before update or delete on ${sql.table(table)} for each row execute function ledger_append_only()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function ledger_append_only()`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('Page versions are never migrated down');
}
