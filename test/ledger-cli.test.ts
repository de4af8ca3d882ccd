import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson } from './helpers/people.js';
import { generateSigner } from '../server/ledger/signer.js';
import { runCli } from '../server/cli/wangbao.js';
import { makeTempDir } from './helpers/temp.js';

const run = promisify(execFile);

/**
 * The operator's and the auditor's view: `wangbao ledger export --policy` writes a bundle that the standalone
 * verifier accepts with no database and no server code; `wangbao ledger verify` checks the whole log.
 */
describe('wangbao ledger export and verify', () => {
  let ctx: JourneyContext;
  let dir: string;
  let env: Record<string, string>;
  let policyNumber: string;
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { env, io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    dir = makeTempDir('ledger-cli');
    const key = generateSigner('ed25519', 'ledger.wangbao.local/v1').privateKeyPem;
    ctx = await createJourneyContext({ env: { LEDGER_PRIVATE_KEY: key } });
    env = {
      NODE_ENV: 'test',
      DATABASE_URL: ctx.url,
      LEDGER_PRIVATE_KEY: key,
      DEV_KEY_FILE: path.join(dir, 'dev-keys.json'),
      LOG_LEVEL: 'silent',
    };
    const r = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: makePerson('审计', '1991-01-23', 'M'),
    });
    policyNumber = r.policy.policyNumber;
  });
  afterAll(async () => {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("M§33 exports a policy's entries, proofs and page snapshots, which the standalone verifier accepts offline; the export is logged (调阅)", async () => {
    const file = path.join(dir, 'bundle.json');
    const exported = await cli('ledger', 'export', '--policy', policyNumber, '--out', file);
    expect(exported.code).toBe(0);
    const bundle = JSON.parse(readFileSync(file, 'utf8'));
    expect(bundle.hash).toBe('sha256');
    const types = bundle.entries.map((e: { data: string }) => JSON.parse(Buffer.from(e.data, 'base64').toString('utf8')).type);
    expect(types).toEqual(
      expect.arrayContaining([
        'application.created',
        'application.consent_given',
        'application.signed',
        'payment.notification_received',
        'policy.issued',
      ]),
    );
    expect(bundle.snapshots.length).toBeGreaterThanOrEqual(7);
    // The export is itself logged as a read of the sale's trace records (调阅), after the checkpoint it used.
    const reads = await ctx.db
      .selectFrom('events')
      .select(['actor_type', 'actor_id', 'payload'])
      .where('type', '=', 'staff.trace_read')
      .execute();
    expect(reads).toEqual([
      {
        actor_type: 'system',
        actor_id: 'cli:ledger-export',
        payload: {
          policyNumber,
          record: 'ledger_export',
          entries: bundle.entries.length,
          checkpointTreeSize: Number(bundle.checkpoint.split('\n')[1]),
        },
      },
    ]);
    const ok = await run(process.execPath, ['verifier/verify-bundle.mjs', file]);
    expect(ok.stdout).toMatch(/verified|通过/i);

    // One byte of one entry changed: the verifier names it and exits 1.
    const tampered = structuredClone(bundle);
    const data = Buffer.from(tampered.entries[3].data, 'base64');
    data.writeUInt8(data.readUInt8(data.length - 2) ^ 1, data.length - 2);
    tampered.entries[3].data = data.toString('base64');
    writeFileSync(file, JSON.stringify(tampered));
    const bad = await run(process.execPath, ['verifier/verify-bundle.mjs', '--json', file]).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(String(tampered.entries[3].index));
  });

  it('M§33 verifies the whole log, then names the entry a superuser altered', async () => {
    const good = await cli('ledger', 'verify');
    expect(good.code).toBe(0);
    expect(good.out).toContain('verified');
    await ctx.db.connection().execute(async (conn) => {
      await sql`set session_replication_role = replica`.execute(conn);
      await sql`update ledger_leaves set entry = convert_to(replace(convert_from(entry, 'UTF8'), '"v":1', '"v":9'), 'UTF8') where leaf_index = 2`.execute(
        conn,
      );
      await sql`set session_replication_role = origin`.execute(conn);
    });
    const bad = await cli('ledger', 'verify', '--json');
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.out);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'entry', at: 'leaf 2' })]);
  });
});
