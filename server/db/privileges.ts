import { sql, type Kysely } from 'kysely';

/** The ledger and the events it records: never changed or removed once written (the tests name them). */
export const APPEND_ONLY_TABLES = [
  'ledger_meta',
  'ledger_leaves',
  'ledger_nodes',
  'ledger_tree_heads',
  'ledger_checkpoints',
  'events',
] as const;

/** Trigger functions that refuse a change outright; `subject_keys_destroy_only` allows one update (destroying a key). */
const REFUSING_FUNCTIONS = ['ledger_append_only', 'callback_append_only'];
const GUARDING_FUNCTIONS = [...REFUSING_FUNCTIONS, 'subject_keys_destroy_only'];

/**
 * What the runtime role must never do, read from the triggers themselves so a new append-only table is covered the
 * moment its migration adds the trigger: each table whose row trigger refuses UPDATE or DELETE loses that privilege.
 */
async function refusedByTriggers<DB>(db: Kysely<DB>): Promise<Array<{ table: string; update: boolean; delete: boolean }>> {
  const rows = await sql<{ table: string; fn: string; tgtype: number }>`
    select c.relname as table, p.proname as fn, t.tgtype::int as tgtype
      from pg_trigger t
      join pg_class c on c.oid = t.tgrelid
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
      join pg_proc p on p.oid = t.tgfoid
     where not t.tgisinternal and (t.tgtype & 1) = 1
       and p.proname = any(${GUARDING_FUNCTIONS})`.execute(db);
  const out = new Map<string, { table: string; update: boolean; delete: boolean }>();
  for (const r of rows.rows) {
    const e = out.get(r.table) ?? { table: r.table, update: false, delete: false };
    const refuses = REFUSING_FUNCTIONS.includes(r.fn);
    if ((r.tgtype & 16) !== 0 && refuses) e.update = true;
    if ((r.tgtype & 8) !== 0) e.delete = true;
    out.set(r.table, e);
  }
  for (const t of APPEND_ONLY_TABLES) out.set(t, { table: t, update: true, delete: true });
  return [...out.values()];
}

/**
 * With a separate migration role (MIGRATION_DATABASE_URL), the runtime role gets what the platform needs and no
 * more: read and write on business tables, but on the append-only tables only SELECT and INSERT — no UPDATE,
 * DELETE or TRUNCATE, so even a compromised server cannot rewrite history, with or without the triggers.
 * Run by the migration role after each migration; idempotent.
 */
export async function grantRuntimePrivileges<DB>(migrationDb: Kysely<DB>, runtimeRole: string): Promise<void> {
  const role = sql.id(runtimeRole);
  await sql`grant usage on schema public to ${role}`.execute(migrationDb);
  await sql`grant select, insert, update, delete on all tables in schema public to ${role}`.execute(migrationDb);
  await sql`grant usage, select on all sequences in schema public to ${role}`.execute(migrationDb);
  await sql`revoke truncate, references, trigger on all tables in schema public from ${role}`.execute(migrationDb);
  for (const t of await refusedByTriggers(migrationDb)) {
    if (t.update) await sql`revoke update on ${sql.table(t.table)} from ${role}`.execute(migrationDb);
    if (t.delete) await sql`revoke delete on ${sql.table(t.table)} from ${role}`.execute(migrationDb);
  }
}

/** The user name in a PostgreSQL URL. */
export function roleOf(url: string): string {
  const user = decodeURIComponent(new URL(url).username);
  if (!user) throw new Error('DATABASE_URL must name its user when MIGRATION_DATABASE_URL is set');
  return user;
}
