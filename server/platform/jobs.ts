import PgBoss from 'pg-boss';
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

export async function startJobs(opts: { connectionString: string; jobs: ScheduledJob[]; logger: Logger }): Promise<{ stop(): Promise<void> }> {
  const boss = new PgBoss({ connectionString: opts.connectionString, schema: 'pgboss', max: 4, application_name: 'wangbao-jobs' });
  boss.on('error', (err) => opts.logger.error({ err }, 'job queue error'));
  await boss.start();
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
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

/**
 * Runs a batch job again while its last run did work and the time budget lasts, so a backlog clears within one tick
 * instead of one batch a minute; between runs the event loop serves requests. Returns every run's result.
 */
export async function drain<T>(run: () => Promise<T>, didWork: (result: T) => boolean, budgetMs: number, now: () => number = () => performance.now()): Promise<{ rounds: number; results: T[] }> {
  const start = now();
  const results: T[] = [];
  for (;;) {
    const r = await run();
    results.push(r);
    if (!didWork(r) || now() - start >= budgetMs) return { rounds: results.length, results };
    await nextTurn();
  }
}
