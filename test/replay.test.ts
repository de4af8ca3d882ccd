import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson, type Person } from './helpers/people.js';
import { openCheckpoint } from '../server/ledger/checkpoint.js';
import { verifyInclusion } from '../server/ledger/merkle.js';

import { signedInStaff } from './helpers/staff.js';

const compliance = { type: 'staff' as const, id: 'stf_compliance', roles: ['compliance_officer' as const] };

describe('replay of a sale (调阅)', () => {
  let ctx: JourneyContext;
  let holder: Person;
  let bought: Awaited<ReturnType<JourneyContext['buy']>>;
  beforeAll(async () => {
    ctx = await createJourneyContext();
    holder = makePerson('回放', '1991-01-23', 'M');
    bought = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: holder,
    });
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
  });
  afterAll(async () => ctx?.close());

  it('M§33 replays the sale in order, through its callback: each page shown with its snapshot, each action with element and time on the page, each entry with its proof', async () => {
    const r = await ctx.services.replay.replay(compliance, { policyNumber: bought.policy.policyNumber });
    const types = r.timeline.map((t) => t.type);
    expect(types[0]).toBe('application.created');
    // A 20-year life policy opens its electronic callback in the issuing transaction, and the callback is part of the trail.
    expect(types.filter((t) => t !== 'staff.trace_read').slice(-2)).toEqual(['policy.issued', 'callback.case_opened']);
    const consent = r.timeline.find((t) => t.type === 'application.consent_given' && t.element === 'confirm-purchase_notice')!;
    expect(consent.action).toBe('tap');
    expect(consent.timeOnPageMs).toBeGreaterThanOrEqual(0);
    const snapshot = r.snapshots.find((s) => s.id === consent.textVersion!.id)!;
    expect(snapshot.title).toContain('投保须知');
    expect(snapshot.contentHash).toBe(consent.textVersion!.contentHash);
    const root = openCheckpoint(r.checkpoint!.note, [ctx.services.ledger.verifier]).checkpoint.rootHash;
    // Everything before the checkpoint carries its proof; only this replay's own 调阅 entry is still queued.
    const sequenced = r.timeline.filter((t) => t.proof);
    expect(sequenced.map((t) => t.type)).toEqual(types.filter((t) => t !== 'staff.trace_read'));
    expect(sequenced.length).toBeGreaterThanOrEqual(20);
    for (const t of sequenced)
      expect(
        verifyInclusion(
          'sha256',
          Buffer.from(t.proof!.leafHash, 'base64'),
          t.leafIndex!,
          t.proof!.treeSize,
          t.proof!.hashes.map((h) => Buffer.from(h, 'base64')),
          root,
        ),
      ).toBe(true);
    const text = JSON.stringify(r);
    for (const secret of [holder.idNumber, holder.phone, holder.name, holder.accountNo]) expect(text).not.toContain(secret);
  });

  it('M§33 logs every replay as an entry of its own, naming who read', async () => {
    await ctx.services.replay.replay(compliance, { applicationId: bought.application.id });
    const reads = await ctx.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'staff.trace_read')
      .where('subject_id', '=', bought.application.id)
      .execute();
    expect(reads.map((e) => e.actor_id)).toEqual(['stf_compliance', 'stf_compliance']);
    const queued = await ctx.db
      .selectFrom('ledger_queue')
      .select('entry_id')
      .where(
        'entry_id',
        'in',
        reads.map((e) => e.id),
      )
      .execute();
    const sequenced = await ctx.db
      .selectFrom('ledger_leaves')
      .select('entry_id')
      .where(
        'entry_id',
        'in',
        reads.map((e) => e.id),
      )
      .execute();
    expect(queued.length + sequenced.length).toBe(2);
  });

  it('M§38 lets only compliance officers and auditors replay, over HTTP too', async () => {
    await expect(
      ctx.services.replay.replay({ type: 'staff', id: 'stf_uw', roles: ['underwriter'] }, { applicationId: bought.application.id }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const asConsumer = await ctx.app.inject({
      url: `/v1/console/replay/applications/${bought.application.id}`,
      headers: { authorization: `Bearer ${bought.token}` },
    });
    expect(asConsumer.statusCode).toBe(403);
    const s = await signedInStaff(ctx, ['auditor'], '审计');
    const asAuditor = await ctx.app.inject({
      url: `/v1/console/replay/policies/${bought.policy.policyNumber}`,
      headers: { authorization: `Bearer ${s.token}` },
    });
    expect(asAuditor.statusCode).toBe(200);
    expect(asAuditor.json().timeline.map((t: { type: string }) => t.type)).toEqual(
      expect.arrayContaining(['application.created', 'application.signed', 'policy.issued']),
    );
    const missing = await ctx.app.inject({ url: '/v1/console/replay/policies/WB000', headers: { authorization: `Bearer ${s.token}` } });
    expect(missing.statusCode).toBe(404);
  });
});
