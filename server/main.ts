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
import { startSequencer } from './ledger/sequencer.js';
import { retentionReport } from './modules/records/index.js';

/** A minute-cron job drains its backlog for at most this long, then leaves the rest to the next tick. */
const JOB_BUDGET_MS = 45_000;

/** boot: config → database → services → http → listen; and back down in reverse on SIGINT/SIGTERM. */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const demo = process.argv.includes('--demo');
  // Decision 0007: npm scripts run the Node 24 binary from node_modules/.bin; say which one is serving.
  logger.info({ node: process.version, execPath: process.execPath }, `wangbao starting on Node ${process.version}`);

  let embedded: EmbeddedDatabase | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    logger.info({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT }, 'DATABASE_URL not set: starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT, log: (m) => logger.debug(m) });
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
  const sequencer = startSequencer({ ledger: services.ledger, logger, sequenceMs: config.LEDGER_SEQUENCE_MS, checkpointMs: config.LEDGER_CHECKPOINT_MS });
  const jobs = await startJobs({
    connectionString: config.MIGRATION_DATABASE_URL ?? url,
    logger,
    jobs: [
      { name: 'payments.expire-unpaid-orders', cron: '* * * * *', run: () => services.payments.expireUnpaidOrders() },
      { name: 'payments.retry-requested-refunds', cron: '*/5 * * * *', run: () => services.payments.retryRequestedRefunds() },
      // M§22: e-policies once a checkpoint seals their issuance, invoices for paid premiums.
      {
        name: 'documents.generate-pending',
        cron: '* * * * *',
        run: () => drain(() => services.documents.generatePending(), (r) => r.ePolicies + r.invoices + r.redInvoices > 0, JOB_BUDGET_MS),
      },
      // Callback notices and every callback deadline: fallback to phone, to letter or visit, final failure (CB).
      {
        name: 'callbacks.deadlines',
        cron: '* * * * *',
        run: () =>
          drain(
            () => services.callbacks.runCallbackDeadlines(platform.clock.now()),
            (r) => r.notices.sent + r.offerNotices.sent + r.toPhone + r.toLetter + r.failed > 0,
            JOB_BUDGET_MS,
          ),
      },
      // CB: the daily quality sampling (抽检) draw over callbacks completed since the last run.
      { name: 'callbacks.sampling-draw', cron: '30 2 * * *', run: () => services.callbackSampling.drawSamples() },
      {
        name: 'ledger.retention-report',
        cron: '0 3 * * *',
        run: async () => {
          const r = await retentionReport(db, { shortTermYears: config.RETENTION_SHORT_TERM_YEARS, longTermYears: config.RETENTION_LONG_TERM_YEARS, disputeYears: config.RETENTION_DISPUTE_YEARS }, new Date());
          return { asOf: r.asOf, policiesChecked: r.policiesChecked, pastRetention: r.pastRetention.length };
        },
      },
    ],
  });

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
      await sequencer.stop();
      await db.destroy();
      await providers.db.destroy();
      await embedded?.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ url: `http://${config.HOST}:${config.PORT}`, docs: '/docs', openapi: '/openapi.json' }, 'wangbao is serving');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
