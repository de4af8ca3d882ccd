import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buyWithCallback,
  call,
  completeElectronic,
  createCallbackContext,
  openTask,
  scriptedAnswers,
  staffToken,
  upload,
} from '../../../test/callback.helpers.js';
import type { JourneyContext } from '../../../test/helpers/journey-context.js';
import type { Actor } from '../../platform/actor.js';

/**
 * The checklist against callbacks done through the callback's own API, not the test factory: what a real, proper
 * callback leaves behind must pass every check the records can answer.
 */
describe('the sampling checklist over callbacks done through the API', () => {
  let ctx: JourneyContext;
  let compliance: Actor;

  beforeAll(async () => {
    ctx = await createCallbackContext({ CALLBACK_SAMPLING_DEFAULT_RATE: '1' });
    const s = await staffToken(ctx, ['compliance_officer']);
    compliance = { type: 'staff', id: s.id, roles: ['compliance_officer'] };
  });
  afterAll(async () => ctx?.close());

  async function checksOf(caseId: string) {
    await ctx.services.callbackSampling.drawSamples();
    const sample = await ctx.db.selectFrom('callback_samples').select('id').where('case_id', '=', caseId).executeTakeFirstOrThrow();
    const view = await ctx.services.callbackSampling.getSample(compliance, sample.id);
    return Object.fromEntries(view.checks.map((c) => [c.code, c.computed]));
  }

  it('§2.7 an electronic callback with face comparison passes every computed check', async () => {
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await completeElectronic(ctx, b);
    expect(await checksOf(b.caseId!)).toEqual({
      all_items_answered: 'pass',
      closing_confirmed: 'pass',
      evidence_stored: 'not_applicable',
      final_record_complete: 'not_applicable',
      texts_neutral_versioned: 'pass',
      own_platform: 'pass',
      within_cooling_off: 'pass',
      problems_recorded: 'not_applicable',
      two_methods_passed: 'pass',
      face_where_required: 'pass',
      identity_before_items: 'pass',
      recording_follows_script: 'not_applicable',
      receipt_signed_by_policyholder: 'not_applicable',
      no_sales_interference: 'manual',
    });
  });

  it('§2.7 a new-type electronic callback with a “no” and a “not sure” has its problem cases on record', async () => {
    const b = await buyWithCallback(ctx, 'UNIVERSAL_10Y');
    await completeElectronic(ctx, b, { fee_deductions: 'unsure', policy_received: 'no' });
    expect(await checksOf(b.caseId!)).toMatchObject({
      all_items_answered: 'pass',
      problems_recorded: 'pass',
      two_methods_passed: 'pass',
      face_where_required: 'not_applicable',
      texts_neutral_versioned: 'pass',
    });
  });

  it('§2.7 a recorded phone callback after the policyholder stopped passes every computed check and leaves the recording to be heard', async () => {
    const agent = await staffToken(ctx, ['callback_agent']);
    const b = await buyWithCallback(ctx, 'TERM_LIFE_20Y');
    await call(ctx, { method: 'POST', url: `/v1/callbacks/${b.caseId}/phone-request`, token: b.token, body: {} });
    const task = (await openTask(ctx, b.caseId!))!;
    await call(ctx, { method: 'POST', url: `/v1/console/callback-tasks/${task.id}/assignment`, token: agent.token, body: {} });
    const s = await scriptedAnswers(ctx, agent.token, task.id);
    const media = await upload(ctx, agent.token, b.caseId!, 'call_recording', Buffer.from('ID3 the call'));
    await call(
      ctx,
      {
        method: 'POST',
        url: `/v1/console/callback-tasks/${task.id}/phone-attempts`,
        token: agent.token,
        body: { outcome: 'completed', recordingId: media.mediaId, answers: s.answers, closingTextVersionId: s.closingTextVersionId },
      },
      201,
    );
    const checks = await checksOf(b.caseId!);
    expect(checks).toMatchObject({
      all_items_answered: 'pass',
      closing_confirmed: 'pass',
      evidence_stored: 'pass',
      texts_neutral_versioned: 'pass',
      own_platform: 'pass',
      within_cooling_off: 'pass',
      recording_follows_script: 'manual',
      two_methods_passed: 'not_applicable',
    });
    expect(Object.values(checks)).not.toContain('fail');
  });
});
