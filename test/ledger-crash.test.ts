import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { recordEvent } from '../server/platform/events.js';
import { newId } from '../server/platform/ids.js';
import { verifyLedger } from '../server/ledger/verify.js';

/**
 * The sequencer is killed with SIGKILL mid-batch, again and again, while eight writers commit (and sometimes roll
 * back) business events. Afterwards every committed event is in the log exactly once, nothing rolled back is, and
 * verify passes.
 */
describe('the ledger sequencer under SIGKILL', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  function startSequencer(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/sequencer-child.ts'], {
      env: { ...process.env, DATABASE_URL: ctx.url, BATCH: String(randomInt(5, 80)) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      child.stdout!.once('data', () => resolve(child));
      child.once('exit', (code) => reject(new Error(`sequencer exited early with ${code}`)));
    });
  }

  it('M§33 loses nothing and duplicates nothing when the sequencer is killed mid-batch, again and again', async () => {
    const committed: string[] = [];
    let writing = true;
    let kills = 0;
    // Writers go on until the sequencer has been killed a dozen times under them.
    const writer = async (w: number) => {
      for (let i = 0; i < 250 || kills < 12; i++) {
        const rollBack = randomInt(0, 10) === 0;
        try {
          await ctx.db.transaction().execute(async (trx) => {
            for (let k = 0; k < randomInt(1, 4); k++) {
              const id = await recordEvent(trx, {
                type: 'quote.created',
                actor: { type: 'system', id: `writer-${w}` },
                subject: { type: 'quote', id: newId('quo') },
                payload: { i, k },
                at: ctx.clock.now(),
              });
              if (!rollBack) committed.push(id);
            }
            if (rollBack) throw new Error('rolled back on purpose');
          });
        } catch (e) {
          if (!rollBack) throw e;
        }
      }
    };
    const killer = async () => {
      while (writing) {
        const child = await startSequencer();
        await new Promise((r) => setTimeout(r, randomInt(30, 200)));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        kills++;
      }
    };
    const killing = killer();
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    writing = false;
    await killing;
    const sequencedBeforeDrain = Number(
      (
        await ctx.db
          .selectFrom('ledger_leaves')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();

    expect(kills).toBeGreaterThanOrEqual(12);
    expect(sequencedBeforeDrain).toBeGreaterThan(0);
    const leaves = await ctx.db.selectFrom('ledger_leaves').select(['leaf_index', 'entry_id']).orderBy('leaf_index').execute();
    expect(leaves.map((l) => l.leaf_index)).toEqual(leaves.map((_, i) => i));
    expect(leaves.map((l) => l.entry_id).sort()).toEqual([...committed].sort());
    const events = await ctx.db.selectFrom('events').select('id').execute();
    expect(events.map((e) => e.id).sort()).toEqual([...committed].sort());
    const report = await verifyLedger(ctx.db, {
      suite: 'sha256',
      origin: ctx.config.LEDGER_ORIGIN,
      verifier: ctx.services.ledger.verifier,
    });
    expect(report.problems).toEqual([]);
    expect(report.entries).toBe(committed.length);
  }, 120_000);
});
