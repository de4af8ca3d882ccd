/**
 * npm run bench:ledger — the traceability ledger on PostgreSQL:
 *  - the shape of real business transactions: a few purchase journeys run in process, through the HTTP routes,
 *    and their events grouped by the transaction that wrote them (xmin): how many ledger entries one commit holds;
 *  - append_per_s: entries per second from queueing to integration into the tree with 1, 10 and 100 concurrent
 *    writers, each business transaction recording its events through recordEvent and committing (durably:
 *    synchronous_commit as the server has it) while the sequencer runs; measured for one entry per transaction and
 *    for the journey's mix, beside the commit ceiling of this machine: the same writers committing the same event
 *    rows with no ledger entry;
 *  - then fills the log to BENCH_LEDGER_ENTRIES (default 1,000,000) and measures on it:
 *  - verify_per_s: `wangbao ledger verify` (every entry re-hashed, every stored node, head and checkpoint checked);
 *  - raw_hash_per_s: folding the same entry bytes into the RFC 9162 root in memory on one thread, no database;
 *  - proof_p50_ms / proof_p99_ms: inclusion proofs for random leaves against the latest checkpoint.
 * Last line: one JSON object.
 *
 *   BENCH_LEDGER_ENTRIES=1000000 BENCH_LEDGER_APPEND_SECONDS=5 BENCH_LEDGER_PROCESSES=1 DATABASE_URL=postgres://… npm run bench:ledger
 *
 * Writers run in BENCH_LEDGER_PROCESSES child processes (default 1: production runs several server processes, but
 * on 2 cores more processes measured slower, not faster), each with a pool of at most 25 connections, as a server's
 * would be; the sequencer runs in this process as a server runs it.
 *
 * What bounds append on 2 cores is the business commit itself, not the ledger. Each business transaction is BEGIN,
 * its inserts and COMMIT: three round trips and a WAL flush, about 0.2 ms of PostgreSQL CPU and 0.3 ms of Node CPU,
 * most of it in socket system calls. commit_ceiling_tx_per_s (the same transactions with no ledger at all) is this
 * machine's limit, and append stays close to it. The sequencer costs little as long as it batches (every 200 ms,
 * as servers run it): chasing each commit every 5 ms made every pass walk the dead index entries of the rows it had
 * just deleted from the queue, and doubled PostgreSQL's CPU per entry.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createDb, type Db } from '../server/db/database.js';
import { createBenchDatabase } from './harness.js';
import { migrateToLatest } from '../server/db/migrator.js';
import { loadConfig } from '../server/config.js';
import { createPlatform } from '../server/boot.js';
import { createServices } from '../server/services.js';
import { buildApp } from '../server/app.js';
import { seedDemo } from '../server/demo.js';
import { createLogger } from '../server/platform/logger.js';
import { createLedgerService } from '../server/ledger/ledger.service.js';
import { startSequencer } from '../server/ledger/sequencer.js';
import { recordEvent } from '../server/platform/events.js';
import { defaultHashingThreads, verifyLedger } from '../server/ledger/verify.js';
import { leafHash } from '../server/ledger/hash.js';
import { MerkleFrontier } from '../server/ledger/merkle.js';
import { systemClock } from '../server/platform/clock.js';
import { newId } from '../server/platform/ids.js';
import { buyPolicy, injectSender } from '../test/helpers/journey.js';
import { makePerson } from '../test/helpers/people.js';

const WRITER_POOL = 25;

/** One event as business code records it: a quote, with the size of a real one. */
function benchEvent(writer: number) {
  return {
    type: 'quote.created' as const,
    at: new Date(),
    actor: { type: 'consumer' as const, id: newId('csm') },
    subject: { type: 'quote', id: newId('quo') },
    payload: {
      productCode: 'ACCIDENT_1Y',
      productVersionId: 'pv_bench',
      premiumFen: 36_800,
      sumInsuredFen: 50_000_000,
      termYears: 1,
      paymentMode: 'single',
      writer,
    },
  };
}

interface WriterJob {
  type: 'write';
  seconds: number;
  writers: number;
  /** Entries per transaction, cycled through: [1] for one each, or the journey's mix. */
  shape: number[];
  /** 'ledger' records events as business code does (recordEvent: the event and its ledger entry); 'plain' writes the same event row with no ledger. */
  target: 'ledger' | 'plain';
}

/** A writer process: runs jobs from its parent and answers with the entries it committed. */
async function writerProcess() {
  const { db } = createDb(process.env.BENCH_DB_URL!, Number(process.env.BENCH_POOL));
  const run = async (job: WriterJob) => {
    const until = performance.now() + job.seconds * 1000;
    let written = 0;
    let transactions = 0;
    await Promise.all(
      Array.from({ length: job.writers }, async (_, w) => {
        for (let t = w; performance.now() < until; t++) {
          const n = job.shape[t % job.shape.length]!;
          await db.transaction().execute(async (trx) => {
            for (let k = 0; k < n; k++) {
              const e = benchEvent(w);
              if (job.target === 'ledger') await recordEvent(trx, e);
              else
                await trx
                  .insertInto('events')
                  .values({
                    id: newId('evt'),
                    type: e.type,
                    actor_type: e.actor.type,
                    actor_id: e.actor.id,
                    subject_type: e.subject.type,
                    subject_id: e.subject.id,
                    payload: JSON.stringify(e.payload),
                    text_version_id: null,
                    created_at: e.at,
                  })
                  .execute();
            }
          });
          written += n;
          transactions++;
        }
      }),
    );
    return { written, transactions };
  };
  process.on('message', async (m: WriterJob | { type: 'stop' }) => {
    if (m.type === 'stop') {
      await db.destroy();
      process.exit(0);
    }
    process.send!({ type: 'written', ...(await run(m)) });
  });
  process.send!({ type: 'ready' });
}

if (process.argv[2] === 'writer') {
  await writerProcess();
} else {
  await main();
}

async function main() {
  const TOTAL = Number(process.env.BENCH_LEDGER_ENTRIES ?? 1_000_000);
  const APPEND_SECONDS = Number(process.env.BENCH_LEDGER_APPEND_SECONDS ?? 5);
  const PROCESSES = Number(process.env.BENCH_LEDGER_PROCESSES ?? 1);

  const database = await createBenchDatabase('wb_bench_ledger');
  const url = database.url;
  const { db } = createDb(url, 10);
  await migrateToLatest(db);
  const keyFile = `./data/bench-ledger-keys-${process.pid}.json`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: url,
    DEV_KEY_FILE: keyFile,
    OTP_RESEND_SECONDS: '0',
    PUBLIC_BASE_URL: 'http://wangbao.bench',
  });
  const pendingNotifications: Array<{ body: string; headers: Record<string, string> }> = [];
  const platform = createPlatform({
    config,
    db,
    logger: createLogger('silent'),
    deliverPaymentNotification: async (n) => void pendingNotifications.push(n),
  });
  const ledger = createLedgerService({
    db,
    clock: systemClock,
    config: { origin: config.LEDGER_ORIGIN, suite: config.LEDGER_HASH, signer: platform.keys.ledgerSigner, batchSize: 10_000 },
  });

  // ---- How many entries a business transaction commits: measured on real purchase journeys.
  const shape = await journeyShape();
  const mix = Object.entries(shape.histogram).flatMap(([n, count]) => Array.from({ length: count }, () => Number(n)));
  // Interleave so that every stretch of transactions has the journey's proportions.
  const journeyMix = mix
    .map((n, i) => ({ n, key: (i * 0.618_033_988_7) % 1 }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.n);
  console.log(
    `purchase journeys: ${shape.journeys} issued, ${shape.transactions} business transactions wrote ${shape.entries} ledger entries ` +
      `(${(shape.entries / shape.transactions).toFixed(3)} per transaction; transactions by entries: ${JSON.stringify(shape.histogram)}; mean entry ${shape.meanEntryBytes} bytes)`,
  );

  async function journeyShape() {
    const services = createServices(platform);
    await seedDemo(platform, services);
    const app = await buildApp(platform, services, { logger: false });
    await app.ready();
    const before = new Set((await sql<{ x: string }>`select distinct xmin::text as x from events`.execute(db)).rows.map((r) => r.x));
    const send = injectSender(app);
    const deliverNotifications = async () => {
      for (const n of pendingNotifications.splice(0))
        await app.inject({ method: 'POST', url: '/v1/payments/notifications/dev-gateway', headers: n.headers, payload: n.body });
    };
    const purchases = [
      {
        productCode: 'ACCIDENT_1Y',
        termYears: 1,
        paymentMode: 'single' as const,
        sumInsuredFen: 50_000_000,
        holder: makePerson('王喆', '1990-05-17', 'M'),
      },
      {
        productCode: 'MEDICAL_1Y',
        termYears: 1,
        paymentMode: 'single' as const,
        sumInsuredFen: 200_000_000,
        holder: makePerson('李堃', '1988-11-02', 'F'),
      },
      {
        productCode: 'TERM_LIFE_20Y',
        termYears: 20,
        paymentMode: 'annual' as const,
        sumInsuredFen: 100_000_000,
        holder: makePerson('赵赟', '1991-01-23', 'M'),
      },
      {
        productCode: 'UNIVERSAL_10Y',
        termYears: 10,
        paymentMode: 'single' as const,
        sumInsuredFen: 10_000_000,
        holder: makePerson('钱多', '1985-07-30', 'F'),
      },
    ];
    let journeys = 0;
    for (const p of purchases) {
      await buyPolicy(
        send,
        {
          productCode: p.productCode,
          termYears: p.termYears,
          paymentMode: p.paymentMode,
          sumInsuredFen: p.sumInsuredFen,
          policyholder: p.holder,
        },
        { deliverNotifications, definition: async (code: string) => (await services.products.getOnSale(code)).definition },
      );
      journeys++;
    }
    await app.close();
    // Events are append-only, so each row's xmin is the business transaction that wrote it (and its ledger entry).
    const rows = (
      await sql<{ x: string; n: number }>`select xmin::text as x, count(*)::int as n from events group by xmin::text`.execute(db)
    ).rows.filter((r) => !before.has(r.x));
    const histogram: Record<string, number> = {};
    for (const r of rows) histogram[r.n] = (histogram[r.n] ?? 0) + 1;
    const bytes = await sql<{ b: number }>`select avg(length(entry))::int as b from ledger_queue`.execute(db);
    await ledger.integratePending();
    return {
      journeys,
      transactions: rows.length,
      entries: rows.reduce((a, r) => a + r.n, 0),
      histogram,
      meanEntryBytes: bytes.rows[0]?.b ?? 0,
    };
  }

  // ---- Append.
  const children: ChildProcess[] = await Promise.all(
    Array.from({ length: PROCESSES }, () => {
      const child = fork(fileURLToPath(import.meta.url), ['writer'], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, BENCH_DB_URL: url, BENCH_POOL: String(WRITER_POOL) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return new Promise<ChildProcess>((resolve, reject) => {
        child.once('message', () => resolve(child));
        child.once('exit', (code) => reject(new Error(`writer process exited with ${code}`)));
      });
    }),
  );

  /**
   * The sequencer as servers run it (server/ledger/sequencer.ts): integrate what is queued, then wait
   * LEDGER_SEQUENCE_MS (200 ms by default), so that it takes entries in batches instead of chasing each commit.
   */
  function runSequencer() {
    const sequencer = startSequencer({
      ledger,
      logger: createLogger('silent'),
      sequenceMs: config.LEDGER_SEQUENCE_MS,
      checkpointMs: 3_600_000,
    });
    return () => sequencer.stop();
  }
  const treeSize = async (d: Db) =>
    Number(
      (
        await d
          .selectFrom('ledger_tree_heads')
          .select((eb) => eb.fn.max('tree_size').as('n'))
          .executeTakeFirst()
      )?.n ?? 0,
    );

  /** Entries per second committed by `writers` spread over the writer processes, and for the ledger integrated. */
  async function measure(
    writers: number,
    txShape: number[],
    target: 'ledger' | 'plain',
    seconds = APPEND_SECONDS,
  ): Promise<{ perS: number; txPerS: number }> {
    const stopSequencer = target === 'ledger' ? runSequencer() : undefined;
    const startSize = await treeSize(db);
    const start = performance.now();
    const counts = await Promise.all(
      children.map((child, i) => {
        const share = Math.floor(writers / children.length) + (i < writers % children.length ? 1 : 0);
        if (!share) return { written: 0, transactions: 0 };
        child.send({ type: 'write', seconds, writers: share, shape: txShape, target } satisfies WriterJob);
        return new Promise<{ written: number; transactions: number }>((resolve) =>
          child.once('message', (m: { written: number; transactions: number }) => resolve(m)),
        );
      }),
    );
    const written = counts.reduce((a, c) => a + c.written, 0);
    const transactions = counts.reduce((a, c) => a + c.transactions, 0);
    // Appended means integrated into the tree: wait until the tree holds every committed entry.
    if (target === 'ledger') while ((await treeSize(db)) < startSize + written) await new Promise((r) => setTimeout(r, 2));
    const elapsed = (performance.now() - start) / 1000;
    await stopSequencer?.();
    return { perS: Math.round(written / elapsed), txPerS: Math.round(transactions / elapsed) };
  }

  // Warm up: connections opened and code compiled in every writer process before anything is timed.
  await measure(2 * PROCESSES, [1], 'ledger', 1);
  await measure(2 * PROCESSES, [1], 'plain', 1);

  const appendOne: Record<string, number> = {};
  const appendJourney: Record<string, number> = {};
  const ceiling: Record<string, number> = {};
  for (const writers of [1, 10, 100]) {
    const one = await measure(writers, [1], 'ledger');
    const journey = await measure(writers, journeyMix, 'ledger');
    const plain = await measure(writers, [1], 'plain');
    appendOne[writers] = one.perS;
    appendJourney[writers] = journey.perS;
    ceiling[writers] = plain.txPerS;
    console.log(
      `append with ${writers} writers in ${Math.min(writers, PROCESSES)} processes: ${one.perS} entries/s at 1 per transaction, ` +
        `${journey.perS} entries/s (${journey.txPerS} transactions/s) at the journey's mix; ` +
        `commit ceiling without the ledger: ${plain.txPerS} transactions/s`,
    );
  }
  for (const child of children) child.send({ type: 'stop' });

  // ---- Fill to TOTAL entries: queued in bulk by SQL (canonical JSON, as entries are), integrated by the sequencer.
  const current = await treeSize(db);
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
  console.log(
    `filled to ${checkpoint.treeSize} entries in ${fillSeconds.toFixed(1)} s (${Math.round((TOTAL - current) / fillSeconds)} entries/s in bulk)`,
  );

  // Each measurement on its own: proofs first, then verify, then the raw fold, so that none runs while the
  // garbage of another (a million entry buffers) is being collected.

  // Proofs for random leaves against the checkpoint, after 200 untimed ones (connections, compiled code).
  for (let i = 0; i < 200; i++) await ledger.inclusionProof(Math.floor(Math.random() * checkpoint.treeSize), checkpoint.treeSize);
  const samples: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const index = Math.floor(Math.random() * checkpoint.treeSize);
    const t0 = performance.now();
    await ledger.inclusionProof(index, checkpoint.treeSize);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const pct = (q: number) => Math.round(samples[Math.floor(q * (samples.length - 1))]! * 1000) / 1000;

  const threads = defaultHashingThreads();
  const verifyStart = performance.now();
  const report = await verifyLedger(db, { suite: config.LEDGER_HASH, origin: config.LEDGER_ORIGIN, verifier: ledger.verifier });
  const verifyPerS = Math.round(report.entries / ((performance.now() - verifyStart) / 1000));

  // ---- Raw hash rate of the same bytes: the root folded in memory from the stored entries, on one thread.
  const entries: Buffer[] = [];
  for (let from = 0; ; from += 50_000) {
    const rows = await db
      .selectFrom('ledger_leaves')
      .select('entry')
      .where('leaf_index', '>=', from)
      .where('leaf_index', '<', from + 50_000)
      .orderBy('leaf_index')
      .execute();
    if (!rows.length) break;
    for (const r of rows) entries.push(r.entry);
  }
  const rawStart = performance.now();
  const frontier = new MerkleFrontier(config.LEDGER_HASH);
  for (const e of entries) frontier.append(leafHash(config.LEDGER_HASH, e));
  frontier.root();
  const rawPerS = Math.round(entries.length / ((performance.now() - rawStart) / 1000));
  entries.length = 0;
  console.log(
    `verify: ${report.ok ? 'ok' : `${report.problems.length} problems`}, ${verifyPerS} entries/s (reading on one thread, hashing on ${threads}); ` +
      `raw hash ${rawPerS} entries/s on one thread`,
  );

  await db.destroy();
  await database.drop();
  rmSync(keyFile, { force: true });

  console.log(
    JSON.stringify({
      bench: 'ledger',
      // Entries per second as the purchase journey writes them: business transactions carry the mix measured above
      // (most one entry, some two or three), so this is the rate real writers append at. The same writers with
      // exactly one entry per transaction are in append_1_per_tx_per_s.
      append_per_s: appendJourney,
      verify_per_s: verifyPerS,
      raw_hash_per_s: rawPerS,
      verify_ratio: Math.round((verifyPerS / rawPerS) * 1000) / 1000,
      proof_p50_ms: pct(0.5),
      proof_p99_ms: pct(0.99),
      entries: report.entries,
      verified: report.ok,
      append_1_per_tx_per_s: appendOne,
      commit_ceiling_tx_per_s: ceiling,
      journey_entries_per_tx: shape.histogram,
      writer_processes: PROCESSES,
      verify_threads: threads,
    }),
  );
}
