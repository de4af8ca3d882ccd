import { createServer } from 'node:net';
import { loadConfig } from './config.js';
import { createDb } from './db/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { migrateToLatest } from './db/migrator.js';
import { grantRuntimePrivileges, roleOf } from './db/privileges.js';
import { createLogger } from './platform/logger.js';
import { createPlatform } from './boot.js';
import { createServices } from './services.js';
import { buildApp } from './app.js';
import { seedDemo } from './demo.js';
import { drain, startJobs } from './platform/jobs.js';
import { startOutboxWorker } from './platform/outbox.js';
import { startSequencer } from './ledger/sequencer.js';
import { retentionReport } from './modules/records/index.js';

/** A minute-cron job drains its backlog for at most this long, then leaves the rest to the next tick. */
const JOB_BUDGET_MS = 45_000;
/** Work after commit is looked for this often; a drain runs at most this long before the next look. */
const OUTBOX_INTERVAL_MS = 2_000;
const OUTBOX_BUDGET_MS = 10_000;

/** Fails, naming the setting to change, when another program listens on the server's address. */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE' || e.code === 'EACCES'
          ? new Error(
              `PORT ${port} on ${host} is ${e.code === 'EADDRINUSE' ? 'already in use by another program' : 'not open to this user'} (${e.code}). ` +
                `Set PORT to a free port (for example PORT=${port + 1} npm start), or stop the program that holds it.`,
            )
          : e,
      ),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** boot: config → database → services → http → listen; and back down in reverse on SIGINT/SIGTERM. */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const demo = process.argv.includes('--demo');
  // Decision 0007: npm scripts run the Node 24 binary from node_modules/.bin; say which one is serving.
  logger.info({ node: process.version, execPath: process.execPath }, `wangbao starting on Node ${process.version}`);

  // A taken port is found now, not after the database has started and migrated.
  await assertPortFree(config.HOST, config.PORT);

  let embedded: EmbeddedDatabase | undefined;
  // A signal during the start stops what has started so far; once serving, `shutdown` below takes over.
  let stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'stopping before the server was ready');
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  let url = config.DATABASE_URL;
  if (!url) {
    logger.info({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT }, 'DATABASE_URL not set: starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({
      dir: config.EMBEDDED_PG_DIR,
      port: config.EMBEDDED_PG_PORT,
      log: (m) => logger.debug(m),
      ownSignals: true,
    });
    url = embedded.url;
  }
  const { db } = createDb(url, config.DATABASE_POOL_SIZE);
  if (config.MIGRATION_DATABASE_URL) {
    // Migrations and grants run as the migration role; the runtime role cannot rewrite the ledger.
    const migration = createDb(config.MIGRATION_DATABASE_URL, 2);
    const applied = await migrateToLatest(migration.db);
    await grantRuntimePrivileges(migration.db, roleOf(url));
    await migration.db.destroy();
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } else {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }

  const providers = createDb(url, 4);
  const platform = createPlatform({ config, db, logger, providerDb: providers.db });
  const services = createServices(platform);
  if (demo) {
    const summary = await seedDemo(platform, services);
    logger.info(summary, 'demo data ready');
  }
  const app = await buildApp(platform, services);
  const sequencer = startSequencer({
    ledger: services.ledger,
    logger,
    sequenceMs: config.LEDGER_SEQUENCE_MS,
    checkpointMs: config.LEDGER_CHECKPOINT_MS,
  });
  const jobs = await startJobs({
    connectionString: config.MIGRATION_DATABASE_URL ?? url,
    logger,
    jobs: [
      { name: 'payments.expire-unpaid-orders', cron: '* * * * *', run: () => services.payments.expireUnpaidOrders() },
      { name: 'payments.retry-requested-refunds', cron: '*/5 * * * *', run: () => services.payments.retryRequestedRefunds() },
      // Every callback deadline: fallback to phone, to letter or visit, final failure (CB). Notices are work after commit.
      {
        name: 'callbacks.deadlines',
        cron: '* * * * *',
        run: () =>
          drain(
            () => services.callbacks.runCallbackDeadlines(platform.clock.now()),
            (r) => r.toPhone + r.toLetter + r.failed > 0,
            JOB_BUDGET_MS,
          ),
      },
      // CB: the daily quality sampling (抽检) draw over callbacks completed since the last run.
      { name: 'callbacks.sampling-draw', cron: '30 2 * * *', run: () => services.callbackSampling.drawSamples() },
      {
        name: 'ledger.retention-report',
        cron: '0 3 * * *',
        run: async () => {
          const r = await retentionReport(
            db,
            {
              shortTermYears: config.RETENTION_SHORT_TERM_YEARS,
              longTermYears: config.RETENTION_LONG_TERM_YEARS,
              disputeYears: config.RETENTION_DISPUTE_YEARS,
            },
            new Date(),
          );
          return { asOf: r.asOf, policiesChecked: r.policiesChecked, pastRetention: r.pastRetention.length };
        },
      },
    ],
  });
  // M§22, CB: e-policies, invoices and notices, from the outbox filled in the transactions that cause them.
  const outbox = startOutboxWorker({ outbox: services.outbox, intervalMs: OUTBOX_INTERVAL_MS, budgetMs: OUTBOX_BUDGET_MS, logger });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await app.close();
      await jobs.stop();
      await outbox.stop();
      await sequencer.stop();
      await db.destroy();
      await providers.db.destroy();
      await embedded?.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  stop = shutdown;
  // npm runs a script through `sh -c`: a process manager's SIGTERM or SIGINT to npm reaches that shell, which ends
  // without passing it on. The server then has a new parent; it takes that as the signal to stop.
  const parent = process.ppid;
  if (parent > 1) {
    setInterval(() => {
      if (process.ppid !== parent) void shutdown('parent exited');
    }, 250).unref();
  }

  await app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ url: `http://${config.HOST}:${config.PORT}`, docs: '/docs', openapi: '/openapi.json' }, 'wangbao is serving');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
