import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson } from './helpers/people.js';
import { leafHash } from '../server/ledger/hash.js';
import { rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../server/ledger/merkle.js';
import { openCheckpoint } from '../server/ledger/checkpoint.js';
import { parseCanonical } from '../server/ledger/canonical-json.js';

const ACCIDENT = { productCode: 'ACCIDENT_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 50_000_000 };

describe.each([
  { hash: 'sha256', signature: 'ed25519' },
  { hash: 'sm3', signature: 'sm2' },
] as const)('the traceability ledger with $hash and $signature', ({ hash, signature }) => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext({ env: { LEDGER_HASH: hash, LEDGER_SIGNATURE: signature } });
  });
  afterAll(async () => ctx?.close());

  it('M§33 puts every committed event of a journey in the log exactly once, as the event says', async () => {
    await ctx.buy({ ...ACCIDENT, policyholder: makePerson('可回溯', '1990-05-17', 'M') });
    await ctx.services.ledger.integratePending();
    const events = await ctx.db.selectFrom('events').select(['id', 'type', 'subject_id', 'text_version_id']).execute();
    const leaves = await ctx.db.selectFrom('ledger_leaves').select(['leaf_index', 'entry_id', 'entry']).orderBy('leaf_index').execute();
    expect(await ctx.db.selectFrom('ledger_queue').select('seq').execute()).toEqual([]);
    expect(leaves.map((l) => l.entry_id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(leaves.map((l) => l.leaf_index)).toEqual(leaves.map((_, i) => i));
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const l of leaves) {
      const entry = parseCanonical(l.entry) as { id: string; type: string; subject: { id: string }; textVersion: { id: string } | null };
      const e = byId.get(entry.id)!;
      expect([entry.type, entry.subject.id, entry.textVersion?.id ?? null]).toEqual([e.type, e.subject_id, e.text_version_id]);
    }
  });

  it('M§33 signs a checkpoint whose root is the RFC 9162 root of every entry, recomputed here', async () => {
    const { note, treeSize } = await ctx.services.ledger.publishCheckpoint();
    const opened = openCheckpoint(note, [ctx.services.ledger.verifier], { origin: ctx.config.LEDGER_ORIGIN });
    const leaves = await ctx.db.selectFrom('ledger_leaves').select('entry').orderBy('leaf_index').execute();
    expect(opened.checkpoint.size).toBe(treeSize);
    expect(treeSize).toBe(leaves.length);
    expect(opened.checkpoint.rootHash.equals(rootFromLeafHashes(hash, leaves.map((l) => leafHash(hash, l.entry))))).toBe(true);
  });

  it('M§33 proves every entry included, and each checkpoint consistent with the last', async () => {
    const first = await ctx.services.ledger.latestCheckpoint();
    const root1 = openCheckpoint(first.note, [ctx.services.ledger.verifier]).checkpoint.rootHash;
    for (let i = 0; i < first.treeSize; i++) {
      const p = await ctx.services.ledger.inclusionProof(i);
      expect(verifyInclusion(hash, p.leafHash, i, first.treeSize, p.proof, root1)).toBe(true);
    }
    await ctx.buy({ ...ACCIDENT, policyholder: makePerson('再一次', '1991-05-17', 'F') });
    await ctx.services.ledger.integratePending();
    const second = await ctx.services.ledger.publishCheckpoint();
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    const root2 = openCheckpoint(second.note, [ctx.services.ledger.verifier]).checkpoint.rootHash;
    const c = await ctx.services.ledger.consistencyProof(first.treeSize, second.treeSize);
    expect(verifyConsistency(hash, first.treeSize, second.treeSize, c.proof, root1, root2)).toBe(true);
    expect(verifyConsistency(hash, first.treeSize, second.treeSize, c.proof, root2, root2)).toBe(false);
  });

  it('M§33 serves the signed checkpoint and proofs to anyone over HTTP', async () => {
    const res = await ctx.app.inject({ url: '/v1/ledger/checkpoint' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const { checkpoint } = openCheckpoint(res.body, [ctx.services.ledger.verifier]);
    const last = checkpoint.size - 1;
    const p = (await ctx.app.inject({ url: `/v1/ledger/proofs/inclusion?index=${last}` })).json();
    expect(p.treeSize).toBe(checkpoint.size);
    expect(verifyInclusion(hash, Buffer.from(p.leafHash, 'base64'), last, checkpoint.size, p.proof.map((x: string) => Buffer.from(x, 'base64')), checkpoint.rootHash)).toBe(true);
    const c = (await ctx.app.inject({ url: `/v1/ledger/proofs/consistency?from=1&to=${checkpoint.size}` })).json();
    expect(Buffer.from(c.rootTo, 'base64').equals(checkpoint.rootHash)).toBe(true);
    expect((await ctx.app.inject({ url: `/v1/ledger/proofs/inclusion?index=${checkpoint.size}` })).json().code).toBe('NOT_FOUND');
    expect((await ctx.app.inject({ url: '/v1/ledger/proofs/inclusion?index=-1' })).json().code).toBe('VALIDATION_FAILED');
    expect((await ctx.app.inject({ url: '/v1/ledger/proofs/consistency?from=5&to=2' })).json().code).toBe('VALIDATION_FAILED');
  });

  it('M§33 the database refuses to change or remove a ledger row or an event', async () => {
    for (const statement of [
      sql`update ledger_leaves set entry = '\\x00' where leaf_index = 0`,
      sql`delete from ledger_leaves where leaf_index = 0`,
      sql`truncate ledger_leaves`,
      sql`update ledger_checkpoints set note = 'x'`,
      sql`delete from ledger_nodes`,
      sql`update events set type = 'x'`,
      sql`delete from events`,
      sql`truncate events cascade`,
    ])
      await expect(statement.execute(ctx.db)).rejects.toThrow(/append-only/);
  });
});
