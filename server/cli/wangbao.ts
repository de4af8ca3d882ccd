import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { createDb, type Db } from '../db/database.js';
import { processAlive, startEmbeddedPostgres } from '../db/embedded.js';
import { migrateToLatest } from '../db/migrator.js';
import { staffRoles, type StaffRole } from '../platform/actor.js';
import { systemClock } from '../platform/clock.js';
import { isAppError } from '../platform/errors.js';
import { loadKeys } from '../platform/keys.js';
import { createPiiCipher, type PiiCipher } from '../platform/pii.js';
import { readDevOutbox } from '../modules/identity/dev-sms.provider.js';
import { bootstrapStaff } from '../modules/staff/staff.service.js';
import { totp, totpStep } from '../modules/staff/totp.js';
import { verifyLedger } from '../ledger/verify.js';
import { verifierOf } from '../ledger/signer.js';
import { createLedgerService } from '../ledger/ledger.service.js';
import { exportPolicyBundle } from '../modules/records/index.js';

/**
 * `wangbao`, the operator's command line: `npx tsx server/cli/wangbao.ts <command> [options]` or `bin/wangbao.mjs`.
 * Each command is one entry of the table below; add yours there (name, summary, usage, options, run).
 */

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliContext {
  env: Record<string, string | undefined>;
  io: CliIo;
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

export interface Command {
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  /** Returns the exit code (0 when omitted). */
  run(ctx: CliContext): Promise<number | void>;
}

/**
 * The database server/main.ts uses: DATABASE_URL, or the embedded PostgreSQL under EMBEDDED_PG_DIR. When a
 * running wangbao already holds the embedded database, the command connects to it instead of starting another.
 */
export async function withDatabase<T>(config: Config, io: CliIo, fn: (db: Db) => Promise<T>): Promise<T> {
  let url = config.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!url) {
    const lockFile = `${path.resolve(config.EMBEDDED_PG_DIR)}.lock`;
    const holder = existsSync(lockFile) ? Number(readFileSync(lockFile, 'utf8').trim()) : 0;
    if (holder && holder !== process.pid && processAlive(holder)) {
      io.err(`Using the embedded PostgreSQL of the running wangbao (process ${holder}) on port ${config.EMBEDDED_PG_PORT}.`);
      url = `postgres://postgres:postgres@127.0.0.1:${config.EMBEDDED_PG_PORT}/postgres`;
    } else {
      const embedded = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
      url = embedded.url;
      stop = () => embedded.stop();
    }
  }
  const { db } = createDb(url, 2);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
    await stop?.();
  }
}

function piiFor(config: Config): PiiCipher {
  return createPiiCipher(loadKeys(config).keyring);
}

function str(v: CliContext['values'][string]): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function required(ctx: CliContext, name: string): string {
  const v = str(ctx.values[name]);
  if (!v) throw new UsageError(`--${name} is required`);
  return v;
}

class UsageError extends Error {}

/** A strong random password meeting the staff policy: to be changed by its holder. */
function generatePassword(): string {
  return `${randomBytes(15).toString('base64url')}-Wb7`;
}

export const commands: Record<string, Command> = {
  'db migrate': {
    summary: 'Apply pending database migrations',
    usage: 'db migrate',
    async run({ env, io }) {
      const config = loadConfig(env);
      const applied = await withDatabase(config, io, (db) => migrateToLatest(db));
      io.out(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
    },
  },

  'staff create': {
    summary: 'Create a staff account (the first security_admin, for instance); prints its TOTP secret',
    usage: `staff create --username <name> --role <role> [--role <role>] [--display-name <name>] [--password <password>]\n    roles: ${staffRoles.join(', ')}`,
    options: {
      username: { type: 'string' },
      role: { type: 'string', multiple: true },
      'display-name': { type: 'string' },
      password: { type: 'string' },
    },
    async run(ctx) {
      const username = required(ctx, 'username');
      const roles = (ctx.values.role as string[] | undefined) ?? [];
      if (roles.length === 0) throw new UsageError('--role is required');
      const unknown = roles.filter((r) => !(staffRoles as readonly string[]).includes(r));
      if (unknown.length) throw new UsageError(`Unknown role ${unknown.join(', ')}; roles: ${staffRoles.join(', ')}`);
      const given = str(ctx.values.password);
      const password = given ?? generatePassword();
      const config = loadConfig(ctx.env);
      const pii = piiFor(config);
      const r = await withDatabase(config, ctx.io, (db) =>
        bootstrapStaff(
          db,
          { pii, clock: systemClock },
          { username, displayName: str(ctx.values['display-name']) ?? username, password, roles: roles as StaffRole[] },
        ),
      );
      ctx.io.out(`Created staff account ${username} (${r.staffId}) with role ${roles.join(', ')}.`);
      if (!given) ctx.io.out(`Password:    ${password}`);
      ctx.io.out(`TOTP secret: ${r.totpSecret}`);
      ctx.io.out(`otpauth URI: ${r.otpauthUrl}`);
      ctx.io.out('Enrol the secret in an authenticator app now: it is not shown again.');
    },
  },

  'sms outbox': {
    summary: 'Show the development SMS outbox of a phone (codes sent in development)',
    usage: 'sms outbox --phone <phone> [--limit <n>]',
    options: { phone: { type: 'string' }, limit: { type: 'string' } },
    async run(ctx) {
      const phone = required(ctx, 'phone').replace(/[\s-]/g, '').replace(/^\+86/, '');
      const limit = Number(str(ctx.values.limit) ?? 5);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError('--limit must be 1–100');
      const config = loadConfig(ctx.env);
      if (config.NODE_ENV === 'production') throw new UsageError('The development outbox does not exist in production');
      const pii = piiFor(config);
      const messages = await withDatabase(config, ctx.io, (db) => readDevOutbox({ db, pii }, phone, limit));
      if (messages.length === 0) ctx.io.out('No messages.');
      for (const m of messages) ctx.io.out(`${m.sentAt.toISOString()}  ${m.template}  ${m.body}`);
    },
  },

  totp: {
    summary: 'Print the current TOTP code for a base32 secret (for signing in to the demo)',
    usage: 'totp --secret <base32> [--at <ISO time>]',
    options: { secret: { type: 'string' }, at: { type: 'string' } },
    async run(ctx) {
      const secret = required(ctx, 'secret');
      const atText = str(ctx.values.at);
      const at = atText ? new Date(atText) : new Date();
      if (Number.isNaN(at.getTime())) throw new UsageError('--at must be an ISO time');
      let code: string;
      try {
        code = totp(secret, at);
      } catch {
        throw new UsageError('--secret must be base32');
      }
      const left = 30 - (Math.floor(at.getTime() / 1000) % 30);
      ctx.io.out(code);
      ctx.io.err(`valid for ${left} more seconds (step ${totpStep(at)})`);
    },
  },

  'ledger verify': {
    summary: 'Recompute the whole ledger from stored entries and check every hash, checkpoint and page snapshot',
    usage: 'ledger verify [--json]',
    options: { json: { type: 'boolean' } },
    async run(ctx) {
      const config = loadConfig(ctx.env);
      const keys = loadKeys(config);
      const tty = process.stderr.isTTY;
      let lastPrinted = 0;
      const report = await withDatabase(config, ctx.io, (db) =>
        verifyLedger(db, {
          suite: config.LEDGER_HASH,
          origin: config.LEDGER_ORIGIN,
          verifier: verifierOf(keys.ledgerSigner),
          onProgress: (done, total) => {
            if (!tty && done - lastPrinted < 100_000 && done < total) return;
            lastPrinted = done;
            const width = 30;
            const filled = total ? Math.round((done / total) * width) : width;
            const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} entries`;
            if (tty) process.stderr.write(`\r${line}`);
            else ctx.io.err(line);
          },
        }),
      );
      if (tty) process.stderr.write('\n');
      if (ctx.values.json) ctx.io.out(JSON.stringify(report));
      else {
        ctx.io.out(
          `${report.entries} entries, tree size ${report.treeSize}, ${report.checkpoints} checkpoints, ${report.snapshots} page snapshots checked.`,
        );
        for (const p of report.problems) ctx.io.out(`BAD ${p.kind} ${p.at}${p.ref ? ` (${p.ref})` : ''}: ${p.message}`);
        ctx.io.out(
          report.ok
            ? '验证通过 / verified: every hash, checkpoint and snapshot matches.'
            : `验证失败 / FAILED: ${report.problems.length} problem(s).`,
        );
      }
      return report.ok ? 0 : 1;
    },
  },

  'ledger export': {
    summary: "Write a self-contained bundle of one policy's ledger entries, proofs and page snapshots for offline checking",
    usage: 'ledger export --policy <policy number> [--out <file>]',
    options: { policy: { type: 'string' }, out: { type: 'string' } },
    async run(ctx) {
      const policyNumber = required(ctx, 'policy');
      const config = loadConfig(ctx.env);
      const keys = loadKeys(config);
      const bundle = await withDatabase(config, ctx.io, async (db) => {
        const ledger = createLedgerService({
          db,
          clock: systemClock,
          config: { origin: config.LEDGER_ORIGIN, suite: config.LEDGER_HASH, signer: keys.ledgerSigner },
        });
        await ledger.integratePending();
        await ledger.publishCheckpoint();
        return exportPolicyBundle(db, ledger, policyNumber, { actor: { type: 'system', id: 'cli:ledger-export' }, at: systemClock.now() });
      });
      const text = `${JSON.stringify(bundle, null, 2)}\n`;
      const out = str(ctx.values.out);
      if (out) {
        writeFileSync(out, text);
        ctx.io.err(
          `Wrote ${out}: ${bundle.entries.length} entries, ${bundle.snapshots.length} snapshots. Check it with: node verifier/verify-bundle.mjs ${out}`,
        );
      } else ctx.io.out(text);
    },
  },

  help: {
    summary: 'List the commands',
    usage: 'help',
    async run({ io }) {
      io.out("wangbao (网保) command line\n\nUsage: wangbao <command> [options]    (wangbao <command> --help: that command's usage)\n");
      for (const c of Object.values(commands)) io.out(`  ${c.usage}\n      ${c.summary}`);
    },
  },
};

const HELP_FLAGS = ['--help', '-h'];

/** Finds the command named by the first one or two words. */
function resolve(argv: string[]): { name: string; command: Command; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(' ');
  if (commands[two]) return { name: two, command: commands[two], rest: argv.slice(2) };
  const one = argv[0] ?? 'help';
  if (commands[one]) return { name: one, command: commands[one], rest: argv.slice(1) };
  return undefined;
}

/** Runs one command line; returns the exit code. */
export async function runCli(argv: string[], opts: { env?: Record<string, string | undefined>; io?: CliIo } = {}): Promise<number> {
  const io = opts.io ?? { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  const env = opts.env ?? process.env;
  // `wangbao --help`, `wangbao -h` and a bare `wangbao` list the commands, as `wangbao help` does.
  const [first] = argv;
  const found = resolve(first !== undefined && !HELP_FLAGS.includes(first) ? argv : ['help']);
  if (!found) {
    io.err(`Unknown command: ${argv.join(' ')}. Run "wangbao help".`);
    return 2;
  }
  if (found.rest.some((a) => HELP_FLAGS.includes(a))) {
    io.out(`Usage: wangbao ${found.command.usage}\n    ${found.command.summary}`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: found.rest,
      options: found.command.options ?? {},
      allowPositionals: false,
      strict: true,
    });
    return (await found.command.run({ env, io, values, positionals })) ?? 0;
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(e as Error).message}\nUsage: wangbao ${found.command.usage}`);
      return 2;
    }
    if (isAppError(e)) {
      io.err(
        `${e.code}: ${e.message}${e.items?.length ? `\n${e.items.map((i) => `  - ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}` : ''}`,
      );
      return 1;
    }
    io.err(e instanceof Error ? e.message : String(e));
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
