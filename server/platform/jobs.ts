import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from './logger.js';

/**
 * Background work in PostgreSQL (pg-boss): every deadline the platform keeps is a scheduled job, so it survives
 * restarts and runs once across several server processes. Each job is a plain function of the services; tests call
 * those functions directly with a manual clock.
 */
export interface ScheduledJob {
  name: string;
  /** Cron, minute resolution, Asia/Shanghai. */
  cron: string;
  run: () => Promise<unknown>;
}

/** The oldest pg-boss schema version pg-boss 12 migrates from (pg-boss 11.0); pg-boss 10 left version 24. */
export const OLDEST_MIGRATABLE_SCHEMA_VERSION = 25;

/**
 * pg-boss 12 cannot migrate the schema pg-boss 10 left. That schema holds nothing to keep: the cron schedules are
 * written again at every start and the jobs carry no data. So it is dropped and installed afresh, under a lock so
 * that two processes starting together drop it once. Returns the version dropped, if any.
 */
export async function retireUnmigratableSchema(connectionString: string, schema: string): Promise<number | null> {
  const client = new pg.Client({ connectionString, application_name: 'wangbao-jobs' });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`pg-boss schema ${schema}`]);
    const table = await client.query<{ t: string | null }>('select to_regclass($1) as t', [`${schema}.version`]);
    if (!table.rows[0]?.t) {
      await client.query('commit');
      return null;
    }
    const v = await client.query<{ version: string }>(`select version from ${pg.escapeIdentifier(schema)}.version`);
    const row = v.rows[0];
    const version = row ? Number(row.version) : null;
    if (version === null || version >= OLDEST_MIGRATABLE_SCHEMA_VERSION) {
      await client.query('commit');
      return null;
    }
    await client.query(`drop schema ${pg.escapeIdentifier(schema)} cascade`);
    await client.query('commit');
    return version;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

export async function startJobs(opts: {
  connectionString: string;
  jobs: ScheduledJob[];
  logger: Logger;
  schema?: string;
}): Promise<{ stop(): Promise<void> }> {
  const schema = opts.schema ?? 'pgboss';
  const retired = await retireUnmigratableSchema(opts.connectionString, schema);
  if (retired !== null)
    opts.logger.info({ schema, version: retired }, 'pg-boss schema of an older line dropped: schedules are written again below');
  const boss = new PgBoss({ connectionString: opts.connectionString, schema, max: 4, application_name: 'wangbao-jobs' });
  boss.on('error', (err) => opts.logger.error({ err }, 'job queue error'));
  await boss.start();
  // A job no longer in the list (e.g. the document poller the outbox replaced) stops being scheduled.
  const names = new Set(opts.jobs.map((j) => j.name));
  for (const s of await boss.getSchedules()) if (!names.has(s.name)) await boss.unschedule(s.name, s.key);
  for (const job of opts.jobs) {
    await boss.createQueue(job.name);
    await boss.schedule(job.name, job.cron, {}, { tz: 'Asia/Shanghai' });
    await boss.work(job.name, async () => {
      const result = await job.run();
      opts.logger.info({ job: job.name, result }, 'job ran');
    });
  }
  return {
    async stop() {
      // pg-boss 12: stop() resolves once the workers have finished (or the timeout has passed).
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

/**
 * Runs a batch job again while its last run did work and the time budget lasts, so a backlog clears within one tick
 * instead of one batch a minute; between runs the event loop serves requests. Returns every run's result.
 */
export async function drain<T>(
  run: () => Promise<T>,
  didWork: (result: T) => boolean,
  budgetMs: number,
  now: () => number = () => performance.now(),
): Promise<{ rounds: number; results: T[] }> {
  const start = now();
  const results: T[] = [];
  for (;;) {
    const r = await run();
    results.push(r);
    if (!didWork(r) || now() - start >= budgetMs) return { rounds: results.length, results };
    await nextTurn();
  }
}
