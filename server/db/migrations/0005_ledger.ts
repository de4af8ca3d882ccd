import { sql, type Kysely } from 'kysely';

/**
 * The traceability ledger (M§33, 可回溯): an append-only Merkle tree kept in PostgreSQL.
 *
 * Business transactions append to `ledger_queue` only — an insert with no ordering between writers — and a single
 * sequencer moves queued entries into `ledger_leaves` in batches, assigning leaf indexes, storing the hash of every
 * perfect subtree it completes in `ledger_nodes` and a new tree head. Everything but the queue is append-only: the
 * database itself refuses UPDATE, DELETE and TRUNCATE there, and on `events`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- One log per deployment: its origin line and hash suite are fixed when it is created.
    create table ledger_meta (
      id int primary key check (id = 1),
      origin text not null,
      hash_suite text not null check (hash_suite in ('sha256', 'sm3')),
      created_at timestamptz not null
    );

    create table ledger_queue (
      seq bigserial primary key,
      entry_id text not null unique,
      entry bytea not null,
      ref_type text not null,
      ref_id text not null,
      queued_at timestamptz not null
    );

    create table ledger_leaves (
      leaf_index bigint primary key check (leaf_index >= 0),
      entry_id text not null unique,
      -- The exact bytes hashed (RFC 8785 canonical JSON), never re-serialised.
      entry bytea not null,
      leaf_hash bytea not null,
      ref_type text not null,
      ref_id text not null,
      queued_at timestamptz not null,
      sequenced_at timestamptz not null
    );
    create index ledger_leaves_ref_idx on ledger_leaves (ref_type, ref_id, leaf_index);

    -- The root of every perfect subtree of 2^level leaves starting at leaf idx * 2^level (level >= 1).
    create table ledger_nodes (
      level smallint not null check (level >= 1 and level < 63),
      idx bigint not null check (idx >= 0),
      hash bytea not null,
      primary key (level, idx)
    );

    create table ledger_tree_heads (
      tree_size bigint primary key check (tree_size >= 0),
      root_hash bytea not null,
      -- Roots of the perfect subtrees that make up the tree, left to right: enough to append without re-reading.
      frontier bytea[] not null,
      integrated_at timestamptz not null
    );

    create table ledger_checkpoints (
      tree_size bigint primary key,
      note text not null,
      published_at timestamptz not null
    );

    create function ledger_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% on % is refused: the ledger is append-only', tg_op, tg_table_name using errcode = 'insufficient_privilege';
    end $$;
  `.execute(db);

  for (const table of ['ledger_meta', 'ledger_leaves', 'ledger_nodes', 'ledger_tree_heads', 'ledger_checkpoints', 'events']) {
    await sql`create trigger ${sql.raw(`${table}_no_change`)} before update or delete on ${sql.table(table)} for each row execute function ledger_append_only()`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function ledger_append_only()`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('The ledger is never migrated down');
}
