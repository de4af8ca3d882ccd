import { expect } from 'vitest';
import type { StaffRole } from '../server/platform/actor.js';

import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { signedInStaff } from './helpers/staff.js';
import { readLatestCode } from './helpers/journey.js';
import { makePerson, type Person } from './helpers/people.js';

/** Test helpers for the callback: buy a policy, drive the electronic callback over HTTP, act as callback staff. */

export const PRODUCTS = {
  TERM_LIFE_20Y: { productCode: 'TERM_LIFE_20Y', termYears: 20, paymentMode: 'annual' as const, sumInsuredFen: 100_000_000 },
  UNIVERSAL_10Y: { productCode: 'UNIVERSAL_10Y', termYears: 10, paymentMode: 'single' as const, sumInsuredFen: 10_000_000 },
  ACCIDENT_1Y: { productCode: 'ACCIDENT_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 50_000_000 },
  MEDICAL_1Y: { productCode: 'MEDICAL_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 200_000_000 },
};
export type ProductKey = keyof typeof PRODUCTS;

export async function createCallbackContext(env: Record<string, string> = {}): Promise<JourneyContext> {
  // Sessions outlive the weeks these tests travel through; expiry is tested elsewhere.
  return createJourneyContext({ env: { STAFF_SESSION_IDLE_MINUTES: '10000000', CONSUMER_SESSION_HOURS: '100000', ...env } });
}

let people = 0;
export async function buyWithCallback(ctx: JourneyContext, product: ProductKey) {
  const names = ['钱多多', '孙悟', '周芷', '吴邪', '郑和', '冯唐', '陈情', '褚遂', '卫青', '蒋欣', '沈括', '韩信'];
  const holder: Person = makePerson(names[people++ % names.length]!, '1988-04-12', people % 2 ? 'M' : 'F');
  const r = await ctx.buy({ ...PRODUCTS[product], policyholder: holder });
  const c = await ctx.db.selectFrom('callback_cases').selectAll().where('policy_id', '=', r.policy.id).executeTakeFirst();
  return { holder, token: r.token, policy: r.policy, applicationId: r.application.id as string, caseId: c?.id, case: c };
}

/** Calls an endpoint and insists on the status. */
export async function call(
  ctx: JourneyContext,
  req: { method: 'GET' | 'POST' | 'DELETE'; url: string; body?: unknown; token?: string },
  status: number | number[] = [200, 201],
) {
  const res = await ctx.send(req);
  const ok = Array.isArray(status) ? status : [status];
  if (!ok.includes(res.status)) throw new Error(`${req.method} ${req.url} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Starts the callback and proves identity by every method the case requires. */
export async function startAndVerify(ctx: JourneyContext, b: { token: string; caseId?: string; holder: Person }) {
  const id = b.caseId!;
  await call(ctx, { method: 'POST', url: `/v1/callbacks/${id}/start`, token: b.token });
  await call(ctx, { method: 'POST', url: `/v1/callbacks/${id}/identity/sms-codes`, token: b.token }, 201);
  const code = await readLatestCode(ctx.send, b.holder.phone);
  await call(ctx, { method: 'POST', url: `/v1/callbacks/${id}/identity/sms-verification`, token: b.token, body: { code } });
  let view = await call(ctx, {
    method: 'POST',
    url: `/v1/callbacks/${id}/identity/id-number`,
    token: b.token,
    body: { idNumber: b.holder.idNumber },
  });
  if (view.identity.required.includes('face'))
    view = await call(ctx, {
      method: 'POST',
      url: `/v1/callbacks/${id}/identity/face`,
      token: b.token,
      body: { imageBase64: Buffer.from(`live:${b.holder.name}`).toString('base64') },
    });
  expect(view.identity.verified).toBe(true);
  return view;
}

/**
 * Answers the items one at a time as the page does: show the current item, answer it in the version shown.
 * `answers` picks an answer per item code (default yes); `stopAfter` stops after that many answers.
 */
export async function answerItems(
  ctx: JourneyContext,
  b: { token: string; caseId?: string },
  answers: Record<string, 'yes' | 'no' | 'unsure'> = {},
  stopAfter = Infinity,
) {
  const shown: any[] = [];
  for (let n = 0; n < stopAfter; n++) {
    const item = await call(ctx, { method: 'GET', url: `/v1/callbacks/${b.caseId}/current-item`, token: b.token });
    shown.push(item);
    if (item.step === 'closing') break;
    await call(
      ctx,
      {
        method: 'POST',
        url: `/v1/callbacks/${b.caseId}/answers`,
        token: b.token,
        body: { itemCode: item.itemCode, textVersionId: item.textVersionId, answer: answers[item.itemCode] ?? 'yes' },
      },
      201,
    );
  }
  return shown;
}

/** The whole electronic callback: start, identity, every item, the closing confirmation. */
export async function completeElectronic(
  ctx: JourneyContext,
  b: { token: string; caseId?: string; holder: Person },
  answers: Record<string, 'yes' | 'no' | 'unsure'> = {},
) {
  await startAndVerify(ctx, b);
  const shown = await answerItems(ctx, b, answers);
  const closing = shown.at(-1);
  expect(closing.step).toBe('closing');
  return call(ctx, {
    method: 'POST',
    url: `/v1/callbacks/${b.caseId}/closing-confirmation`,
    token: b.token,
    body: { textVersionId: closing.textVersionId },
  });
}

export async function caseRow(ctx: JourneyContext, caseId: string) {
  return ctx.db.selectFrom('callback_cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
}

export async function openTask(ctx: JourneyContext, caseId: string) {
  return ctx.db.selectFrom('callback_tasks').selectAll().where('case_id', '=', caseId).where('status', '=', 'open').executeTakeFirst();
}

export async function eventTypesOf(ctx: JourneyContext, subjectId: string) {
  return (await ctx.db.selectFrom('events').select('type').where('subject_id', '=', subjectId).orderBy('seq').execute()).map((e) => e.type);
}

/** Uploads a file to the case as raw bytes. */
export async function upload(
  ctx: JourneyContext,
  staff: string,
  caseId: string,
  kind: 'call_recording' | 'signed_receipt',
  content: Buffer,
  mediaType = kind === 'call_recording' ? 'audio/mpeg' : 'image/jpeg',
) {
  const res = await ctx.app.inject({
    method: 'POST',
    url: `/v1/console/callbacks/${caseId}/media?kind=${kind}`,
    headers: { authorization: `Bearer ${staff}`, 'content-type': mediaType },
    payload: content,
  });
  if (res.statusCode !== 201) throw new Error(`upload answered ${res.statusCode}: ${res.body}`);
  return JSON.parse(res.body) as { mediaId: string; sha256: string; sizeBytes: number };
}

/** The agent's whole call: shows the script, then records the attempt with an answer for every item. */
export async function scriptedAnswers(
  ctx: JourneyContext,
  staff: string,
  taskId: string,
  answers: Record<string, 'yes' | 'no' | 'unsure'> = {},
) {
  const script = await call(ctx, { method: 'GET', url: `/v1/console/callback-tasks/${taskId}/script`, token: staff });
  return {
    script,
    answers: (script.items as any[]).map((i) => ({
      itemCode: i.itemCode,
      textVersionId: i.textVersionId,
      answer: answers[i.itemCode] ?? 'yes',
    })),
    closingTextVersionId: script.closing.textVersionId as string,
  };
}

/**
 * The items each demo product's callback asks, in order, as the requirements list them (§2.7): written out here once,
 * not derived from the code under test.
 */
export const EXPECTED_ITEMS = {
  // Annual premiums: the payment term and frequency are confirmed.
  TERM_LIFE_20Y: [
    'identity_policyholder',
    'product_purchased',
    'signed_in_person',
    'policy_received',
    'read_terms_and_warnings',
    'coverage_exclusions_term',
    'surrender_loss',
    'cooling_off_rights',
    'payment_term_frequency',
  ],
  // A single-premium 万能 product: no payment term, the three new-type items.
  UNIVERSAL_10Y: [
    'identity_policyholder',
    'product_purchased',
    'signed_in_person',
    'policy_received',
    'read_terms_and_warnings',
    'coverage_exclusions_term',
    'surrender_loss',
    'cooling_off_rights',
    'benefit_uncertainty',
    'fee_deductions',
    'investment_risk',
  ],
} as const satisfies Record<string, readonly string[]>;

/** A signed-in member of staff with these roles (test/helpers/staff.ts). */
export const staffToken = (ctx: JourneyContext, roles: StaffRole[]) => signedInStaff(ctx, roles, '测试回访');
