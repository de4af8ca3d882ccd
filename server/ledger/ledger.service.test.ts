import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/helpers/context.js';
import { recordEvent } from '../platform/events.js';
import { newId } from '../platform/ids.js';
import { leafHash } from './hash.js';
import { rootFromLeafHashes, verifyConsistency, verifyInclusion } from './merkle.js';
import { LOWEST_STORED_LEVEL } from './ledger.service.js';

/**
 * The ledger stores perfect subtrees of 16 leaves and more only; proofs fold the smaller ones from leaf hashes.
 * Every proof here is checked against roots recomputed from the stored entries alone.
 */
describe('ledger proofs over subtrees stored and folded', () => {
  let ctx: TestContext;
  let roots: Buffer[];
  beforeAll(async () => {
    ctx = await createTestContext();
    for (let i = 0; i < 75; i++) {
      await ctx.db.transaction().execute((trx) =>
        recordEvent(trx, {
          type: 'quote.created',
          actor: { type: 'system', id: 'proof-test' },
          subject: { type: 'quote', id: newId('quo') },
          payload: { i },
          at: ctx.clock.now(),
        }),
      );
      // Tree heads at 1, 17, 40 and 75: other sizes have no stored root.
      if (i === 0 || i === 16 || i === 39) await ctx.services.ledger.integratePending();
    }
    await ctx.services.ledger.integratePending();
    const leaves = await ctx.db.selectFrom('ledger_leaves').select('entry').orderBy('leaf_index').execute();
    const hashes = leaves.map((l) => leafHash('sha256', l.entry));
    roots = Array.from({ length: hashes.length + 1 }, (_, n) => rootFromLeafHashes('sha256', hashes.slice(0, n)));
  });
  afterAll(async () => ctx?.close());

  it('M§33 stores only subtrees of 16 leaves and more', async () => {
    const levels = await ctx.db.selectFrom('ledger_nodes').select(['level', 'idx']).orderBy('level').orderBy('idx').execute();
    expect(LOWEST_STORED_LEVEL).toBe(4);
    expect(levels).toEqual([
      { level: 4, idx: 0 },
      { level: 4, idx: 1 },
      { level: 4, idx: 2 },
      { level: 4, idx: 3 },
      { level: 5, idx: 0 },
      { level: 5, idx: 1 },
      { level: 6, idx: 0 },
    ]);
  });

  it('M§33 proves every entry included in trees of every size, at the edges of stored subtrees and between them', async () => {
    for (const size of [1, 2, 15, 16, 17, 31, 33, 40, 64, 65, 75]) {
      for (let i = 0; i < size; i++) {
        const p = await ctx.services.ledger.inclusionProof(i, size);
        expect(p.root.equals(roots[size]!), `root of ${size}`).toBe(true);
        expect(verifyInclusion('sha256', p.leafHash, i, size, p.proof, roots[size]!), `leaf ${i} in ${size}`).toBe(true);
      }
    }
  });

  it('M§33 proves every tree consistent with every smaller one', async () => {
    const sizes = [1, 3, 15, 16, 17, 31, 32, 33, 40, 47, 63, 64, 70, 75];
    for (const m of sizes)
      for (const n of sizes.filter((x) => x > m)) {
        const c = await ctx.services.ledger.consistencyProof(m, n);
        expect([c.rootFrom.equals(roots[m]!), c.rootTo.equals(roots[n]!)], `${m} → ${n}`).toEqual([true, true]);
        expect(verifyConsistency('sha256', m, n, c.proof, roots[m]!, roots[n]!), `${m} → ${n}`).toBe(true);
      }
  });
});
