import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.js';
import { createLogger } from './logger.js';
import { drain, OLDEST_MIGRATABLE_SCHEMA_VERSION, startJobs } from './jobs.js';

describe('drain', () => {
  it('runs a batch job again while it does work, and stops at the first idle run', async () => {
    let backlog = 7;
    const batch = async () => {
      const done = Math.min(3, backlog);
      backlog -= done;
      return { done };
    };
    const r = await drain(batch, (x) => x.done > 0, 60_000);
    expect(backlog).toBe(0);
    expect(r.results.map((x) => x.done)).toEqual([3, 3, 1, 0]);
    expect(r.rounds).toBe(4);
  });

  it('leaves the rest of a backlog to the next tick once its time budget is spent', async () => {
    let t = 0;
    let runs = 0;
    const r = await drain(
      async () => {
        runs++;
        t += 20;
        return 1;
      },
      () => true,
      50,
      () => t,
    );
    // 20, 40, 60 ms: the third run ends past the budget.
    expect([r.rounds, runs]).toEqual([3, 3]);
  });
});

describe('startJobs', () => {
  it('replaces the schema pg-boss 10 left, which pg-boss 12 cannot migrate, and writes the schedules again', async () => {
    const database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // What pg-boss 10 leaves: schema version 24, a schedule of a job since retired.
      await client.query(`create schema pgboss; create table pgboss.version (version int primary key, maintained_on timestamptz, cron_on timestamptz); insert into pgboss.version values (24, null, null);
        create table pgboss.schedule (name text primary key, cron text not null); insert into pgboss.schedule values ('documents.generate-pending', '* * * * *');`);
      const jobs = await startJobs({
        connectionString: database.url,
        logger: createLogger('silent'),
        jobs: [{ name: 'test.tick', cron: '* * * * *', run: async () => 0 }],
      });
      await jobs.stop();
      const version = await client.query<{ version: number }>('select version from pgboss.version');
      expect(Number(version.rows[0]!.version)).toBeGreaterThanOrEqual(OLDEST_MIGRATABLE_SCHEMA_VERSION);
      const schedules = await client.query<{ name: string }>('select name from pgboss.schedule order by name');
      expect(schedules.rows.map((r) => r.name)).toEqual(['test.tick']);

      // Started again on its own schema: kept as it is, and a job no longer listed is no longer scheduled.
      const again = await startJobs({
        connectionString: database.url,
        logger: createLogger('silent'),
        jobs: [{ name: 'test.other', cron: '*/5 * * * *', run: async () => 0 }],
      });
      await again.stop();
      expect((await client.query<{ name: string }>('select name from pgboss.schedule order by name')).rows.map((r) => r.name)).toEqual([
        'test.other',
      ]);
    } finally {
      await client.end();
      await database.drop();
    }
  }, 60_000);
});
