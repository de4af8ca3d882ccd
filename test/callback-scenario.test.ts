import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, StaffRole } from '../server/platform/actor.js';
import { addDays, shanghaiMidnight, type CalendarDate } from '../server/platform/dates.js';
import type { AnswerValue, CallbackMethod, CaseStatus } from '../server/modules/callbacks/callback.js';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makeIdNumber, type Person } from './helpers/people.js';
import {
  agentSteps,
  createScenarioIssuer,
  inParallel,
  percentileCont,
  policyholderSteps,
  rateOf,
  scenarioPerson,
  seededRandom,
  type IssuedPolicy,
  type ScenarioProduct,
  type SeededRandom,
} from './helpers/callback-scenario.js';
import { EXPECTED_ITEMS, staffToken } from './callback.helpers.js';

/**
 * A scripted scenario of the callback (CB; requirements §2.7): 1,000 long-term policies and some one-year ones,
 * issued over ten days, each long-term policy given an outcome by a seeded PRNG and a script of what the
 * policyholder and the callback agents do and when. The script keeps its own books — what each case should have
 * become, by which method, when, with which answers, problem cases and tasks — from the rules as the requirements
 * state them; the test then travels through two months with the fake clock, runs the deadline job every midnight,
 * and checks the platform against those books: the job's work each night, every case, and the figures the
 * compliance officer reads.
 */

const SEED = 0x20260302;
const LONG_TERM = 1_000;
const ONE_YEAR = 40;
const ISSUE_DAYS = 10;
const FIRST_DAY: CalendarDate = '2026-03-02';
/** Long-term policies bought through the whole HTTP journey; the rest are paid copies of template sales. */
const JOURNEYS = 12;
/** Independent steps of different policies at the same instant run this many at a time (2-core CI). */
const CONCURRENCY = 3;
const HOUR = 3_600_000;

const ITEMS: Record<'TERM_LIFE_20Y' | 'UNIVERSAL_10Y', readonly string[]> = EXPECTED_ITEMS;
type LongTermProduct = keyof typeof ITEMS;

/** How often each path is drawn; the counts that result are whatever the seeded draws give. */
const OUTCOME_WEIGHTS = {
  electronic: 420,
  electronic_with_problem_explained: 60,
  misselling_refund_accepted: 25,
  misselling_refund_declined: 10,
  stop_then_phone: 110,
  identity_failed_then_phone: 15,
  phone_failed_then_letter: 60,
  everything_failed: 30,
  no_start_then_phone: 80,
  no_start_then_letter: 40,
  no_start_no_receipt: 40,
  started_not_finished_then_phone: 30,
  cancelled_in_cooling_off: 80,
};
type Outcome = keyof typeof OUTCOME_WEIGHTS;

type Status = CaseStatus;
type Method = CallbackMethod;
const ELECTRONIC: readonly Status[] = ['awaiting_electronic', 'electronic_in_progress'];
const OPEN: readonly Status[] = [...ELECTRONIC, 'phone_pending', 'letter_pending'];

interface BookedProblem {
  kind: string;
  itemCode: string;
  status: 'open' | 'awaiting_customer' | 'closed';
  closeReason: string | null;
}
interface BookedTask {
  kind: 'phone' | 'letter_visit';
  reason: string;
  status: 'open' | 'succeeded' | 'failed' | 'closed';
  endReason: string | null;
  failedAttempts: number;
}

/** The script's books on one long-term policy and its callback. */
interface Booked {
  n: number;
  product: LongTermProduct;
  person: Person;
  outcome: Outcome;
  issuedAt: Date;
  issueDate: CalendarDate;
  fallbackAt: Date;
  deadlineAt: Date;
  letterDueAt: Date;
  policy: IssuedPolicy;
  caseId: string;
  status: Status;
  method: Method | null;
  succeededAt: Date | null;
  notified: boolean;
  started: boolean;
  answers: number;
  problems: BookedProblem[];
  tasks: BookedTask[];
  finalSummary: string | null;
  policyStatus: 'in_force' | 'cancelled_in_cooling_off' | 'cancelled_for_misselling';
  refund: { reason: string; amountFen: number } | null;
}

/** One thing someone does, `day` days after the issue date at `hour`:00 in Shanghai. */
interface Step {
  day: number;
  hour: number;
  run: (b: Booked) => Promise<void>;
}

describe('a scripted scenario of 1,000 policies through the callback (电子化回访)', () => {
  let ctx: JourneyContext;
  let agent: Extract<Actor, { type: 'staff' }>;
  let complianceToken: string;
  const booked: Booked[] = [];
  const oneYear: IssuedPolicy[] = [];
  const nightly: Array<{ day: CalendarDate; expected: object; actual: object }> = [];
  let snapshot: { at: Date; figures: any; books: ReturnType<typeof expectedFigures> } | undefined;
  let cfg: {
    fallbackDays: number;
    phoneMax: number;
    letterDays: number;
    letterMax: number;
    identityMax: number;
    coolingOffDays: number;
    costFen: number;
  };

  // ---- the script's model of the rules (requirements §2.7) ----

  const openTask = (b: Booked) => b.tasks.find((t) => t.status === 'open');
  function move(b: Booked, to: Status) {
    b.status = to;
  }
  function toPhone(b: Booked, reason: string) {
    move(b, 'phone_pending');
    b.tasks.push({ kind: 'phone', reason, status: 'open', endReason: null, failedAttempts: 0 });
  }
  function toLetter(b: Booked, reason: string) {
    move(b, 'letter_pending');
    b.tasks.push({ kind: 'letter_visit', reason, status: 'open', endReason: null, failedAttempts: 0 });
  }
  function fail(b: Booked, summary: string) {
    move(b, 'failed');
    b.finalSummary = summary;
  }
  function succeed(b: Booked, method: Method, at: Date) {
    const t = openTask(b);
    if (t) Object.assign(t, { status: 'succeeded', endReason: method === 'phone' ? 'completed' : 'receipt_signed' });
    move(b, 'succeeded');
    b.method = method;
    b.succeededAt = at;
  }
  function answered(b: Booked, itemCode: string, answer: AnswerValue) {
    b.answers++;
    if (answer === 'yes') return;
    // A "no" to receiving the policy or to signing in person names that problem; any other "no" or "not sure" is about the item.
    const kind =
      answer === 'unsure'
        ? 'unsure_answer'
        : itemCode === 'policy_received'
          ? 'policy_not_received'
          : itemCode === 'signed_in_person'
            ? 'signature_not_own'
            : 'negative_answer';
    b.problems.push({ kind, itemCode, status: 'open', closeReason: null });
  }

  /** What the deadline job must do at midnight `now`: notices, fallback to phone, to letter, failure. */
  function bookNight(now: Date) {
    const e = { notices: 0, toPhone: 0, toLetter: 0, failed: 0 };
    for (const b of booked) {
      if (!b.notified && ELECTRONIC.includes(b.status)) {
        b.notified = true;
        e.notices++;
      }
    }
    for (const b of booked) {
      if (ELECTRONIC.includes(b.status) && b.fallbackAt <= now) {
        toPhone(b, b.started ? 'electronic_not_completed_in_time' : 'electronic_not_started_in_time');
        e.toPhone++;
      }
    }
    for (const b of booked) {
      if (b.status === 'phone_pending' && b.deadlineAt <= now) {
        Object.assign(openTask(b)!, { status: 'failed', endReason: 'cooling_off_ended' });
        toLetter(b, 'phone_not_completed_in_cooling_off');
        e.toLetter++;
      }
    }
    for (const b of booked) {
      if (b.status === 'letter_pending' && b.letterDueAt <= now) {
        Object.assign(openTask(b)!, { status: 'failed', endReason: 'signed_receipt_not_returned_by_due_date' });
        fail(b, 'signed_receipt_not_returned_by_due_date');
        e.failed++;
      }
    }
    return e;
  }

  // ---- what people do, each step through the services and booked as the rules say it must end ----

  let ph: ReturnType<typeof policyholderSteps>;
  let ag: ReturnType<typeof agentSteps>;
  const now = () => ctx.clock.now();
  const who = (b: Booked) => ({ consumerId: b.policy.consumerId, caseId: b.caseId, policyId: b.policy.policyId, person: b.person });

  async function startAndVerify(b: Booked) {
    await ph.startAndVerify(who(b));
    b.started = true;
    move(b, 'electronic_in_progress');
  }
  async function answerSome(b: Booked, answers: Record<string, AnswerValue>, count: number) {
    await ph.answer(who(b), ITEMS[b.product], answers, count);
    for (const code of ITEMS[b.product].slice(0, count)) answered(b, code, answers[code] ?? 'yes');
  }
  async function electronicSuccess(b: Booked, answers: Record<string, AnswerValue>) {
    await startAndVerify(b);
    await answerSome(b, answers, ITEMS[b.product].length);
    const done = await ph.confirm(who(b));
    expect(done).toMatchObject({ status: 'succeeded', method: 'electronic' });
    succeed(b, 'electronic', now());
  }
  async function requestPhone(b: Booked) {
    const view = await ph.requestPhone(who(b), 'prefer_phone');
    expect(view).toMatchObject({ status: 'phone_pending', electronicOpen: false });
    toPhone(b, 'policyholder_requested_phone');
  }
  async function failedCall(b: Booked, outcome: 'no_answer' | 'unreachable' | 'wrong_number') {
    const r = await ag.failedCall(b.caseId, outcome);
    const t = openTask(b)!;
    t.failedAttempts++;
    if (t.failedAttempts >= cfg.phoneMax) {
      Object.assign(t, { status: 'failed', endReason: `phone_failed_after_${cfg.phoneMax}_attempts` });
      toLetter(b, 'phone_failed');
    }
    expect(r).toMatchObject({ caseStatus: b.status, taskStatus: t.status });
  }
  async function completedCall(b: Booked, answers: Record<string, AnswerValue>) {
    const r = await ag.completedCall(b.caseId, ITEMS[b.product], answers);
    for (const code of ITEMS[b.product]) answered(b, code, answers[code] ?? 'yes');
    succeed(b, 'phone', now());
    expect(r).toMatchObject({
      caseStatus: 'succeeded',
      taskStatus: 'succeeded',
      problemsOpened: Object.values(answers).filter((a) => a !== 'yes').length,
    });
  }
  async function failedLetter(b: Booked, method: 'letter' | 'visit') {
    const r = await ag.failedLetter(
      b.caseId,
      method,
      method === 'letter' ? 'undeliverable' : 'not_returned',
      method === 'letter' ? '地址查无此人，信函退回' : '上门两次无人应答',
    );
    const t = openTask(b)!;
    t.failedAttempts++;
    if (t.failedAttempts >= cfg.letterMax) {
      Object.assign(t, { status: 'failed', endReason: `letter_visit_failed_after_${cfg.letterMax}_attempts` });
      fail(b, 'every_method_failed');
    }
    expect(r).toMatchObject({ caseStatus: b.status, taskStatus: t.status });
  }
  async function signedReceipt(b: Booked, method: 'letter' | 'visit', answers: Record<string, AnswerValue>) {
    const r = await ag.signedReceipt(b.caseId, method, ITEMS[b.product], answers);
    for (const code of ITEMS[b.product]) answered(b, code, answers[code] ?? 'yes');
    succeed(b, method, now());
    expect(r).toMatchObject({ caseStatus: 'succeeded', taskStatus: 'succeeded' });
  }
  async function explainOpenProblems(b: Booked) {
    const open = await ag.openProblemsOf(b.caseId);
    const mine = b.problems.filter((p) => p.status === 'open');
    expect(open.map((p) => [p.kind, p.item_code])).toEqual(mine.map((p) => [p.kind, p.itemCode]));
    for (const [i, p] of open.entries()) {
      const r = await ag.explainAndConfirm(b.caseId, p.id);
      Object.assign(mine[i]!, { status: 'closed', closeReason: 'explained_and_confirmed_by_phone' });
      expect(r).toMatchObject({ status: 'closed', closeReason: 'explained_and_confirmed_by_phone' });
    }
  }
  async function cancelInCoolingOff(b: Booked) {
    const view = await ph.cancelInCoolingOff(who(b));
    expect(view.status).toBe('cancelled_in_cooling_off');
    if (OPEN.includes(b.status)) {
      const t = openTask(b);
      if (t) Object.assign(t, { status: 'closed', endReason: 'policy_cancelled' });
      move(b, 'closed_policy_cancelled');
    }
    b.policyStatus = 'cancelled_in_cooling_off';
    b.refund = { reason: 'cooling_off_cancellation', amountFen: b.policy.premiumFen - Math.min(cfg.costFen, 1000, b.policy.premiumFen) };
  }

  // ---- the script: the steps of each outcome, drawn from the seeded PRNG ----

  const FAILED_CALLS = ['no_answer', 'unreachable', 'wrong_number'] as const;
  /** Items whose "no" can reveal mis-selling. */
  const MISSELLING_ITEMS: Record<LongTermProduct, string[]> = {
    TERM_LIFE_20Y: ['product_purchased', 'signed_in_person', 'read_terms_and_warnings', 'coverage_exclusions_term'],
    UNIVERSAL_10Y: ['product_purchased', 'signed_in_person', 'read_terms_and_warnings', 'investment_risk', 'fee_deductions'],
  };

  /** A failed call whose outcome was drawn with the script, not when it runs. */
  const failedCallStep = (outcome: (typeof FAILED_CALLS)[number]) => (b: Booked) => failedCall(b, outcome);

  function script(outcome: Outcome, product: LongTermProduct, n: number, r: SeededRandom): Step[] {
    const items = ITEMS[product];
    const hour = () => r.int(8, 21);
    /** Each answer "not sure" with probability p, else yes. */
    const doubts = (codes: readonly string[], p: number) =>
      Object.fromEntries(codes.filter(() => r.chance(p)).map((c) => [c, 'unsure' as AnswerValue]));
    /** Starts, proves identity and answers some items, or asks for a phone call at once: how a stop comes. */
    const partial = (pStarted: number) => {
      const started = r.chance(pStarted);
      const count = started ? r.int(0, items.length - 1) : 0;
      return { started, count, answers: doubts(items.slice(0, count), 0.05) };
    };
    const stopThenPhone = async (b: Booked, p: ReturnType<typeof partial>) => {
      if (p.started) {
        await startAndVerify(b);
        await answerSome(b, p.answers, p.count);
      }
      await requestPhone(b);
    };
    const explainLater = (day: number): Step => ({
      day,
      hour: hour(),
      run: async (b) => (b.problems.some((p) => p.status === 'open') ? explainOpenProblems(b) : undefined),
    });

    switch (outcome) {
      case 'electronic':
        return [{ day: r.int(1, 10), hour: hour(), run: (b) => electronicSuccess(b, {}) }];
      case 'electronic_with_problem_explained': {
        const e = r.int(1, 9);
        const pool = [...items];
        const codes = Array.from({ length: r.chance(0.8) ? 1 : 2 }, () => pool.splice(r.int(0, pool.length - 1), 1)[0]!);
        const answers = Object.fromEntries(codes.map((c) => [c, r.pick(['no', 'unsure'] as const)]));
        return [{ day: e, hour: hour(), run: (b) => electronicSuccess(b, answers) }, explainLater(e + r.int(1, 3))];
      }
      case 'misselling_refund_accepted':
      case 'misselling_refund_declined': {
        const e = r.int(1, 9);
        const item = r.pick(MISSELLING_ITEMS[product]);
        const byPhone = r.chance(0.4);
        let offerId = '';
        return [
          { day: e, hour: hour(), run: (b) => electronicSuccess(b, { [item]: 'no' }) },
          {
            day: e + 1,
            hour: hour(),
            run: async (b) => {
              const [p] = await ag.openProblemsOf(b.caseId);
              expect([p!.kind, p!.item_code]).toEqual([b.problems[0]!.kind, item]);
              const v = await ag.findMisselling(p!.id, `AGT-${String(n).padStart(5, '0')}`);
              expect(v).toMatchObject({
                status: 'awaiting_customer',
                resolution: 'misselling',
                refundOffer: { amountFen: b.policy.premiumFen, answer: null },
              });
              offerId = v.refundOffer!.offerId;
              b.problems[0]!.status = 'awaiting_customer';
            },
          },
          {
            day: e + 2,
            hour: hour(),
            run: async (b) => {
              const p = b.problems[0]!;
              if (outcome === 'misselling_refund_accepted') {
                await ph.answerRefundOffer(who(b), offerId, 'accepted');
                Object.assign(p, { status: 'closed', closeReason: 'cancelled_with_full_refund' });
                b.policyStatus = 'cancelled_for_misselling';
                b.refund = { reason: 'misselling_cancellation', amountFen: b.policy.premiumFen };
              } else {
                if (byPhone) await ag.declinedOnRecordedCall(b.caseId, (await ag.problemsOf(b.caseId))[0]!.id);
                else await ph.answerRefundOffer(who(b), offerId, 'declined');
                Object.assign(p, { status: 'closed', closeReason: 'full_refund_declined' });
              }
            },
          },
        ];
      }
      case 'stop_then_phone': {
        const e = r.int(1, 8);
        const p = partial(0.7);
        const fails = r.int(0, cfg.phoneMax - 1);
        const onCall = doubts(items, 0.05);
        return [
          { day: e, hour: hour(), run: (b) => stopThenPhone(b, p) },
          ...Array.from({ length: fails }, (_, i) => ({ day: e + 1 + i, hour: hour(), run: failedCallStep(r.pick(FAILED_CALLS)) })),
          { day: e + 1 + fails, hour: hour(), run: (b) => completedCall(b, onCall) },
          explainLater(e + 2 + fails),
        ];
      }
      case 'identity_failed_then_phone': {
        const e = r.int(1, 9);
        const someoneElse = makeIdNumber('1970-01-01', 'M', n % 500);
        return [
          {
            day: e,
            hour: hour(),
            run: async (b) => {
              await ph.startOnly(who(b));
              b.started = true;
              move(b, 'electronic_in_progress');
              const codes = await ph.failIdentity(who(b), someoneElse, cfg.identityMax);
              expect(codes).toEqual([
                ...Array.from({ length: cfg.identityMax - 1 }, () => 'CALLBACK_IDENTITY_MISMATCH'),
                'CALLBACK_NOT_ELECTRONIC',
              ]);
              toPhone(b, 'electronic_failed_identity');
            },
          },
          { day: e + r.int(1, 2), hour: hour(), run: (b) => completedCall(b, {}) },
        ];
      }
      case 'phone_failed_then_letter':
      case 'everything_failed': {
        const e = r.int(1, 7);
        const p = partial(0.5);
        const calls = Array.from({ length: cfg.phoneMax }, (_, i) => ({
          day: e + 1 + i,
          hour: hour(),
          run: failedCallStep(r.pick(FAILED_CALLS)),
        }));
        let day = e + cfg.phoneMax;
        const letters: Step[] = [];
        const failures = outcome === 'everything_failed' ? cfg.letterMax : r.chance(0.3) ? 1 : 0;
        for (let i = 0; i < failures; i++) {
          const method = i % 2 ? 'visit' : 'letter';
          letters.push({ day: (day += r.int(3, 8)), hour: hour(), run: (b) => failedLetter(b, method) });
        }
        if (outcome === 'phone_failed_then_letter') {
          const method = r.pick(['letter', 'visit'] as const);
          const ticked = doubts(items, 0.05);
          letters.push({ day: (day += r.int(3, 10)), hour: hour(), run: (b) => signedReceipt(b, method, ticked) });
          letters.push(explainLater(day + 1));
        }
        return [{ day: e, hour: hour(), run: (b) => stopThenPhone(b, p) }, ...calls, ...letters];
      }
      case 'no_start_then_phone': {
        // The deadline job opens the phone task at the fallback point, 11 days after issue (犹豫期 15 days, 5 before its end).
        const first = 16 - cfg.fallbackDays;
        const steps: Step[] = [];
        if (r.chance(0.4)) steps.push({ day: first, hour: hour(), run: failedCallStep(r.pick(FAILED_CALLS)) });
        steps.push({ day: r.int(first + 1, 15), hour: hour(), run: (b) => completedCall(b, {}) });
        return steps;
      }
      case 'no_start_then_letter': {
        const steps: Step[] = [];
        if (r.chance(0.5)) steps.push({ day: 16 - cfg.fallbackDays + 1, hour: hour(), run: failedCallStep(r.pick(FAILED_CALLS)) });
        // The letter task opens when the 犹豫期 ends (day 16).
        let day = 16;
        if (r.chance(0.3)) steps.push({ day: (day += r.int(1, 9)), hour: hour(), run: (b) => failedLetter(b, 'letter') });
        const method = r.pick(['letter', 'visit'] as const);
        steps.push({ day: r.int(day + 1, 40), hour: hour(), run: (b) => signedReceipt(b, method, {}) });
        return steps;
      }
      case 'no_start_no_receipt':
        return r.chance(0.5) ? [{ day: r.int(17, 40), hour: hour(), run: (b) => failedLetter(b, 'visit') }] : [];
      case 'started_not_finished_then_phone': {
        const e = r.int(1, 10);
        const verified = r.chance(0.7);
        const count = verified ? r.int(0, items.length - 1) : 0;
        const answers = doubts(items.slice(0, count), 0.05);
        return [
          {
            day: e,
            hour: hour(),
            run: async (b) => {
              if (verified) {
                await startAndVerify(b);
                await answerSome(b, answers, count);
              } else {
                await ph.startOnly(who(b));
                b.started = true;
                move(b, 'electronic_in_progress');
              }
            },
          },
          { day: r.int(16 - cfg.fallbackDays, 15), hour: hour(), run: (b) => completedCall(b, {}) },
          explainLater(16),
        ];
      }
      case 'cancelled_in_cooling_off': {
        const variant = r.weighted({ before_start: 35, during_electronic: 35, during_phone: 30 });
        if (variant === 'before_start') return [{ day: r.int(1, 15), hour: hour(), run: cancelInCoolingOff }];
        const e = r.int(1, 7);
        if (variant === 'during_electronic') {
          const count = r.int(0, items.length - 1);
          const answers = doubts(items.slice(0, count), 0.05);
          return [
            {
              day: e,
              hour: hour(),
              run: async (b) => {
                await startAndVerify(b);
                await answerSome(b, answers, count);
              },
            },
            { day: e + r.int(1, 3), hour: hour(), run: cancelInCoolingOff },
          ];
        }
        const p = partial(0.5);
        const call = r.chance(0.5);
        return [
          { day: e, hour: hour(), run: (b) => stopThenPhone(b, p) },
          ...(call ? [{ day: e + 1, hour: hour(), run: failedCallStep(r.pick(FAILED_CALLS)) }] : []),
          { day: e + 2, hour: hour(), run: cancelInCoolingOff },
        ];
      }
    }
  }

  // ---- the figures the books say the platform must report ----

  function counts(cs: Booked[]) {
    const by = (s: Status) => cs.filter((b) => b.status === s).length;
    const succeeded = by('succeeded');
    const failed = by('failed');
    const concluded = succeeded + failed;
    const method = (m: Method) => cs.filter((b) => b.status === 'succeeded' && b.method === m).length;
    const answeredCases = cs.filter((b) => b.answers > 0).length;
    const withProblem = cs.filter((b) => b.problems.length > 0).length;
    const durations = cs.filter((b) => b.status === 'succeeded').map((b) => (b.succeededAt!.getTime() - b.issuedAt.getTime()) / 1000);
    return {
      opened: cs.length,
      concluded,
      succeeded,
      failed,
      cancelled: by('closed_policy_cancelled'),
      open: cs.filter((b) => OPEN.includes(b.status)).length,
      successRate: rateOf(succeeded, concluded),
      byMethod: { electronic: method('electronic'), phone: method('phone'), letter: method('letter'), visit: method('visit') },
      electronicRate: rateOf(method('electronic'), concluded),
      answered: answeredCases,
      withProblem,
      problemCases: cs.reduce((s, b) => s + b.problems.length, 0),
      problemCaseRate: rateOf(withProblem, answeredCases),
      medianSeconds: percentileCont(durations, 0.5),
      p90Seconds: percentileCont(durations, 0.9),
    };
  }

  /** The figures of the cases opened in [from, to), computed from the books alone. */
  function expectedFigures(from: CalendarDate, to: CalendarDate) {
    const cs = booked.filter((b) => b.issueDate >= from && b.issueDate < to);
    const total = counts(cs);
    const succeeded = cs.filter((b) => b.status === 'succeeded');
    const methods = (['electronic', 'letter', 'phone', 'visit'] as const).filter((m) => succeeded.some((b) => b.method === m));
    const kinds = [...new Set(cs.flatMap((b) => b.problems.map((p) => p.kind)))].sort();
    const within = succeeded.filter((b) => b.succeededAt! <= b.deadlineAt).length;
    return {
      period: { from, to, basis: 'opened_at' },
      total,
      byProduct: [...new Set(cs.map((b) => b.product))]
        .sort()
        .map((productCode) => ({ productCode, ...counts(cs.filter((b) => b.product === productCode)) })),
      byChannel: [{ channel: 'direct', ...total }],
      byMethod: methods.map((m) => {
        const durations = succeeded.filter((b) => b.method === m).map((b) => (b.succeededAt!.getTime() - b.issuedAt.getTime()) / 1000);
        return {
          method: m,
          succeeded: durations.length,
          rate: rateOf(durations.length, total.concluded),
          medianSeconds: percentileCont(durations, 0.5),
          p90Seconds: percentileCont(durations, 0.9),
        };
      }),
      withinCoolingOff: { succeeded: succeeded.length, withinDeadline: within, rate: rateOf(within, succeeded.length) },
      problemsByKind: kinds.map((kind) => ({ kind, count: cs.reduce((s, b) => s + b.problems.filter((p) => p.kind === kind).length, 0) })),
    };
  }

  async function reportedFigures(from: CalendarDate, to: CalendarDate) {
    const res = await ctx.send({ method: 'GET', url: `/v1/console/callback-figures?from=${from}&to=${to}`, token: complianceToken });
    expect(res.status).toBe(200);
    const { sampling: _sampling, ...figures } = res.body;
    return figures;
  }

  // ---- the run: issue over ten days, then two months of days and nights ----

  beforeAll(async () => {
    ctx = await createJourneyContext({
      start: '2026-03-02T00:30:00.000Z',
      // Sessions outlive the two months the scenario travels through; expiry is tested elsewhere.
      env: { STAFF_SESSION_IDLE_MINUTES: '10000000', CONSUMER_SESSION_HOURS: '100000' },
    });
    cfg = {
      fallbackDays: ctx.config.CALLBACK_FALLBACK_DAYS_BEFORE_END,
      phoneMax: ctx.config.CALLBACK_PHONE_MAX_ATTEMPTS,
      letterDays: ctx.config.CALLBACK_LETTER_DAYS,
      letterMax: ctx.config.CALLBACK_LETTER_MAX_ATTEMPTS,
      identityMax: ctx.config.CALLBACK_IDENTITY_MAX_FAILURES,
      coolingOffDays: (await ctx.definition('TERM_LIFE_20Y')).coolingOffDays,
      costFen: ctx.config.COOLING_OFF_COST_FEN,
    };
    expect((await ctx.definition('UNIVERSAL_10Y')).coolingOffDays).toBe(cfg.coolingOffDays);
    // The day numbers in the script assume this 犹豫期 and these limits; the books use the configured values.
    expect([cfg.coolingOffDays, cfg.fallbackDays, cfg.phoneMax, cfg.letterMax]).toEqual([15, 5, 3, 2]);
    const demoAgent = await ctx.db
      .selectFrom('staff_accounts')
      .select(['id', 'roles'])
      .where('username', '=', 'demo.callback_agent')
      .executeTakeFirstOrThrow();
    agent = { type: 'staff', id: demoAgent.id, roles: demoAgent.roles as StaffRole[] };
    complianceToken = (await staffToken(ctx, ['compliance_officer'])).token;
    ph = policyholderSteps(ctx);
    ag = agentSteps(ctx, agent);

    const r = seededRandom(SEED);
    // The sales, in the order they are issued: 1,000 long-term and some one-year, shuffled.
    const sales: Array<{ product: ScenarioProduct; gender: 'M' | 'F' }> = [
      ...Array.from({ length: LONG_TERM }, () => ({
        product: (r.chance(0.55) ? 'TERM_LIFE_20Y' : 'UNIVERSAL_10Y') as ScenarioProduct,
        gender: (r.chance(0.5) ? 'M' : 'F') as 'M' | 'F',
      })),
      ...Array.from({ length: ONE_YEAR }, () => ({
        product: (r.chance(0.5) ? 'ACCIDENT_1Y' : 'MEDICAL_1Y') as ScenarioProduct,
        gender: (r.chance(0.5) ? 'M' : 'F') as 'M' | 'F',
      })),
    ];
    for (let i = sales.length - 1; i > 0; i--) {
      const j = r.int(0, i);
      [sales[i], sales[j]] = [sales[j]!, sales[i]!];
    }
    const issuer = createScenarioIssuer(ctx);
    const seen = new Set<string>();
    let journeys = 0;
    const plan = sales.map((s, n) => {
      const person = scenarioPerson(n, s.gender);
      const key = `${s.product}/${s.gender}`;
      const via = !seen.has(key)
        ? 'template'
        : journeys < JOURNEYS && (s.product === 'TERM_LIFE_20Y' || s.product === 'UNIVERSAL_10Y')
          ? 'journey'
          : 'copy';
      seen.add(key);
      if (via === 'journey') journeys++;
      const longTerm = s.product === 'TERM_LIFE_20Y' || s.product === 'UNIVERSAL_10Y';
      const outcome = longTerm ? r.weighted(OUTCOME_WEIGHTS) : null;
      const steps = outcome ? script(outcome, s.product as LongTermProduct, n, r) : [];
      const perDay = Math.ceil(sales.length / ISSUE_DAYS);
      const issueDate = addDays(FIRST_DAY, Math.floor(n / perDay));
      const issuedAt = new Date(shanghaiMidnight(issueDate).getTime() + (9 + Math.floor(((n % perDay) * 12) / perDay)) * HOUR);
      return { n, ...s, person, via: via as 'template' | 'journey' | 'copy', outcome, steps, issueDate, issuedAt };
    });
    for (const p of plan.filter((x) => x.via === 'template')) await issuer.prepareTemplate(p.product, p.person);

    // The agenda: instants and what happens at each. Issues and midnights (the deadline job) run alone and first;
    // the steps of different policies at one instant run side by side.
    const agenda = new Map<number, { first: Array<() => Promise<void>>; steps: Array<() => Promise<void>> }>();
    const at = (t: Date, kind: 'first' | 'steps', fn: () => Promise<void>) => {
      const slot = agenda.get(t.getTime()) ?? { first: [], steps: [] };
      slot[kind].push(fn);
      agenda.set(t.getTime(), slot);
    };
    const byIssue = new Map<number, typeof plan>();
    for (const p of plan) byIssue.set(p.issuedAt.getTime(), [...(byIssue.get(p.issuedAt.getTime()) ?? []), p]);
    for (const [t, batch] of byIssue) {
      at(new Date(t), 'first', async () => {
        const issued = await issuer.issueBatch(
          batch.map((p) => ({ product: p.product, person: p.person, via: p.via })),
          CONCURRENCY,
        );
        for (const [i, p] of batch.entries()) {
          const policy = issued[i]!;
          expect(policy.issuedAt.getTime()).toBe(p.issuedAt.getTime());
          if (!p.outcome) {
            // §2.7: a one-year policy gets no case.
            expect(policy.caseId).toBeNull();
            oneYear.push(policy);
            continue;
          }
          expect(policy.caseId).not.toBeNull();
          const coolingOffEnd = addDays(p.issueDate, cfg.coolingOffDays);
          const deadlineAt = shanghaiMidnight(addDays(coolingOffEnd, 1));
          const b: Booked = {
            n: p.n,
            product: p.product as LongTermProduct,
            person: p.person,
            outcome: p.outcome,
            issuedAt: p.issuedAt,
            issueDate: p.issueDate,
            deadlineAt,
            fallbackAt: shanghaiMidnight(addDays(coolingOffEnd, 1 - cfg.fallbackDays)),
            letterDueAt: new Date(deadlineAt.getTime() + cfg.letterDays * 24 * HOUR),
            policy,
            caseId: policy.caseId!,
            status: 'awaiting_electronic',
            method: null,
            succeededAt: null,
            notified: false,
            started: false,
            answers: 0,
            problems: [],
            tasks: [],
            finalSummary: null,
            policyStatus: 'in_force',
            refund: null,
          };
          booked.push(b);
          let last = p.issuedAt.getTime();
          for (const s of p.steps) {
            const when = new Date(shanghaiMidnight(addDays(p.issueDate, s.day)).getTime() + s.hour * HOUR);
            // One policy's steps happen one after another.
            expect(when.getTime()).toBeGreaterThan(last);
            last = when.getTime();
            at(when, 'steps', () => s.run(b));
          }
        }
      });
    }
    const lastIssueDate = addDays(FIRST_DAY, ISSUE_DAYS - 1);
    const lastNight = addDays(lastIssueDate, cfg.coolingOffDays + 1 + cfg.letterDays + 1);
    for (let d = addDays(FIRST_DAY, 1); d <= lastNight; d = addDays(d, 1)) {
      const t = shanghaiMidnight(d);
      at(t, 'first', async () => {
        const expected = bookNight(t);
        const actual = { notices: 0, toPhone: 0, toLetter: 0, failed: 0, errors: 0, noticeFailures: 0 };
        // Notices are work after commit: the outbox sends those of the day's new cases.
        const notices = await ctx.services.outbox.drain({ kinds: ['callback_notice'] });
        actual.notices += notices.byKind.callback_notice?.done ?? 0;
        actual.noticeFailures += notices.byKind.callback_notice?.failed ?? 0;
        // Each run takes a batch per deadline; the job runs again until nothing is due.
        for (;;) {
          const run = await ctx.services.callbacks.runCallbackDeadlines(ctx.clock.now());
          actual.toPhone += run.toPhone;
          actual.toLetter += run.toLetter;
          actual.failed += run.failed;
          actual.errors += run.errors;
          if (run.toPhone + run.toLetter + run.failed === 0) break;
        }
        nightly.push({ day: d, expected: { ...expected, errors: 0, noticeFailures: 0 }, actual });
        if (d === addDays(FIRST_DAY, 14)) {
          snapshot = {
            at: t,
            figures: await reportedFigures(FIRST_DAY, addDays(FIRST_DAY, ISSUE_DAYS)),
            books: expectedFigures(FIRST_DAY, addDays(FIRST_DAY, ISSUE_DAYS)),
          };
        }
      });
    }

    while (agenda.size) {
      const t = Math.min(...agenda.keys());
      const slot = agenda.get(t)!;
      agenda.delete(t);
      ctx.clock.set(new Date(t));
      for (const fn of slot.first) await fn();
      await inParallel(slot.steps, CONCURRENCY, (fn) => fn());
    }
  }, 900_000);
  afterAll(async () => ctx?.close());

  it('§2.7 the scenario: 1,000 long-term policies each with a case, one-year policies without, every path of the callback drawn', () => {
    expect(booked).toHaveLength(LONG_TERM);
    expect(oneYear).toHaveLength(ONE_YEAR);
    const drawn = new Set(booked.map((b) => b.outcome));
    expect([...drawn].sort()).toEqual(Object.keys(OUTCOME_WEIGHTS).sort());
    expect(new Set(booked.map((b) => b.caseId)).size).toBe(LONG_TERM);
  });

  it('§2.7 CB every night the deadline job does exactly what the books say is due: notices, phone at the fallback point, letter when the 犹豫期 ends, failure at the letter due date', () => {
    expect(nightly.map((x) => [x.day, x.actual])).toEqual(nightly.map((x) => [x.day, x.expected]));
    const sum = (k: 'notices' | 'toPhone' | 'toLetter' | 'failed') => nightly.reduce((s, x) => s + (x.actual as any)[k], 0);
    expect(sum('notices')).toBe(LONG_TERM);
    expect(sum('toPhone')).toBeGreaterThan(0);
    expect(sum('toLetter')).toBeGreaterThan(0);
    expect(sum('failed')).toBeGreaterThan(0);
  });

  it('§2.7 CB every case ends as its script says: status, method, time of success, tasks, problem cases, final records', async () => {
    const rows = await ctx.db
      .selectFrom('callback_cases')
      .select(['id', 'status', 'method', 'succeeded_at', 'notified_at', 'opened_at'])
      .execute();
    const byId = new Map(rows.map((c) => [c.id, c]));
    expect(rows).toHaveLength(LONG_TERM);
    expect(booked.map((b) => [b.n, b.status, b.method, b.succeededAt?.toISOString() ?? null, b.issuedAt.toISOString()])).toEqual(
      booked.map((b) => {
        const c = byId.get(b.caseId)!;
        return [b.n, c.status, c.method, c.succeeded_at?.toISOString() ?? null, c.opened_at.toISOString()];
      }),
    );
    expect(rows.every((c) => c.notified_at !== null)).toBe(true);
    // Nothing is left open two months on: every case concluded or closed with its policy.
    expect(booked.filter((b) => OPEN.includes(b.status))).toEqual([]);

    const tally = <T>(xs: T[], key: (x: T) => string) => {
      const m: Record<string, number> = {};
      for (const x of xs) m[key(x)] = (m[key(x)] ?? 0) + 1;
      return m;
    };
    const tasks = await ctx.db.selectFrom('callback_tasks').select(['kind', 'reason', 'status', 'end_reason']).execute();
    expect(tally(tasks, (t) => `${t.kind} ${t.reason} ${t.status} ${t.end_reason}`)).toEqual(
      tally(
        booked.flatMap((b) => b.tasks),
        (t) => `${t.kind} ${t.reason} ${t.status} ${t.endReason}`,
      ),
    );

    const problems = await ctx.db.selectFrom('callback_problems').select(['kind', 'item_code', 'status', 'close_reason']).execute();
    expect(tally(problems, (p) => `${p.kind} ${p.item_code} ${p.status} ${p.close_reason}`)).toEqual(
      tally(
        booked.flatMap((b) => b.problems),
        (p) => `${p.kind} ${p.itemCode} ${p.status} ${p.closeReason}`,
      ),
    );

    const finals = await ctx.db.selectFrom('callback_final_records').select(['outcome', 'reasons']).execute();
    expect(tally(finals, (f) => `${f.outcome} ${(f.reasons as any).summary}`)).toEqual(
      tally(
        booked.filter((b) => b.status === 'failed'),
        (b) => `failed ${b.finalSummary}`,
      ),
    );

    const answers = await ctx.db
      .selectFrom('callback_answers')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(answers.n)).toBe(booked.reduce((s, b) => s + b.answers, 0));
  });

  it('§2.7 CB mis-selling corrected and 犹豫期 cancellations: policy statuses and refunds as the books say', async () => {
    const policies = await ctx.db.selectFrom('policies').select(['id', 'status']).execute();
    const statusOf = new Map(policies.map((p) => [p.id, p.status]));
    expect(policies).toHaveLength(LONG_TERM + ONE_YEAR);
    expect(booked.map((b) => [b.n, statusOf.get(b.policy.policyId)])).toEqual(booked.map((b) => [b.n, b.policyStatus]));
    expect(oneYear.map((p) => statusOf.get(p.policyId))).toEqual(oneYear.map(() => 'in_force'));
    const refunds = await ctx.db
      .selectFrom('refunds')
      .select(['policy_id', 'reason', 'amount_fen'])
      .where('policy_id', 'is not', null)
      .execute();
    const expected = booked
      .filter((b) => b.refund)
      .map((b) => ({ policy_id: b.policy.policyId, reason: b.refund!.reason, amount_fen: b.refund!.amountFen }));
    const byPolicy = (a: { policy_id: string | null }, b: { policy_id: string | null }) => (a.policy_id! < b.policy_id! ? -1 : 1);
    expect(refunds.sort(byPolicy)).toEqual(expected.sort(byPolicy));
    expect(expected.some((x) => x.reason === 'misselling_cancellation')).toBe(true);
    // §2.7: one-year policies never had a case.
    const oneYearCases = await ctx.db
      .selectFrom('callback_cases')
      .select('id')
      .where(
        'policy_id',
        'in',
        oneYear.map((p) => p.policyId),
      )
      .execute();
    expect(oneYearCases).toEqual([]);
  });

  it('§2.7 CB figures, mid-way (day 14, some cases still open): counts per status and method, success rates by method and product, problem-case rate and time to complete are exactly the books’', () => {
    expect(snapshot).toBeDefined();
    expect(snapshot!.books.total.open).toBeGreaterThan(0);
    expect(snapshot!.figures).toEqual(snapshot!.books);
  });

  it('§2.7 CB figures at the end, for the ten days of issue and for a period inside them, are exactly the books’', async () => {
    const all = expectedFigures(FIRST_DAY, addDays(FIRST_DAY, ISSUE_DAYS));
    expect(await reportedFigures(FIRST_DAY, addDays(FIRST_DAY, ISSUE_DAYS))).toEqual(all);
    expect(all.total.opened).toBe(LONG_TERM);
    expect(all.byMethod.map((m) => m.method)).toEqual(['electronic', 'letter', 'phone', 'visit']);
    expect(all.total.failed).toBeGreaterThan(0);
    expect(all.total.cancelled).toBeGreaterThan(0);
    const inner = expectedFigures(addDays(FIRST_DAY, 3), addDays(FIRST_DAY, 7));
    expect(inner.total.opened).toBeGreaterThan(0);
    expect(inner.total.opened).toBeLessThan(LONG_TERM);
    expect(await reportedFigures(addDays(FIRST_DAY, 3), addDays(FIRST_DAY, 7))).toEqual(inner);
    // Printed for the reader of the test log: the scenario's statistics.
    console.log(
      JSON.stringify({
        outcomes: Object.fromEntries(Object.keys(OUTCOME_WEIGHTS).map((o) => [o, booked.filter((b) => b.outcome === o).length])),
        total: all.total,
        byMethod: all.byMethod,
        byProduct: all.byProduct.map((p) => ({
          productCode: p.productCode,
          opened: p.opened,
          successRate: p.successRate,
          problemCaseRate: p.problemCaseRate,
        })),
        withinCoolingOff: all.withinCoolingOff,
      }),
    );
  });
});
