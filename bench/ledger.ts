/**
 * npm run bench:ledger — the traceability ledger on PostgreSQL:
 *  - append_per_s: entries per second from queueing to integration into the tree, with 1, 10 and 100 concurrent
 *    writers (each entry its own transaction, as business writes are) while the sequencer runs;
 *  - then fills the log to BENCH_LEDGER_ENTRIES (default 1,000,000) and measures on it:
 *  - verify_per_s: `wangbao ledger verify` (every entry re-hashed, every stored node, head and checkpoint checked);
 *  - raw_hash_per_s: folding the same entry bytes into the RFC 9162 root in memory, no database: verify's ceiling;
 *  - proof_p50_ms / proof_p99_ms: inclusion proofs for random leaves against the latest checkpoint.
 * Last line: one JSON object.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { createDb, withDatabase } from '../server/db/database.js';
import { startEmbeddedPostgres } from '../server/db/embedded.js';
import { migrateToLatest } from '../server/db/migrator.js';
import { createLedgerService } from '../server/ledger/ledger.service.js';
import { generateSigner } from '../server/ledger/signer.js';
import { queueLedgerEntry } from '../server/ledger/entry.js';
import { verifyLedger } from '../server/ledger/verify.js';
import { leafHash } from '../server/ledger/hash.js';
import { MerkleFrontier } from '../server/ledger/merkle.js';
import { systemClock } from '../server/platform/clock.js';
import { newId } from '../server/platform/ids.js';

const TOTAL = Number(process.env.BENCH_LEDGER_ENTRIES ?? 1_000_000);
const APPEND_SECONDS = Number(process.env.BENCH_LEDGER_APPEND_SECONDS ?? 5);
const origin = 'ledger.wangbao.local/v1';

let adminUrl = process.env.DATABASE_URL;
const embedded = adminUrl ? undefined : await startEmbeddedPostgres({ dir: './data/bench-pg', port: 54331 });
adminUrl ??= embedded!.url;
const name = `wb_bench_ledger_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const { db } = createDb(withDatabase(adminUrl, name), 95);
await migrateToLatest(db);
const signer = generateSigner('ed25519', origin).signer;
const ledger = createLedgerService({ db, clock: systemClock, config: { origin, suite: 'sha256', signer, batchSize: 10_000 } });
await ledger.integratePending();

/** The sequencer as servers run it: integrate whenever there is something queued. */
function runSequencer() {
  let stop = false;
  const done = (async () => {
    while (!stop) if ((await ledger.integratePending()) === 0) await new Promise((r) => setTimeout(r, 5));
  })();
  return async () => {
    stop = true;
    await done;
  };
}

async function measureAppend(writers: number): Promise<number> {
  const stopSequencer = runSequencer();
  const start = performance.now();
  const until = start + APPEND_SECONDS * 1000;
  let written = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < until) {
        const id = newId('evt');
        await queueLedgerEntry(db, {
          id,
          type: 'quote.created',
          at: new Date().toISOString(),
          actor: { type: 'system', id: `bench-${w}` },
          subject: { type: 'quote', id: newId('quo') },
          payload: { premiumFen: 36_800, writer: w },
          textVersionId: null,
        });
        written++;
      }
    }),
  );
  // Appended means integrated into the tree: wait for the queue to drain.
  for (;;) {
    const q = await db.selectFrom('ledger_queue').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    if (Number(q.n) === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - start) / 1000;
  await stopSequencer();
  return Math.round(written / seconds);
}

const append: Record<string, number> = {};
for (const writers of [1, 10, 100]) {
  append[String(writers)] = await measureAppend(writers);
  console.log(`append with ${writers} writers: ${append[String(writers)]} entries/s`);
}

// Fill to TOTAL entries: queued in bulk by SQL (canonical JSON, as entries are), integrated by the sequencer.
const current = Number((await db.selectFrom('ledger_leaves').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
const fillStart = performance.now();
for (let from = current; from < TOTAL; from += 100_000) {
  const to = Math.min(TOTAL, from + 100_000);
  await sql`insert into ledger_queue (entry_id, entry, ref_type, ref_id, queued_at)
            select 'fill_' || g, convert_to('{"i":' || g || ',"type":"bench.fill","v":1}', 'UTF8'), 'bench', 'fill', now()
              from generate_series(${from}::bigint, ${to - 1}::bigint) g`.execute(db);
  await ledger.integratePending();
  process.stderr.write(`\rfilled ${to}/${TOTAL}`);
}
process.stderr.write('\n');
const fillSeconds = (performance.now() - fillStart) / 1000;
const checkpoint = await ledger.publishCheckpoint();
console.log(`filled to ${checkpoint.treeSize} entries in ${fillSeconds.toFixed(1)} s (${Math.round((TOTAL - current) / fillSeconds)} entries/s in bulk)`);

// Raw hash rate of the same bytes: the root folded in memory from the stored entries.
const entries: Buffer[] = [];
for (let from = 0; ; from += 50_000) {
  const rows = await db.selectFrom('ledger_leaves').select('entry').where('leaf_index', '>=', from).where('leaf_index', '<', from + 50_000).orderBy('leaf_index').execute();
  if (!rows.length) break;
  for (const r of rows) entries.push(r.entry);
}
const rawStart = performance.now();
const frontier = new MerkleFrontier('sha256');
for (const e of entries) frontier.append(leafHash('sha256', e));
frontier.root();
const rawPerS = Math.round(entries.length / ((performance.now() - rawStart) / 1000));
entries.length = 0;

const verifyStart = performance.now();
const report = await verifyLedger(db, { suite: 'sha256', origin, verifier: ledger.verifier, batch: 20_000 });
const verifyPerS = Math.round(report.entries / ((performance.now() - verifyStart) / 1000));
console.log(`verify: ${report.ok ? 'ok' : `${report.problems.length} problems`}, ${verifyPerS} entries/s; raw hash ${rawPerS} entries/s`);

const samples: number[] = [];
for (let i = 0; i < 2000; i++) {
  const index = Math.floor(Math.random() * checkpoint.treeSize);
  const t0 = performance.now();
  await ledger.inclusionProof(index, checkpoint.treeSize);
  samples.push(performance.now() - t0);
}
samples.sort((a, b) => a - b);
const pct = (q: number) => Math.round(samples[Math.floor(q * (samples.length - 1))]! * 1000) / 1000;

await db.destroy();
await admin.query(`drop database if exists ${name} with (force)`);
await admin.end();
await embedded?.stop();

console.log(
  JSON.stringify({
    bench: 'ledger',
    append_per_s: append,
    verify_per_s: verifyPerS,
    raw_hash_per_s: rawPerS,
    verify_ratio: Math.round((verifyPerS / rawPerS) * 1000) / 1000,
    proof_p50_ms: pct(0.5),
    proof_p99_ms: pct(0.99),
    entries: report.entries,
    verified: report.ok,
  }),
);
