/**
 * What the HTTP benchmarks share: a database of their own (on DATABASE_URL, or an embedded PostgreSQL under
 * ./data/bench-pg), the real server in a child process (bench/server.ts) on a free port, its memory, and percentiles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '../server/db/embedded.js';
import { withDatabase } from '../server/db/database.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface BenchServer {
  base: string;
  child: ChildProcess;
  /** The next IPC message of this type from the server process. */
  waitFor<T>(type: string): Promise<T>;
  /** The server process's user+system CPU time so far, in milliseconds (its own count, not wall time). */
  cpuMs(): Promise<number>;
  /** Stops the server, drops the database, stops the embedded PostgreSQL if one was started. */
  stop(): Promise<void>;
}

export interface BenchDatabase {
  url: string;
  /** Drops the database and stops the embedded PostgreSQL if one was started. */
  drop(): Promise<void>;
}

/** A database of the benchmark's own, `<prefix>_<pid>`: on DATABASE_URL's server, or an embedded PostgreSQL. */
export async function createBenchDatabase(prefix: string): Promise<BenchDatabase> {
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dir: './data/bench-pg', port: 54331 });
  const adminUrl = process.env.DATABASE_URL ?? embedded?.url ?? '';
  const name = `${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      await embedded?.stop();
    },
  };
}

export async function startBenchServer(opts: { dbPrefix: string; poolSize: number }): Promise<BenchServer> {
  const database = await createBenchDatabase(opts.dbPrefix);

  const freePort = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const child = fork(path.join(here, 'server.ts'), [], {
    // BENCH_PROFILE=1 writes a CPU profile of the server to ./data/profiles.
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=./data/profiles'] : [])],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: String(opts.poolSize),
      PORT: String(freePort),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${freePort}`,
      LOG_LEVEL: 'warn',
      DEV_KEY_FILE: `./data/bench-keys-${process.pid}.json`,
      OTP_RESEND_SECONDS: '0',
      OTP_MAX_PER_HOUR: '1000',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waitFor = <T>(type: string) => new Promise<T>((resolve) => child.on('message', (m: any) => m.type === type && resolve(m)));
  const { port } = await waitFor<{ port: number }>('ready');
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    waitFor,
    async cpuMs() {
      const reply = waitFor<{ user: number; system: number }>('cpu');
      child.send({ type: 'cpu' });
      const { user, system } = await reply;
      return (user + system) / 1000;
    },
    async stop() {
      child.send({ type: 'stop' });
      await new Promise((r) => child.on('exit', r));
      await database.drop();
    },
  };
}

/** Resident and peak memory of a process, from /proc. */
export function rssOf(pid: number): { rssMb: number; hwmMb: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rssMb: Math.round(kb('VmRSS') / 1024), hwmMb: Math.round(kb('VmHWM') / 1024) };
}

/** The q-quantile of xs (nearest rank), to a tenth; NaN for none. */
export function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN) * 10) / 10;
}
