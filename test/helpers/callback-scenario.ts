import { expect } from 'vitest';
import type { Actor } from '../../server/platform/actor.js';
import { isAppError } from '../../server/platform/errors.js';
import { newId } from '../../server/platform/ids.js';
import { readDevOutbox } from '../../server/modules/identity/dev-sms.provider.js';
import type { AnswerValue } from '../../server/modules/callbacks/callback.js';
import type { JourneyContext } from './journey-context.js';
import { makeIdNumber, type Person } from './people.js';

/**
 * The machinery of scripted callback scenarios (test/callback-scenario.test.ts): deterministic people, policies
 * issued through the real payment → issuance path, and the callback's steps driven through the callback service's
 * own use cases — the functions the routes call — with the policyholder and a callback agent as actors.
 */

/** mulberry32: a small seeded PRNG, so a scenario is the same on every run and every machine. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    /** An integer in [lo, hi]. */
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
    weighted: <K extends string>(weights: Record<K, number>): K => {
      const entries = Object.entries(weights) as Array<[K, number]>;
      let x = next() * entries.reduce((s, [, w]) => s + w, 0);
      for (const [k, w] of entries) if ((x -= w) < 0) return k;
      return entries.at(-1)![0];
    },
  };
}
export type SeededRandom = ReturnType<typeof seededRandom>;

export const SCENARIO_PRODUCTS = {
  TERM_LIFE_20Y: { productCode: 'TERM_LIFE_20Y', termYears: 20, paymentMode: 'annual' as const, sumInsuredFen: 100_000_000 },
  UNIVERSAL_10Y: { productCode: 'UNIVERSAL_10Y', termYears: 10, paymentMode: 'single' as const, sumInsuredFen: 10_000_000 },
  ACCIDENT_1Y: { productCode: 'ACCIDENT_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 50_000_000 },
  MEDICAL_1Y: { productCode: 'MEDICAL_1Y', termYears: 1, paymentMode: 'single' as const, sumInsuredFen: 200_000_000 },
};
export type ScenarioProduct = keyof typeof SCENARIO_PRODUCTS;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀兰',
  '霞',
  '平',
  '刚',
  '桂英',
  '喆',
  '堃',
  '赟',
];
const REGIONS = ['110101', '110102', '110105', '110106', '310101', '310104', '440103', '440104', '330102', '510104', '420102', '320102'];
const BIRTH_DATE = '1988-04-12';

/** Person number n (0-based): a distinct, valid ID number, phone and account; born on one date so premiums match. */
export function scenarioPerson(n: number, gender: 'M' | 'F'): Person {
  const name = `${SURNAMES[n % SURNAMES.length]}${GIVEN[Math.floor(n / SURNAMES.length) % GIVEN.length]}${n >= SURNAMES.length * GIVEN.length ? GIVEN[n % GIVEN.length] : ''}`;
  const region = REGIONS[Math.floor(n / 500) % REGIONS.length]!;
  return {
    name,
    birthDate: BIRTH_DATE,
    gender,
    idNumber: makeIdNumber(BIRTH_DATE, gender, n % 500, region),
    phone: `137${String(n).padStart(8, '0')}`,
    accountNo: `6222${String(n).padStart(15, '0')}`,
  };
}

export interface IssuedPolicy {
  policyId: string;
  applicationId: string;
  consumerId: string;
  /** The consumer's session token: only policies bought through the HTTP journey have one. */
  token?: string;
  issuedAt: Date;
  premiumFen: number;
  caseId: string | null;
}

/**
 * Issues policies for the scenario. Some go through the whole consumer journey over HTTP (sign-in to payment). The
 * rest — buying a thousand through the journey would take minutes — are sales that stand where a signed sale awaits
 * payment: the application and its parties of a journey-bought sale of the same product, gender and birth date are
 * copied for a new policyholder (new consumer account, name, ID number, phone; same premium), and from there it is
 * the real path: the payment order by the checkout service, payment at the development gateway, its notification,
 * issuance in the payment's transaction, and the callback case opened by the issuance hook. No callback row is
 * written by the test.
 */
export function createScenarioIssuer(ctx: JourneyContext) {
  const pii = ctx.platform.pii;
  const templates = new Map<string, { application: any; parties: any[]; person: Person }>();

  /**
   * Buys the template sale of a product and gender through the journey up to the signature: awaiting payment. The
   * application as it stood then is what copies start from; the template itself is paid later by `issueBatch`.
   */
  async function prepareTemplate(product: ScenarioProduct, person: Person) {
    const key = `${product}/${person.gender}`;
    if (templates.has(key)) throw new Error(`a template of ${key} exists`);
    const r = await ctx.buy({ ...SCENARIO_PRODUCTS[product], policyholder: person, until: 'signed' });
    const application = await ctx.db.selectFrom('applications').selectAll().where('id', '=', r.application.id).executeTakeFirstOrThrow();
    expect(application.status).toBe('awaiting_payment');
    const parties = await ctx.db
      .selectFrom('parties')
      .selectAll()
      .where('application_id', '=', application.id)
      .orderBy('role')
      .orderBy('position')
      .execute();
    templates.set(key, { application, parties, person });
  }

  function templateOf(product: ScenarioProduct, gender: 'M' | 'F') {
    const t = templates.get(`${product}/${gender}`);
    if (!t) throw new Error(`no template of ${product}/${gender}`);
    return t;
  }

  /** Opens the payment of an application awaiting it and pays it at the gateway as the policyholder; the notification waits in ctx.pendingNotifications. */
  async function pay(consumer: Actor, applicationId: string, person: Person) {
    const order = await ctx.services.checkout.openPayment(consumer, applicationId);
    const res = await ctx.send({
      method: 'POST',
      url: new URL(order.payUrl).pathname,
      form: { name: person.name, idNumber: person.idNumber, accountNo: person.accountNo },
    });
    if (res.status >= 300) throw new Error(`gateway pay answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  /** A copy of the template's signed sale for `person`, with a consumer account of their own, paid at the gateway. */
  async function payCopy(product: ScenarioProduct, person: Person): Promise<{ applicationId: string; consumerId: string }> {
    const t = templateOf(product, person.gender);
    const now = ctx.clock.now();
    const consumerId = newId('csm', now.getTime());
    const applicationId = newId('app', now.getTime());
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('consumers')
        .values({
          id: consumerId,
          phone_index: pii.blindIndex('phone', person.phone),
          phone_cipher: pii.encrypt('phone', person.phone),
          created_at: now,
        })
        .execute();
      const a = t.application;
      await trx
        .insertInto('applications')
        .values({
          ...a,
          id: applicationId,
          consumer_id: consumerId,
          suitability: a.suitability === null ? null : JSON.stringify(a.suitability),
        })
        .execute();
      for (const p of t.parties) {
        const self = p.role === 'policyholder' || (p.role === 'insured' && a.insured_relationship === 'self');
        if (!self) throw new Error('scenario templates insure the policyholder and name legal heirs');
        await trx
          .insertInto('parties')
          .values({
            ...p,
            id: newId('prt', now.getTime()),
            application_id: applicationId,
            name_cipher: pii.encrypt('name', person.name),
            id_number_cipher: pii.encrypt('id_number', person.idNumber),
            id_number_index: pii.blindIndex('id_number', person.idNumber),
            phone_cipher: p.phone_cipher === null ? null : pii.encrypt('phone', person.phone),
            phone_index: p.phone_index === null ? null : pii.blindIndex('phone', person.phone),
          })
          .execute();
      }
    });
    await pay({ type: 'consumer', id: consumerId }, applicationId, person);
    return { applicationId, consumerId };
  }

  /** Delivers the gateway's notifications, `concurrency` at a time, as its HTTP POSTs would arrive. */
  async function deliver(concurrency: number) {
    const batch = ctx.pendingNotifications.splice(0);
    await inParallel(batch, concurrency, async (n) => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/payments/notifications/dev-gateway',
        headers: n.headers,
        payload: n.body,
      });
      if (res.statusCode >= 300) throw new Error(`notification answered ${res.statusCode}: ${res.body}`);
    });
  }

  async function issuedOf(sale: { applicationId: string; consumerId: string; token?: string }): Promise<IssuedPolicy> {
    const p = await ctx.db
      .selectFrom('policies')
      .select(['id', 'issued_at', 'premium_fen'])
      .where('application_id', '=', sale.applicationId)
      .executeTakeFirstOrThrow();
    const c = await ctx.db.selectFrom('callback_cases').select('id').where('policy_id', '=', p.id).executeTakeFirst();
    return {
      policyId: p.id,
      applicationId: sale.applicationId,
      consumerId: sale.consumerId,
      token: sale.token,
      issuedAt: p.issued_at,
      premiumFen: p.premium_fen,
      caseId: c?.id ?? null,
    };
  }

  /**
   * Issues a batch of policies at the clock's current instant. `journey` sales are bought through the whole consumer
   * journey, one at a time; `template` pays a template sale for its own policyholder; `copy` pays a copy of the
   * template of its product and gender, `concurrency` at a time. Issuance happens as the notifications are delivered.
   */
  async function issueBatch(
    sales: Array<{ product: ScenarioProduct; person: Person; via: 'journey' | 'template' | 'copy' }>,
    concurrency: number,
  ): Promise<IssuedPolicy[]> {
    const paid = new Map<Person, { applicationId: string; consumerId: string; token?: string }>();
    for (const s of sales.filter((x) => x.via === 'journey')) {
      const r = await ctx.buy({ ...SCENARIO_PRODUCTS[s.product], policyholder: s.person });
      const app = await ctx.db
        .selectFrom('applications')
        .select(['id', 'consumer_id'])
        .where('id', '=', r.application.id)
        .executeTakeFirstOrThrow();
      paid.set(s.person, { applicationId: app.id, consumerId: app.consumer_id, token: r.token });
    }
    for (const s of sales.filter((x) => x.via === 'template')) {
      const t = templateOf(s.product, s.person.gender);
      if (t.person !== s.person) throw new Error('a template sale is paid by its own policyholder');
      await pay({ type: 'consumer', id: t.application.consumer_id }, t.application.id, s.person);
      paid.set(s.person, { applicationId: t.application.id, consumerId: t.application.consumer_id });
    }
    await inParallel(
      sales.filter((x) => x.via === 'copy'),
      concurrency,
      async (s) => paid.set(s.person, await payCopy(s.product, s.person)),
    );
    await deliver(concurrency);
    return Promise.all(sales.map((s) => issuedOf(paid.get(s.person)!)));
  }

  return { prepareTemplate, issueBatch };
}

/** Runs `fn` over `xs`, at most `concurrency` at once, in order of start. */
export async function inParallel<T>(xs: readonly T[], concurrency: number, fn: (x: T, i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        await fn(xs[i]!, i);
      }
    }),
  );
}

/** Runs `fn` and returns the AppError code it fails with; fails the test if it succeeds or throws anything else. */
export async function failsWith(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
  throw new Error('expected an AppError, the call succeeded');
}

/**
 * The policyholder's side of the electronic callback, through the callback service's use cases (what the routes
 * under /v1/callbacks call), as the policyholder — never as staff.
 */
export function policyholderSteps(ctx: JourneyContext) {
  const cb = ctx.services.callbacks;
  const consumer = (id: string): Actor => ({ type: 'consumer', id });

  async function latestCode(phone: string) {
    const [latest] = await readDevOutbox({ db: ctx.db, pii: ctx.platform.pii }, phone, 1);
    const m = /(\d{6})/.exec(latest?.body ?? '');
    if (!m) throw new Error(`no code sent to ${phone}`);
    return m[1]!;
  }

  /** Starts the callback and proves identity: SMS code, ID comparison, and face where the case requires it. */
  async function startAndVerify(p: { consumerId: string; caseId: string; person: Person }) {
    const me = consumer(p.consumerId);
    await cb.startCallback(me, p.caseId);
    await cb.sendIdentityCode(me, p.caseId);
    await cb.verifyIdentityCode(me, p.caseId, await latestCode(p.person.phone));
    let view = await cb.verifyIdNumber(me, p.caseId, p.person.idNumber);
    if (view.identity.required.includes('face'))
      view = await cb.verifyFace(me, p.caseId, Buffer.from(`live:${p.person.name}`).toString('base64'));
    expect(view.identity.verified).toBe(true);
  }

  /**
   * Answers the next `count` items one at a time as the page shows them, each in the version shown; `expectedCodes`
   * is the script the test expects, in order, and `answers` the answer to each item by code (default yes).
   */
  async function answer(
    p: { consumerId: string; caseId: string },
    expectedCodes: readonly string[],
    answers: Record<string, AnswerValue>,
    count: number,
  ) {
    const me = consumer(p.consumerId);
    for (let n = 0; n < count; n++) {
      const item = await cb.currentItem(me, p.caseId);
      expect(item.step).toBe('item');
      const at = item.position - 1;
      expect(item.itemCode).toBe(expectedCodes[at]);
      await cb.answerItem(me, p.caseId, {
        itemCode: item.itemCode,
        textVersionId: item.textVersionId,
        answer: answers[item.itemCode] ?? 'yes',
      });
    }
  }

  /** The closing confirmation, shown after the last item. */
  async function confirm(p: { consumerId: string; caseId: string }) {
    const me = consumer(p.consumerId);
    const closing = await cb.currentItem(me, p.caseId);
    expect(closing.step).toBe('closing');
    return cb.confirmClosing(me, p.caseId, { textVersionId: closing.textVersionId });
  }

  /** Starts the electronic callback without going further. */
  async function startOnly(p: { consumerId: string; caseId: string }) {
    return cb.startCallback(consumer(p.consumerId), p.caseId);
  }

  async function requestPhone(p: { consumerId: string; caseId: string }, reason?: string) {
    return cb.requestPhoneCallback(consumer(p.consumerId), p.caseId, reason ? { reason } : {});
  }

  /** Enters another person's ID number until the electronic callback gives up; returns the codes answered. */
  async function failIdentity(p: { consumerId: string; caseId: string }, wrongIdNumber: string, times: number) {
    const codes: string[] = [];
    for (let i = 0; i < times; i++) codes.push(await failsWith(() => cb.verifyIdNumber(consumer(p.consumerId), p.caseId, wrongIdNumber)));
    return codes;
  }

  async function cancelInCoolingOff(p: { consumerId: string; policyId: string }) {
    return ctx.services.flows.cancellation.cancelInCoolingOff(consumer(p.consumerId), p.policyId);
  }

  async function answerRefundOffer(p: { consumerId: string; caseId: string }, offerId: string, answer: 'accepted' | 'declined') {
    return cb.answerRefundOffer(consumer(p.consumerId), p.caseId, offerId, answer);
  }

  return { startAndVerify, startOnly, answer, confirm, requestPhone, failIdentity, cancelInCoolingOff, answerRefundOffer, latestCode };
}

/** A callback agent's side: the script shown, calls, letters and visits, recordings and receipts, problem cases. */
export function agentSteps(ctx: JourneyContext, agent: Extract<Actor, { type: 'staff' }>) {
  const cb = ctx.services.callbacks;

  async function openTaskOf(caseId: string, kind: 'phone' | 'letter_visit') {
    const t = await ctx.db
      .selectFrom('callback_tasks')
      .select(['id', 'kind', 'reason'])
      .where('case_id', '=', caseId)
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    expect(t.kind).toBe(kind);
    return t;
  }

  async function recording(caseId: string, what: string) {
    return cb.storeMedia(agent, caseId, { kind: 'call_recording', mediaType: 'audio/mpeg', content: Buffer.from(`ID3 ${what} ${caseId}`) });
  }

  /** The script shown, then the answers given on the call or ticked on the receipt: every item, default yes. */
  async function scriptedAnswers(taskId: string, expectedCodes: readonly string[], answers: Record<string, AnswerValue>) {
    const script = await cb.taskScript(agent, taskId);
    expect(script.items.map((i: any) => i.itemCode)).toEqual(expectedCodes);
    return {
      answers: (script.items as any[]).map((i) => ({
        itemCode: i.itemCode as string,
        textVersionId: i.textVersionId as string,
        answer: answers[i.itemCode] ?? ('yes' as AnswerValue),
      })),
      closingTextVersionId: script.closing.textVersionId as string,
    };
  }

  /** A call that did not connect. */
  async function failedCall(caseId: string, outcome: 'no_answer' | 'unreachable' | 'wrong_number') {
    const t = await openTaskOf(caseId, 'phone');
    return cb.recordPhoneAttempt(agent, t.id, { outcome, answers: [] });
  }

  /** A recorded call that went through every item and the closing confirmation. */
  async function completedCall(caseId: string, expectedCodes: readonly string[], answers: Record<string, AnswerValue>) {
    const t = await openTaskOf(caseId, 'phone');
    const s = await scriptedAnswers(t.id, expectedCodes, answers);
    const rec = await recording(caseId, 'callback call');
    return cb.recordPhoneAttempt(agent, t.id, { outcome: 'completed', recordingId: rec.mediaId, ...s });
  }

  async function failedLetter(
    caseId: string,
    method: 'letter' | 'visit',
    outcome: 'undeliverable' | 'refused' | 'not_returned',
    reason: string,
  ) {
    const t = await openTaskOf(caseId, 'letter_visit');
    return cb.recordLetterAttempt(agent, t.id, { method, outcome, reason, answers: [] });
  }

  /** A letter or visit closed with the scan of the receipt the policyholder signed, with the answers ticked on it. */
  async function signedReceipt(
    caseId: string,
    method: 'letter' | 'visit',
    expectedCodes: readonly string[],
    answers: Record<string, AnswerValue>,
  ) {
    const t = await openTaskOf(caseId, 'letter_visit');
    const s = await scriptedAnswers(t.id, expectedCodes, answers);
    const scan = await cb.storeMedia(agent, caseId, {
      kind: 'signed_receipt',
      mediaType: 'image/jpeg',
      content: Buffer.from(`\xff\xd8\xff receipt ${method} ${caseId}`, 'latin1'),
    });
    return cb.recordLetterAttempt(agent, t.id, { method, outcome: 'receipt_signed', receiptId: scan.mediaId, ...s });
  }

  async function problemsOf(caseId: string) {
    return ctx.db
      .selectFrom('callback_problems')
      .select(['id', 'kind', 'item_code', 'status'])
      .where('case_id', '=', caseId)
      .orderBy('opened_at')
      .orderBy('id')
      .execute();
  }

  async function openProblemsOf(caseId: string) {
    return (await problemsOf(caseId)).filter((p) => p.status === 'open');
  }

  /** Explains the item on a recorded call and the policyholder confirms: the problem case closes. */
  async function explainAndConfirm(caseId: string, problemId: string) {
    const rec = await recording(caseId, `explanation ${problemId}`);
    return cb.resolveProblem(agent, problemId, {
      resolution: 'explained_confirmed',
      recordingId: rec.mediaId,
      note: '已电话逐项说明，投保人表示理解并确认。',
    });
  }

  /** Mis-selling found: the sale and the staff member flagged, cancellation with the whole premium back offered. */
  async function findMisselling(problemId: string, responsibleStaffRef: string) {
    return cb.resolveProblem(agent, problemId, {
      resolution: 'misselling',
      note: '经核实存在销售误导，向投保人提供全额退费解除合同。',
      responsibleStaffRef,
    });
  }

  /** The policyholder declines the refund offer on a recorded call. */
  async function declinedOnRecordedCall(caseId: string, problemId: string) {
    const rec = await recording(caseId, `refund declined ${problemId}`);
    return cb.recordOfferDeclinedByPhone(agent, problemId, {
      recordingId: rec.mediaId,
      note: '投保人了解可全额退费解除合同后，表示继续持有保单。',
    });
  }

  return {
    openTaskOf,
    failedCall,
    completedCall,
    failedLetter,
    signedReceipt,
    problemsOf,
    openProblemsOf,
    explainAndConfirm,
    findMisselling,
    declinedOnRecordedCall,
  };
}

/** PostgreSQL's percentile_cont: linear interpolation between the ranks around p·(n−1); null for no values. */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  const x = lo + 1 < v.length ? v[lo]! + (pos - lo) * (v[lo + 1]! - v[lo]!) : v[lo]!;
  // Intervals keep microseconds.
  return Math.round(x * 1e6) / 1e6;
}

/** part ÷ whole to four places, half up, as text; null when nothing is in the denominator. */
export function rateOf(part: number, whole: number): string | null {
  if (whole === 0) return null;
  const tenThousandths = Math.floor((part * 100_000) / whole);
  const rounded = Math.floor((tenThousandths + 5) / 10);
  return `${Math.floor(rounded / 10_000)}.${String(rounded % 10_000).padStart(4, '0')}`;
}
