import { sql, type Kysely } from 'kysely';

/** The tables no one may change or remove rows from once written: the ledger and the events it records. */
export const APPEND_ONLY_TABLES = ['ledger_meta', 'ledger_leaves', 'ledger_nodes', 'ledger_tree_heads', 'ledger_checkpoints', 'events'] as const;

/**
 * With a separate migration role (MIGRATION_DATABASE_URL), the runtime role gets what the platform needs and no
 * more: read and write on business tables, but on the append-only tables only SELECT and INSERT — no UPDATE,
 * DELETE or TRUNCATE, so even a compromised server cannot rewrite history, with or without the triggers.
 * Run by the migration role after each migration; idempotent.
 */
export async function grantRuntimePrivileges(migrationDb: Kysely<any>, runtimeRole: string): Promise<void> {
  const role = sql.id(runtimeRole);
  await sql`grant usage on schema public to ${role}`.execute(migrationDb);
  await sql`grant select, insert, update, delete on all tables in schema public to ${role}`.execute(migrationDb);
  await sql`grant usage, select on all sequences in schema public to ${role}`.execute(migrationDb);
  await sql`revoke truncate, references, trigger on all tables in schema public from ${role}`.execute(migrationDb);
  for (const t of APPEND_ONLY_TABLES) await sql`revoke update, delete on ${sql.table(t)} from ${role}`.execute(migrationDb);
}

/** The user name in a PostgreSQL URL. */
export function roleOf(url: string): string {
  const user = decodeURIComponent(new URL(url).username);
  if (!user) throw new Error('DATABASE_URL must name its user when MIGRATION_DATABASE_URL is set');
  return user;
}
