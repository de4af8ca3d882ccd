import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive } from '../server/db/embedded.js';
import { makeTempDir } from './helpers/temp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  dir: string;
  lines: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: Started[] = [];

/** The real server, as `npm start` or `npm run serve` runs it, on an embedded PostgreSQL in a temporary folder. */
async function start(command: string, args: string[], env: Record<string, string> = {}): Promise<Started> {
  const dir = makeTempDir('lifecycle');
  const child = spawn(command, args, {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      EMBEDDED_PG_DIR: path.join(dir, 'pg'),
      EMBEDDED_PG_PORT: String(await freePort()),
      DEV_KEY_FILE: path.join(dir, 'dev-keys.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
  }
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const s = { child, dir, lines, exit };
  started.push(s);
  return s;
}

async function until(s: Started, text: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!s.lines.some((l) => l.includes(text))) {
    if (Date.now() > end) throw new Error(`no "${text}" in:\n${s.lines.join('\n')}`);
    if (s.child.exitCode !== null) throw new Error(`exited ${s.child.exitCode} before "${text}":\n${s.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const postmasterOf = (s: Started) => Number(readFileSync(path.join(s.dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
const errorLines = (s: Started) => s.lines.filter((l) => /"level":(50|60)/.test(l));

async function gone(pid: number, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (processAlive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

afterEach(async () => {
  for (const s of started.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    const pidFile = path.join(s.dir, 'pg', 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pm = postmasterOf(s);
      if (pm && processAlive(pm)) process.kill(pm, 'SIGINT');
      await gone(pm);
    }
    rmSync(s.dir, { recursive: true, force: true });
  }
});

describe('the server process', () => {
  it('stops on SIGTERM with exit code 0, no error-level log line, and its embedded PostgreSQL stopped', async () => {
    const s = await start(process.execPath, ['--import', 'tsx', 'server/main.ts']);
    await until(s, 'wangbao is serving');
    const postmaster = postmasterOf(s);
    expect(processAlive(postmaster)).toBe(true);
    s.child.kill('SIGTERM');
    expect(await s.exit).toEqual({ code: 0, signal: null });
    expect(errorLines(s)).toEqual([]);
    expect(s.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    expect(await gone(postmaster)).toBe(true);
  }, 120_000);

  it('stops when a process manager sends SIGTERM to `npm run serve` (npm → node)', async () => {
    const s = await start('npm', ['run', 'serve']);
    await until(s, 'wangbao is serving');
    const postmaster = postmasterOf(s);
    s.child.kill('SIGTERM');
    await s.exit;
    // npm passes the signal on and may end first; the server shuts down in order either way (it also stops when its
    // parent is gone, for an npm that does not pass signals on).
    expect(await gone(postmaster)).toBe(true);
    await until(s, '"msg":"stopped"', 15_000).catch(() => undefined);
    expect(errorLines(s)).toEqual([]);
  }, 120_000);

  it('stops on SIGINT to `npm run serve` (as a process manager or Ctrl-C sends it) with exit code 0, no error-level log line, and its embedded PostgreSQL stopped', async () => {
    const s = await start('npm', ['run', 'serve']);
    await until(s, 'wangbao is serving');
    const postmaster = postmasterOf(s);
    expect(processAlive(postmaster)).toBe(true);
    // The script execs node, so the signal npm passes on reaches the server itself, not a shell in between.
    s.child.kill('SIGINT'); // kill -INT <pid of npm>
    expect(await s.exit).toEqual({ code: 0, signal: null });
    expect(errorLines(s)).toEqual([]);
    expect(s.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    expect(await gone(postmaster)).toBe(true);
  }, 120_000);

  it('refuses a taken PORT before starting the database, naming the setting', async () => {
    const taken: Server = await new Promise((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => resolve(srv));
    });
    const port = (taken.address() as { port: number }).port;
    try {
      const s = await start(process.execPath, ['--import', 'tsx', 'server/main.ts'], { PORT: String(port) });
      const { code } = await s.exit;
      expect(code).toBe(1);
      const out = s.lines.join('\n');
      expect(out).toContain(`PORT ${port}`);
      expect(out).toMatch(/Set PORT to a free port/);
      expect(out).not.toContain('starting embedded PostgreSQL');
      expect(existsSync(path.join(s.dir, 'pg'))).toBe(false);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  }, 60_000);
});
