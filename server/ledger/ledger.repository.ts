import { CompiledQuery, sql } from 'kysely';
import { to as copyTo } from 'pg-copy-streams';
import type { DbOrTrx } from '../db/database.js';
import type { NewRow } from '../db/schema.js';
import type { NodeId } from './merkle.js';

/** Queries over the ledger tables. No rules here. */

export function findMeta(db: DbOrTrx) {
  return db.selectFrom('ledger_meta').selectAll().where('id', '=', 1).executeTakeFirst();
}

export async function insertMetaOnce(db: DbOrTrx, origin: string, suite: 'sha256' | 'sm3', at: Date) {
  await db
    .insertInto('ledger_meta')
    .values({ id: 1, origin, hash_suite: suite, created_at: at })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Takes the sequencer's lock for this transaction, if no other process holds it. */
export async function tryLeaderLock(db: DbOrTrx, key: number): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${key}) as ok`.execute(db);
  return r.rows[0]?.ok === true;
}

export function latestTreeHead(db: DbOrTrx) {
  return db.selectFrom('ledger_tree_heads').selectAll().orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

export function treeHeadAt(db: DbOrTrx, size: number) {
  return db.selectFrom('ledger_tree_heads').selectAll().where('tree_size', '=', size).executeTakeFirst();
}

/**
 * The oldest queued entries, up to `limit`, in queue order: `onEntry(seq, buf, start, end)` with the entry bytes in
 * `buf[start, end)`, valid only during the call. Read by binary COPY: the sequencer hashes them as they arrive and
 * keeps only their hashes. Returns how many were read.
 */
export function streamQueued(
  db: DbOrTrx,
  limit: number,
  onEntry: (seq: number, buf: Buffer, start: number, end: number) => void,
): Promise<number> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`bad batch size ${limit}`);
  return copyOut(db, `copy (select seq, entry from ledger_queue order by seq limit ${limit}) to stdout (format binary)`, 2, (buf, s, l) =>
    onEntry(int8At(buf, startOf(s, 0)), buf, startOf(s, 1), endOf(s, l, 1)),
  );
}

/**
 * Moves queued entries into the log in one statement: the i-th of `seqs` becomes leaf `firstIndex + i` with leaf
 * hash `leafHashes[32i, 32i + 32)`. The entry bytes go from row to row inside the server, never through this
 * process again; leaves are written in index order, so the table stays in log order for whoever reads it in full.
 * Returns how many moved (all of them unless a queued entry vanished, which the caller must treat as fatal).
 */
export async function moveQueuedToLeaves(
  db: DbOrTrx,
  seqs: number[],
  firstIndex: number,
  leafHashes: Buffer,
  sequencedAt: Date,
): Promise<number> {
  if (!seqs.length) return 0;
  const r = await sql`
    with batch as (select seq, ord from unnest(${seqs}::bigint[]) with ordinality as b(seq, ord)),
    moved as (
      delete from ledger_queue q using batch b where q.seq = b.seq
      returning b.ord, q.entry_id, q.entry, q.ref_type, q.ref_id, q.queued_at
    )
    insert into ledger_leaves (leaf_index, entry_id, entry, leaf_hash, ref_type, ref_id, queued_at, sequenced_at)
    select ${firstIndex}::bigint + ord - 1, entry_id, entry, substring(${leafHashes}::bytea from ((ord - 1) * 32 + 1)::int for 32), ref_type, ref_id, queued_at, ${sequencedAt}::timestamptz
      from moved order by ord`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Stores perfect-subtree hashes: the i-th node's hash is `hashes[32i, 32i + 32)`. */
export async function insertNodes(db: DbOrTrx, levels: number[], indexes: number[], hashes: Buffer) {
  if (!levels.length) return;
  await sql`
    insert into ledger_nodes (level, idx, hash)
    select level, idx, substring(${hashes}::bytea from ((ord - 1) * 32 + 1)::int for 32)
      from unnest(${levels}::smallint[], ${indexes}::bigint[]) with ordinality as n(level, idx, ord)
     order by ord`.execute(db);
}

export async function insertTreeHead(db: DbOrTrx, row: NewRow<'ledger_tree_heads'>) {
  await db.insertInto('ledger_tree_heads').values(row).execute();
}

/**
 * Hashes of the named nodes: level 0 from the leaves, higher levels from the stored perfect subtrees — in one
 * statement, so a proof costs one round trip.
 */
export async function nodeHashes(db: DbOrTrx, nodes: NodeId[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (!nodes.length) return out;
  const leaves = nodes.filter((n) => n.level === 0).map((n) => n.index);
  const inner = nodes.filter((n) => n.level > 0);
  const rows = await sql<{ level: number; idx: number; hash: Buffer }>`
    select 0 as level, leaf_index as idx, leaf_hash as hash from ledger_leaves where leaf_index = any(${leaves}::bigint[])
    union all
    select n.level, n.idx, n.hash from ledger_nodes n
      join unnest(${inner.map((n) => n.level)}::smallint[], ${inner.map((n) => n.index)}::bigint[]) as want(level, idx)
        on n.level = want.level and n.idx = want.idx`.execute(db);
  for (const r of rows.rows) out.set(`${r.level}:${Number(r.idx)}`, r.hash);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Bulk reads for verification: binary COPY, parsed here. Reading a million bytea rows through node-postgres's text
// protocol (hex out of the server, hex decode and a row object per row in Node) cost more than hashing them.

/** A big-endian int8 as a number: leaf indexes and node indexes stay far below 2^53. */
function int8At(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4_294_967_296 + buf.readUInt32BE(at + 4);
}

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Splits a `COPY … TO STDOUT (FORMAT binary)` stream into tuples, whatever the chunking (a tuple may span chunks).
 * `onTuple` gets the buffer and each field's start and length (-1 for NULL); the buffer is only valid during the call.
 */
/** Where field `i` of the tuple just read starts; the reader sizes `starts` to the field count, so `i` is in range. */
const startOf = (starts: Int32Array, i: number): number => starts[i] ?? 0;
/** Where field `i` ends (a NULL field, length -1, is empty). */
const endOf = (starts: Int32Array, lengths: Int32Array, i: number): number => startOf(starts, i) + Math.max(lengths[i] ?? 0, 0);

class CopyTupleReader {
  readonly #fields: number;
  readonly #onTuple: (buf: Buffer, starts: Int32Array, lengths: Int32Array) => void;
  readonly #starts: Int32Array;
  readonly #lengths: Int32Array;
  #carry: Buffer | undefined;
  #header = false;
  #trailer = false;
  tuples = 0;

  constructor(fields: number, onTuple: (buf: Buffer, starts: Int32Array, lengths: Int32Array) => void) {
    this.#fields = fields;
    this.#onTuple = onTuple;
    this.#starts = new Int32Array(fields);
    this.#lengths = new Int32Array(fields);
  }

  push(chunk: Buffer): void {
    const buf = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = undefined;
    let at = 0;
    if (!this.#header) {
      if (buf.length < 19) return this.#keep(buf, 0);
      if (!buf.subarray(0, 11).equals(COPY_SIGNATURE)) throw new Error('not a binary COPY stream');
      const extension = buf.readUInt32BE(15);
      if (buf.length < 19 + extension) return this.#keep(buf, 0);
      at = 19 + extension;
      this.#header = true;
    }
    while (at + 2 <= buf.length) {
      if (this.#trailer) throw new Error('binary COPY stream goes on after its trailer');
      const count = buf.readInt16BE(at);
      if (count === -1) {
        this.#trailer = true;
        at += 2;
        continue;
      }
      if (count !== this.#fields) throw new Error(`binary COPY tuple has ${count} fields, expected ${this.#fields}`);
      let p = at + 2;
      let complete = true;
      for (let i = 0; i < count; i++) {
        if (p + 4 > buf.length) {
          complete = false;
          break;
        }
        const length = buf.readInt32BE(p);
        p += 4;
        if (length > 0 && p + length > buf.length) {
          complete = false;
          break;
        }
        this.#starts[i] = p;
        this.#lengths[i] = length;
        if (length > 0) p += length;
      }
      if (!complete) break;
      this.#onTuple(buf, this.#starts, this.#lengths);
      this.tuples++;
      at = p;
    }
    if (at < buf.length) this.#keep(buf, at);
  }

  /** The rest of a chunk waits for the next one (copied: the chunk itself is not ours to keep). */
  #keep(buf: Buffer, from: number): void {
    this.#carry = Buffer.from(buf.subarray(from));
  }

  finish(): void {
    if (!this.#trailer || this.#carry) throw new Error('binary COPY stream ended early');
  }
}

/**
 * Runs a binary COPY out on a connection of `db` (the pool, or the transaction's connection) and hands every tuple
 * to `onTuple` as it arrives, so reading and processing overlap. pg-copy-streams reads the COPY straight off the
 * socket (no message object per row); Kysely's PostgreSQL driver passes a compiled query's text to pg's
 * `client.query` as it is, and pg runs any object with `submit()` as a custom query. The stream is made thenable,
 * so Kysely keeps the connection until the COPY is over, and releases it after. Returns the number of tuples.
 */
async function copyOut(
  db: DbOrTrx,
  text: string,
  fields: number,
  onTuple: (buf: Buffer, starts: Int32Array, lengths: Int32Array) => void,
  onFlow?: (control: CopyFlow) => void,
): Promise<number> {
  const reader = new CopyTupleReader(fields, onTuple);
  const stream = copyTo(text);
  let failure: unknown;
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const ready = new Promise<void>((resolve) => Object.assign(stream, { handleReadyForQuery: resolve }));
  stream.on('data', (chunk: Buffer) => {
    if (failure) return;
    try {
      reader.push(chunk);
    } catch (e) {
      // Let the server finish the COPY (the connection stays usable) and report the failure at the end.
      failure = e;
    }
  });
  onFlow?.({ pause: () => stream.pause(), resume: () => stream.resume() });
  const done = Promise.all([ended, ready]).then(() => ({ command: 'COPY', rowCount: reader.tuples, rows: [] }));
  done.catch(() => {}); // awaited through Kysely below
  Object.assign(stream, { then: done.then.bind(done) });
  await db.executeQuery({ ...CompiledQuery.raw(text), sql: stream as unknown as string });
  if (failure) throw failure;
  reader.finish();
  return reader.tuples;
}

/** Holds back (and lets go on) a COPY whose reader has fallen behind. */
export interface CopyFlow {
  pause(): void;
  resume(): void;
}

/** One stored leaf as read: `buf` is the read buffer, valid only during the call (copy what you keep). */
export interface LeafView {
  index: number;
  buf: Buffer;
  entryStart: number;
  entryEnd: number;
  hashStart: number;
  hashEnd: number;
}

/**
 * Every stored leaf in index order, from `from` on. The view passed to `onLeaf` is reused for the next leaf.
 * `onFlow` receives pause/resume for the stream. Returns the number of leaves read.
 */
export function streamLeaves(
  db: DbOrTrx,
  from: number,
  onLeaf: (leaf: LeafView) => void,
  onFlow?: (control: CopyFlow) => void,
): Promise<number> {
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError(`bad leaf index ${from}`);
  const view: LeafView = { index: 0, buf: Buffer.alloc(0), entryStart: 0, entryEnd: 0, hashStart: 0, hashEnd: 0 };
  return copyOut(
    db,
    `copy (select leaf_index, entry, leaf_hash from ledger_leaves where leaf_index >= ${from} order by leaf_index) to stdout (format binary)`,
    3,
    (buf, s, l) => {
      view.index = int8At(buf, startOf(s, 0));
      view.buf = buf;
      view.entryStart = startOf(s, 1);
      view.entryEnd = endOf(s, l, 1);
      view.hashStart = startOf(s, 2);
      view.hashEnd = endOf(s, l, 2);
      onLeaf(view);
    },
    onFlow,
  );
}

/**
 * The stored perfect-subtree hashes in whole index ranges per level, in no particular order: `onNode(level, idx,
 * buf, start, end)`, the hash being `buf[start, end)`, valid only during the call.
 */
export async function streamNodes(
  db: DbOrTrx,
  ranges: Array<{ level: number; from: number; to: number }>,
  onNode: (level: number, idx: number, buf: Buffer, start: number, end: number) => void,
): Promise<number> {
  if (!ranges.length) return 0;
  for (const r of ranges) if (![r.level, r.from, r.to].every(Number.isSafeInteger)) throw new RangeError('bad node range');
  const where = ranges.map((r) => `(level = ${r.level} and idx between ${r.from} and ${r.to})`).join(' or ');
  return copyOut(db, `copy (select level, idx, hash from ledger_nodes where ${where}) to stdout (format binary)`, 3, (buf, s, l) =>
    onNode(buf.readInt16BE(startOf(s, 0)), int8At(buf, startOf(s, 1)), buf, startOf(s, 2), endOf(s, l, 2)),
  );
}

export function latestCheckpoint(db: DbOrTrx) {
  return db.selectFrom('ledger_checkpoints').selectAll().orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

export function checkpointAt(db: DbOrTrx, size: number) {
  return db.selectFrom('ledger_checkpoints').selectAll().where('tree_size', '=', size).executeTakeFirst();
}

export async function insertCheckpoint(db: DbOrTrx, row: NewRow<'ledger_checkpoints'>) {
  await db
    .insertInto('ledger_checkpoints')
    .values(row)
    .onConflict((oc) => oc.column('tree_size').doNothing())
    .execute();
}

/** The sequenced leaf of the (first) event of `type` about one subject; undefined until it is sequenced. */
export function findLeafOfEvent(db: DbOrTrx, subject: { type: string; id: string }, type: string) {
  return db
    .selectFrom('ledger_leaves')
    .innerJoin('events', 'events.id', 'ledger_leaves.entry_id')
    .select(['ledger_leaves.leaf_index', 'ledger_leaves.entry'])
    .where('events.subject_type', '=', subject.type)
    .where('events.subject_id', '=', subject.id)
    .where('events.type', '=', type)
    .executeTakeFirst();
}

export function findLeafByEntryId(db: DbOrTrx, entryId: string) {
  return db.selectFrom('ledger_leaves').selectAll().where('entry_id', '=', entryId).executeTakeFirst();
}

/** A business reference and the ids of its records, as entries name them (`ref_type`, `ref_id`). */
export interface EntryRefs {
  type: string;
  ids: string[];
}

/** Every sequenced entry of the records named (e.g. one sale's), in log order. */
export async function leavesOfSale(db: DbOrTrx, refs: EntryRefs[]) {
  const groups = await Promise.all(refs.map((r) => leavesForRef(db, r.type, r.ids)));
  return groups.flat().sort((a, b) => a.leaf_index - b.leaf_index);
}

export function leavesForRef(db: DbOrTrx, refType: string, refIds: string[]) {
  return db
    .selectFrom('ledger_leaves')
    .selectAll()
    .where('ref_type', '=', refType)
    .where('ref_id', 'in', refIds)
    .orderBy('leaf_index')
    .execute();
}

/** Entries of the records named that are queued and not yet sequenced, in queue order. */
export function pendingEntriesOf(db: DbOrTrx, refs: EntryRefs[]) {
  return db
    .selectFrom('ledger_queue')
    .select('entry')
    .where((eb) => eb.or(refs.map((r) => eb.and([eb('ref_type', '=', r.type), eb('ref_id', 'in', r.ids)]))))
    .orderBy('seq')
    .execute();
}
