import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../test/helpers/context.js';
import { recordEvent } from '../platform/events.js';
import { newId } from '../platform/ids.js';
import { createLedgerService } from './ledger.service.js';
import { generateSigner } from './signer.js';
import { leafHash, nodeHash } from './hash.js';
import { rootFromLeafHashes } from './merkle.js';
import { verifyLedger } from './verify.js';

/**
 * verifyLedger cuts the log into blocks of 2^blockLevel leaves hashed on other threads and checks the stored
 * subtrees a batch at a time. Small blocks and batches here put tree heads, checkpoints, altered entries and
 * altered subtrees inside blocks, on their edges and above them.
 */
describe('verifyLedger in blocks on hashing threads', () => {
  let ctx: TestContext;
  const ENTRIES = 75;
  const verify = (o: { blockLevel?: number; threads?: number; batch?: number } = {}) =>
    verifyLedger(ctx.db, { suite: 'sha256', origin: ctx.config.LEDGER_ORIGIN, verifier: ctx.services.ledger.verifier, ...o });
  const superuser = (statements: ReturnType<typeof sql>[]) =>
    ctx.db.connection().execute(async (conn) => {
      await sql`set session_replication_role = replica`.execute(conn);
      for (const s of statements) await s.execute(conn);
      await sql`set session_replication_role = origin`.execute(conn);
    });

  beforeAll(async () => {
    ctx = await createTestContext();
    // A sequencer with batches of 7: tree heads at sizes that are not block boundaries.
    const sequencer = createLedgerService({
      db: ctx.db,
      clock: ctx.clock,
      config: {
        origin: ctx.config.LEDGER_ORIGIN,
        suite: 'sha256',
        signer: generateSigner('ed25519', ctx.config.LEDGER_ORIGIN).signer,
        batchSize: 7,
      },
    });
    for (let i = 0; i < ENTRIES; i++) {
      await ctx.db.transaction().execute((trx) =>
        recordEvent(trx, {
          type: 'quote.created',
          actor: { type: 'system', id: 'verify-test' },
          subject: { type: 'quote', id: newId('quo') },
          payload: { i },
          at: ctx.clock.now(),
        }),
      );
      if (i === 20 || i === 43) {
        await sequencer.integratePending();
        await ctx.services.ledger.publishCheckpoint();
      }
    }
    await sequencer.integratePending();
    await ctx.services.ledger.publishCheckpoint();
  });
  afterAll(async () => ctx?.close());

  it('M§33 passes the untouched log whatever the block size, batch and number of threads', async () => {
    const heads = await ctx.db.selectFrom('ledger_tree_heads').select('tree_size').execute();
    expect(heads.some((h) => h.tree_size % 4 !== 0)).toBe(true);
    for (const o of [
      { blockLevel: 0 },
      { blockLevel: 2, batch: 5, threads: 2 },
      { blockLevel: 3, batch: 1 },
      { blockLevel: 6, threads: 3 },
      {},
    ]) {
      const r = await verify(o);
      expect(r.problems, JSON.stringify(o)).toEqual([]);
      expect([r.ok, r.entries, r.treeSize, r.checkpoints]).toEqual([true, ENTRIES, ENTRIES, 3]);
    }
  });

  it('M§33 recomputes the same root as an independent fold of the stored entries', async () => {
    const leaves = await ctx.db.selectFrom('ledger_leaves').select('entry').orderBy('leaf_index').execute();
    const head = await ctx.db
      .selectFrom('ledger_tree_heads')
      .select(['tree_size', 'root_hash'])
      .orderBy('tree_size', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(head.tree_size).toBe(ENTRIES);
    expect(
      head.root_hash.equals(
        rootFromLeafHashes(
          'sha256',
          leaves.map((l) => leafHash('sha256', l.entry)),
        ),
      ),
    ).toBe(true);
    // verify holds every head to what it recomputes: a head whose root is right passes, so a wrong fold would not.
    expect((await verify({ blockLevel: 2 })).problems).toEqual([]);
  });

  it('M§33 names an altered entry, altered and missing subtrees and an altered tree head, inside blocks and above them', async () => {
    const leaf = await ctx.db.selectFrom('ledger_leaves').selectAll().where('leaf_index', '=', 9).executeTakeFirstOrThrow();
    await superuser([
      // Leaf 9: inside the third block of 4, the second of 8.
      sql`update ledger_leaves set entry = ${Buffer.from(leaf.entry.toString('utf8').replace('"v":1', '"v":2'))} where leaf_index = 9`,
      // Stored subtrees (16 leaves and up): one inside a block of 32 (level 4), one above it (level 6), one removed.
      sql`update ledger_nodes set hash = sha256(hash) where level = 4 and idx = 1`,
      sql`update ledger_nodes set hash = sha256(hash) where level = 6 and idx = 0`,
      sql`delete from ledger_nodes where level = 5 and idx = 1`,
      // The tree head of size 28 (a sequencer batch of 7 ended there).
      sql`update ledger_tree_heads set root_hash = sha256(root_hash) where tree_size = 28`,
    ]);
    for (const o of [{ blockLevel: 5, batch: 5, threads: 2 }, { blockLevel: 0 }, { blockLevel: 2, batch: 40 }, {}]) {
      const r = await verify(o);
      expect(r.ok).toBe(false);
      expect(r.problems, JSON.stringify(o)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'entry', at: 'leaf 9', ref: `${leaf.ref_type}:${leaf.ref_id}` }),
          expect.objectContaining({ kind: 'node', at: 'node 4:1', message: expect.stringMatching(/differs/) }),
          expect.objectContaining({ kind: 'node', at: 'node 6:0', message: expect.stringMatching(/differs/) }),
          expect.objectContaining({ kind: 'node', at: 'node 5:1', message: expect.stringMatching(/missing/) }),
          expect.objectContaining({ kind: 'tree_head', at: 'size 28' }),
        ]),
      );
      // One altered entry is reported once, not as every subtree, head and checkpoint above it.
      expect(
        r.problems
          .filter((p) => p.kind !== 'entry')
          .map((p) => p.at)
          .sort(),
      ).toEqual(['node 4:1', 'node 5:1', 'node 6:0', 'size 28']);
    }
  });

  it('M§33 checks the small subtrees an older log stored, though it no longer stores them', async () => {
    expect(await ctx.db.selectFrom('ledger_nodes').select('level').where('level', '<', 4).execute()).toEqual([]);
    const [a, b] = await ctx.db
      .selectFrom('ledger_leaves')
      .select('leaf_hash')
      .where('leaf_index', 'in', [40, 41])
      .orderBy('leaf_index')
      .execute();
    // Leaves 40 and 41 make the level-1 subtree 20; 42 and 43 make 21 — stored with a wrong hash.
    await ctx.db
      .insertInto('ledger_nodes')
      .values({ level: 1, idx: 20, hash: nodeHash('sha256', a!.leaf_hash, b!.leaf_hash) })
      .execute();
    await ctx.db
      .insertInto('ledger_nodes')
      .values({ level: 1, idx: 21, hash: nodeHash('sha256', b!.leaf_hash, a!.leaf_hash) })
      .execute();
    for (const o of [{ blockLevel: 2 }, {}]) {
      const nodes = (await verify(o)).problems.filter((p) => p.kind === 'node').map((p) => p.at);
      expect(nodes).toContain('node 1:21');
      expect(nodes).not.toContain('node 1:20');
    }
  });
});

describe('verifyLedger with SM3', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ env: { LEDGER_HASH: 'sm3', LEDGER_SIGNATURE: 'sm2' } });
    for (let i = 0; i < 40; i++)
      await ctx.db.transaction().execute((trx) =>
        recordEvent(trx, {
          type: 'quote.created',
          actor: { type: 'system', id: 'verify-test' },
          subject: { type: 'quote', id: newId('quo') },
          payload: { i },
          at: ctx.clock.now(),
        }),
      );
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
  });
  afterAll(async () => ctx?.close());
  const verify = (o: { blockLevel?: number } = {}) =>
    verifyLedger(ctx.db, { suite: 'sm3', origin: ctx.config.LEDGER_ORIGIN, verifier: ctx.services.ledger.verifier, ...o });

  it('M§33 recomputes an SM3 log on the hashing threads and names an altered entry', async () => {
    for (const o of [{ blockLevel: 3 }, {}]) expect((await verify(o)).problems).toEqual([]);
    const leaf = await ctx.db.selectFrom('ledger_leaves').selectAll().where('leaf_index', '=', 33).executeTakeFirstOrThrow();
    await ctx.db.connection().execute(async (conn) => {
      await sql`set session_replication_role = replica`.execute(conn);
      await sql`update ledger_leaves set entry = ${Buffer.from(leaf.entry.toString('utf8').replace('"v":1', '"v":2'))} where leaf_index = 33`.execute(
        conn,
      );
      await sql`set session_replication_role = origin`.execute(conn);
    });
    for (const o of [{ blockLevel: 3 }, {}])
      expect((await verify(o)).problems).toEqual([
        expect.objectContaining({ kind: 'entry', at: 'leaf 33', ref: `${leaf.ref_type}:${leaf.ref_id}` }),
      ]);
    // The same log read as SHA-256 is wrong everywhere: the suite is really used.
    const asSha = await verifyLedger(ctx.db, { suite: 'sha256', origin: ctx.config.LEDGER_ORIGIN, verifier: ctx.services.ledger.verifier });
    expect(asSha.problems.filter((p) => p.kind === 'entry').length).toBe(40);
  });
});
