import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson } from './helpers/people.js';
import { leafHash } from '../server/ledger/hash.js';
import { rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../server/ledger/merkle.js';
import { openCheckpoint } from '../server/ledger/checkpoint.js';
import { parseCanonical } from '../server/ledger/canonical-json.js';
import { verifyLedger } from '../server/ledger/verify.js';

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
    expect(
      opened.checkpoint.rootHash.equals(
        rootFromLeafHashes(
          hash,
          leaves.map((l) => leafHash(hash, l.entry)),
        ),
      ),
    ).toBe(true);
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
    expect(
      verifyInclusion(
        hash,
        Buffer.from(p.leafHash, 'base64'),
        last,
        checkpoint.size,
        p.proof.map((x: string) => Buffer.from(x, 'base64')),
        checkpoint.rootHash,
      ),
    ).toBe(true);
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
      sql`update text_versions set content = 'x'`,
      sql`delete from text_versions`,
    ])
      await expect(statement.execute(ctx.db)).rejects.toThrow(/append-only/);
  });
});

describe('ledger verify', () => {
  let ctx: JourneyContext;
  beforeAll(async () => {
    ctx = await createJourneyContext();
    await ctx.buy({ ...ACCIDENT, policyholder: makePerson('验证', '1990-05-17', 'M') });
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
    await ctx.buy({ ...ACCIDENT, policyholder: makePerson('验证二', '1990-06-17', 'F') });
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
  });
  afterAll(async () => ctx?.close());
  const verify = () =>
    verifyLedger(ctx.db, { suite: 'sha256', origin: ctx.config.LEDGER_ORIGIN, verifier: ctx.services.ledger.verifier, batch: 7 });

  it('M§33 passes an untouched ledger, recomputing every entry, node, head, checkpoint and snapshot', async () => {
    const r = await verify();
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.entries).toBeGreaterThan(40);
    expect(r.checkpoints).toBe(2);
    expect(r.snapshots).toBeGreaterThan(5);
  });

  it('M§33 names an entry, a page snapshot and a checkpoint altered in SQL by a database superuser', async () => {
    const leaf = await ctx.db.selectFrom('ledger_leaves').selectAll().where('leaf_index', '=', 5).executeTakeFirstOrThrow();
    const shown = await ctx.db
      .selectFrom('ledger_leaves')
      .select('entry')
      .where('entry_id', 'in', ctx.db.selectFrom('events').select('id').where('type', '=', 'application.consent_given'))
      .limit(1)
      .executeTakeFirstOrThrow();
    const textVersionId = (parseCanonical(shown.entry) as { textVersion: { id: string } }).textVersion.id;
    const first = await ctx.db.selectFrom('ledger_checkpoints').select('tree_size').orderBy('tree_size').limit(1).executeTakeFirstOrThrow();
    // A superuser can switch the append-only triggers off for a session; verification must not depend on them.
    await ctx.db.connection().execute(async (conn) => {
      await sql`set session_replication_role = replica`.execute(conn);
      await sql`update ledger_leaves set entry = ${Buffer.from(leaf.entry.toString('utf8').replace('"v":1', '"v":2'))} where leaf_index = 5`.execute(
        conn,
      );
      await sql`update text_versions set content = content || '（已修改）', content_hash = encode(sha256(convert_to(title || E'\\n\\n' || content || '（已修改）', 'UTF8')), 'hex') where id = ${textVersionId}`.execute(
        conn,
      );
      await sql`update ledger_checkpoints set note = replace(note, ${`\n${first.tree_size}\n`}, ${`\n${first.tree_size + 1}\n`}) where tree_size = ${first.tree_size}`.execute(
        conn,
      );
      await sql`set session_replication_role = origin`.execute(conn);
    });
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'entry', at: 'leaf 5', ref: `${leaf.ref_type}:${leaf.ref_id}` }),
        expect.objectContaining({ kind: 'snapshot', at: textVersionId }),
        expect.objectContaining({ kind: 'checkpoint', at: `size ${first.tree_size}` }),
      ]),
    );
  });
});
