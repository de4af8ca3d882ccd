import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { NewRow } from '../db/schema.js';
import type { NodeId } from './merkle.js';

/** Queries over the ledger tables. No rules here. */

export function findMeta(db: DbOrTrx) {
  return db.selectFrom('ledger_meta').selectAll().where('id', '=', 1).executeTakeFirst();
}

export async function insertMetaOnce(db: DbOrTrx, origin: string, suite: 'sha256' | 'sm3', at: Date) {
  await db.insertInto('ledger_meta').values({ id: 1, origin, hash_suite: suite, created_at: at }).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** Takes the sequencer's lock for this transaction, if no other process holds it. */
export async function tryLeaderLock(db: DbOrTrx, key: number): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${key}) as ok`.execute(db);
  return r.rows[0]!.ok;
}

export function latestTreeHead(db: DbOrTrx) {
  return db.selectFrom('ledger_tree_heads').selectAll().orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

export function treeHeadAt(db: DbOrTrx, size: number) {
  return db.selectFrom('ledger_tree_heads').selectAll().where('tree_size', '=', size).executeTakeFirst();
}

export function nextQueued(db: DbOrTrx, limit: number) {
  return db.selectFrom('ledger_queue').selectAll().orderBy('seq').limit(limit).execute();
}

export async function insertLeaves(db: DbOrTrx, rows: NewRow<'ledger_leaves'>[]) {
  for (let i = 0; i < rows.length; i += 2000) await db.insertInto('ledger_leaves').values(rows.slice(i, i + 2000)).execute();
}

export async function insertNodes(db: DbOrTrx, rows: NewRow<'ledger_nodes'>[]) {
  for (let i = 0; i < rows.length; i += 5000) await db.insertInto('ledger_nodes').values(rows.slice(i, i + 5000)).execute();
}

export async function insertTreeHead(db: DbOrTrx, row: NewRow<'ledger_tree_heads'>) {
  await db.insertInto('ledger_tree_heads').values(row).execute();
}

export async function deleteQueued(db: DbOrTrx, seqs: number[]) {
  if (seqs.length) await db.deleteFrom('ledger_queue').where('seq', 'in', seqs).execute();
}

/** Hashes of the named nodes: level 0 from the leaves, higher levels from the stored perfect subtrees. */
export async function nodeHashes(db: DbOrTrx, nodes: NodeId[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const leaves = nodes.filter((n) => n.level === 0).map((n) => n.index);
  const inner = nodes.filter((n) => n.level > 0);
  if (leaves.length) {
    const rows = await db.selectFrom('ledger_leaves').select(['leaf_index', 'leaf_hash']).where('leaf_index', 'in', leaves).execute();
    for (const r of rows) out.set(`0:${r.leaf_index}`, r.leaf_hash);
  }
  if (inner.length) {
    const rows = await sql<{ level: number; idx: string; hash: Buffer }>`
      select n.level, n.idx, n.hash from ledger_nodes n
        join unnest(${inner.map((n) => n.level)}::smallint[], ${inner.map((n) => n.index)}::bigint[]) as want(level, idx)
          on n.level = want.level and n.idx = want.idx`.execute(db);
    for (const r of rows.rows) out.set(`${r.level}:${Number(r.idx)}`, r.hash);
  }
  return out;
}

/** Stored perfect-subtree hashes of whole index ranges per level, keyed `level:index`. */
export async function nodeHashesInRanges(db: DbOrTrx, ranges: Array<{ level: number; from: number; to: number }>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (!ranges.length) return out;
  const rows = await db
    .selectFrom('ledger_nodes')
    .select(['level', 'idx', 'hash'])
    .where((eb) => eb.or(ranges.map((r) => eb.and([eb('level', '=', r.level), eb('idx', '>=', r.from), eb('idx', '<=', r.to)]))))
    .execute();
  for (const r of rows) out.set(`${r.level}:${r.idx}`, r.hash);
  return out;
}

export function latestCheckpoint(db: DbOrTrx) {
  return db.selectFrom('ledger_checkpoints').selectAll().orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

export function checkpointAt(db: DbOrTrx, size: number) {
  return db.selectFrom('ledger_checkpoints').selectAll().where('tree_size', '=', size).executeTakeFirst();
}

export async function insertCheckpoint(db: DbOrTrx, row: NewRow<'ledger_checkpoints'>) {
  await db.insertInto('ledger_checkpoints').values(row).onConflict((oc) => oc.column('tree_size').doNothing()).execute();
}

export function findLeafByEntryId(db: DbOrTrx, entryId: string) {
  return db.selectFrom('ledger_leaves').selectAll().where('entry_id', '=', entryId).executeTakeFirst();
}

/** The business references of one sale: its application, its payment orders and (once issued) its policy. */
export async function refsOfSale(db: DbOrTrx, applicationId: string, policyId: string | null): Promise<Array<{ type: string; ids: string[] }>> {
  const orders = await db.selectFrom('payment_orders').select('id').where('application_id', '=', applicationId).execute();
  return [
    { type: 'application', ids: [applicationId] },
    { type: 'payment_order', ids: orders.map((o) => o.id) },
    { type: 'policy', ids: policyId ? [policyId] : [] },
  ].filter((r) => r.ids.length > 0);
}

/** Every sequenced entry of one sale, in log order. */
export async function leavesOfSale(db: DbOrTrx, refs: Array<{ type: string; ids: string[] }>) {
  const groups = await Promise.all(refs.map((r) => leavesForRef(db, r.type, r.ids)));
  return groups.flat().sort((a, b) => a.leaf_index - b.leaf_index);
}

export function leavesForRef(db: DbOrTrx, refType: string, refIds: string[]) {
  return db.selectFrom('ledger_leaves').selectAll().where('ref_type', '=', refType).where('ref_id', 'in', refIds).orderBy('leaf_index').execute();
}
