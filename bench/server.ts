/**
 * The server under benchmark, as a child process of bench/journey.ts: the real platform on the benchmark's
 * database, plus one IPC command that runs the TPC-B-like baseline through the platform's own pool.
 */
import { sql } from 'kysely';
import { loadConfig } from '../server/config.js';
import { createDb } from '../server/db/database.js';
import { migrateToLatest } from '../server/db/migrator.js';
import { createPlatform } from '../server/boot.js';
import { createServices } from '../server/services.js';
import { buildApp } from '../server/app.js';
import { seedDemo } from '../server/demo.js';
import { createLogger } from '../server/platform/logger.js';
import { startSequencer } from '../server/ledger/sequencer.js';

const config = loadConfig();
const { db } = createDb(config.DATABASE_URL!, config.DATABASE_POOL_SIZE);
await migrateToLatest(db);
const providers = createDb(config.DATABASE_URL!, 4);
const platform = createPlatform({ config, db, logger: createLogger('warn'), providerDb: providers.db });
const services = createServices(platform);
await seedDemo(platform, services);
const app = await buildApp(platform, services, { logger: false });
await app.listen({ host: '127.0.0.1', port: config.PORT });
// The ledger runs as in production: every journey's events are sequenced while the load runs.
const sequencer = startSequencer({
  ledger: services.ledger,
  logger: platform.logger,
  sequenceMs: config.LEDGER_SEQUENCE_MS,
  checkpointMs: config.LEDGER_CHECKPOINT_MS,
});

/** TPC-B-like: one account, teller and branch update and a history insert per transaction, at `concurrency`. */
async function baseline(seconds: number, concurrency: number): Promise<number> {
  await sql`drop table if exists bench_accounts, bench_tellers, bench_branches, bench_history`.execute(db);
  await sql`create unlogged table bench_branches (bid int primary key, bbalance bigint not null)`.execute(db);
  await sql`create unlogged table bench_tellers (tid int primary key, bid int not null, tbalance bigint not null)`.execute(db);
  await sql`create unlogged table bench_accounts (aid int primary key, bid int not null, abalance bigint not null)`.execute(db);
  await sql`create unlogged table bench_history (tid int, bid int, aid int, delta bigint, mtime timestamptz)`.execute(db);
  await sql`insert into bench_branches select g, 0 from generate_series(1, 10) g`.execute(db);
  await sql`insert into bench_tellers select g, (g % 10) + 1, 0 from generate_series(1, 100) g`.execute(db);
  await sql`insert into bench_accounts select g, (g % 10) + 1, 0 from generate_series(1, 100000) g`.execute(db);
  // The same durability as the journey: logged tables would be fairer to the journey, so make them logged.
  await sql`alter table bench_branches set logged`.execute(db);
  await sql`alter table bench_tellers set logged`.execute(db);
  await sql`alter table bench_accounts set logged`.execute(db);
  await sql`alter table bench_history set logged`.execute(db);
  const end = Date.now() + seconds * 1000;
  let count = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const aid = 1 + Math.floor(Math.random() * 100000);
      const tid = 1 + Math.floor(Math.random() * 100);
      const bid = 1 + Math.floor(Math.random() * 10);
      const delta = Math.floor(Math.random() * 10000) - 5000;
      await db.transaction().execute(async (trx) => {
        await sql`update bench_accounts set abalance = abalance + ${delta} where aid = ${aid}`.execute(trx);
        await sql`select abalance from bench_accounts where aid = ${aid}`.execute(trx);
        await sql`update bench_tellers set tbalance = tbalance + ${delta} where tid = ${tid}`.execute(trx);
        await sql`update bench_branches set bbalance = bbalance + ${delta} where bid = ${bid}`.execute(trx);
        await sql`insert into bench_history values (${tid}, ${bid}, ${aid}, ${delta}, now())`.execute(trx);
      });
      count++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const tps = count / ((Date.now() - t0) / 1000);
  await sql`drop table bench_accounts, bench_tellers, bench_branches, bench_history`.execute(db);
  return tps;
}

process.on('message', async (msg: { type: string; seconds?: number; concurrency?: number }) => {
  // The server's own user+system CPU time (every thread of the process, libuv's pool included), in microseconds.
  if (msg.type === 'cpu') process.send!({ type: 'cpu', ...process.cpuUsage() });
  if (msg.type === 'baseline') {
    const tps = await baseline(msg.seconds ?? 10, msg.concurrency ?? 16);
    process.send!({ type: 'baseline', tps });
  }
  if (msg.type === 'stop') {
    await sequencer.stop();
    await app.close();
    await db.destroy();
    process.exit(0);
  }
});
process.send!({ type: 'ready', port: (app.server.address() as { port: number }).port });
