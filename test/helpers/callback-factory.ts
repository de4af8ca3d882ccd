import { createHash } from 'node:crypto';
import type { Trx } from '../../server/db/database.js';
import { shanghaiDate } from '../../server/platform/dates.js';
import { recordEvent } from '../../server/platform/events.js';
import { newId } from '../../server/platform/ids.js';
import { registerTextVersion } from '../../server/platform/text-versions.js';
import { loadProductVersion } from '../../server/modules/products/index.js';
import { problemOf, requiredIdentityMethods, type AnswerValue } from '../../server/modules/callbacks/callback.js';
import { callbackItems, CLOSING_TEXT } from '../../server/modules/callbacks/callback-texts.js';
import type { JourneyContext } from './journey-context.js';
import { makePerson } from './people.js';

/**
 * Callback cases written straight into the tables, for tests of what reads them (sampling, figures, reports). A policy
 * is bought once per product through the journey; each case gets a policy of its own cloned from it (the tables allow
 * one case per policy). The rows are those the callback service writes: attempts and outcomes, identity checks, each
 * item shown then answered with its text version, tasks, recordings and receipts, problem cases, the final record.
 */

export type CaseOutcome = 'electronic' | 'phone' | 'letter' | 'visit' | 'failed' | 'open' | 'cancelled';

export interface CaseSpec {
  productCode?: 'TERM_LIFE_20Y' | 'UNIVERSAL_10Y';
  channel?: string;
  outcome: CaseOutcome;
  openedAt: Date;
  /** From opening to success, failure or cancellation; at least an hour. Default two days. */
  completeAfterMs?: number;
  /** Answers other than “yes”, by item code; each raises its problem case. */
  answers?: Record<string, AnswerValue>;
  /** Records a real callback would not have, for the checklist to catch. */
  flaws?: {
    skipItem?: string;
    noClosing?: boolean;
    noRecording?: boolean;
    noProblemFor?: string;
    identityMethods?: Array<'sms_code' | 'id_number' | 'face'>;
  };
}

export interface BuiltCase {
  caseId: string;
  policyId: string;
  consumerId: string;
  productCode: string;
  itemCodes: string[];
  completedAt: Date | null;
  problemIds: string[];
  attemptIds: string[];
  taskIds: string[];
}

const PRODUCTS = {
  TERM_LIFE_20Y: { termYears: 20, paymentMode: 'annual' as const, sumInsuredFen: 100_000_000 },
  UNIVERSAL_10Y: { termYears: 10, paymentMode: 'single' as const, sumInsuredFen: 10_000_000 },
};

const MIN = 60_000;

export function createCallbackFactory(ctx: JourneyContext) {
  const bases = new Map<string, Promise<{ applicationId: string; policyId: string }>>();
  let seq = 0;

  function basePolicy(productCode: keyof typeof PRODUCTS) {
    let p = bases.get(productCode);
    if (!p) {
      p = (async () => {
        const r = await ctx.buy({ productCode, ...PRODUCTS[productCode], policyholder: makePerson('回访样', '1985-06-15', 'F') });
        const pol = await ctx.db
          .selectFrom('policies')
          .select(['id', 'application_id'])
          .where('application_id', '=', r.application.id)
          .executeTakeFirstOrThrow();
        return { applicationId: pol.application_id, policyId: pol.id };
      })();
      bases.set(productCode, p);
    }
    return p;
  }

  async function clonePolicy(trx: Trx, base: { applicationId: string; policyId: string }, at: Date) {
    const app = await trx.selectFrom('applications').selectAll().where('id', '=', base.applicationId).executeTakeFirstOrThrow();
    const pol = await trx.selectFrom('policies').selectAll().where('id', '=', base.policyId).executeTakeFirstOrThrow();
    const applicationId = newId('app', at.getTime());
    const policyId = newId('pol', at.getTime());
    await trx
      .insertInto('applications')
      .values({ ...app, id: applicationId, suitability: app.suitability === null ? null : JSON.stringify(app.suitability) })
      .execute();
    seq += 1;
    await trx
      .insertInto('policies')
      .values({
        ...pol,
        id: policyId,
        application_id: applicationId,
        policy_number: `TC${String(seq).padStart(8, '0')}${createHash('sha1').update(policyId).digest('hex').slice(0, 4).toUpperCase()}`,
      })
      .execute();
    return {
      applicationId,
      policyId,
      consumerId: pol.consumer_id,
      productVersionId: pol.product_version_id,
      termYears: pol.term_years,
      paymentMode: pol.payment_mode,
    };
  }

  async function agentId(trx: Trx) {
    const a = await trx.selectFrom('staff_accounts').select('id').where('username', '=', 'demo.callback_agent').executeTakeFirstOrThrow();
    return a.id;
  }

  async function storeMedia(trx: Trx, caseId: string, kind: 'call_recording' | 'signed_receipt', by: string, at: Date) {
    const content = Buffer.from(`${kind} of ${caseId} at ${at.toISOString()}`);
    const sha256 = createHash('sha256').update(content).digest('hex');
    await trx
      .insertInto('callback_media_blobs')
      .values({
        sha256,
        media_type: kind === 'call_recording' ? 'audio/mpeg' : 'image/jpeg',
        size_bytes: content.length,
        content,
        stored_at: at,
      })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    const id = newId('cbm', at.getTime());
    await trx.insertInto('callback_media').values({ id, case_id: caseId, kind, sha256, uploaded_by: by, uploaded_at: at }).execute();
    return id;
  }

  /** Builds one callback case as the callback service would have left it. */
  async function makeCase(spec: CaseSpec): Promise<BuiltCase> {
    const productCode = spec.productCode ?? 'TERM_LIFE_20Y';
    const base = await basePolicy(productCode);
    return ctx.db.transaction().execute(async (trx) => {
      const opened = spec.openedAt;
      const p = await clonePolicy(trx, base, opened);
      const pv = (await loadProductVersion(trx, p.productVersionId))!;
      const d = pv.definition;
      const items = callbackItems({
        definition: d,
        termYears: p.termYears,
        paymentMode: p.paymentMode,
        insuredIsOther: false,
        coolingOffCostFen: ctx.config.COOLING_OFF_COST_FEN,
      });
      const ref = (code: string) => `${pv.code}@${pv.version}:${code}`;
      const texts = new Map<string, string>();
      for (const it of items)
        texts.set(
          it.code,
          (await registerTextVersion(trx, { kind: 'callback_item', ref: ref(it.code), title: it.title, content: it.content, at: opened }))
            .id,
        );
      const closingTv = (
        await registerTextVersion(trx, {
          kind: 'callback_item',
          ref: ref('closing_confirmation'),
          title: CLOSING_TEXT.title,
          content: CLOSING_TEXT.content,
          at: opened,
        })
      ).id;

      const caseId = newId('cbc', opened.getTime());
      const faceRequired = !!d.faceVerificationRequired;
      const deadlineAt = new Date(opened.getTime() + 15 * 86_400_000);
      const completedAt = spec.outcome === 'open' ? null : new Date(opened.getTime() + (spec.completeAfterMs ?? 2 * 86_400_000));
      if (completedAt && completedAt.getTime() - opened.getTime() < 60 * MIN)
        throw new Error('A case in the factory takes at least an hour');
      const agent = await agentId(trx);
      const status =
        spec.outcome === 'open'
          ? 'awaiting_electronic'
          : spec.outcome === 'failed'
            ? 'failed'
            : spec.outcome === 'cancelled'
              ? 'closed_policy_cancelled'
              : 'succeeded';
      const method =
        spec.outcome === 'electronic' || spec.outcome === 'phone' || spec.outcome === 'letter' || spec.outcome === 'visit'
          ? spec.outcome
          : null;
      const phoneAt = new Date(opened.getTime() + 10 * MIN);
      const letterAt = new Date(opened.getTime() + 30 * MIN);
      await trx
        .insertInto('callback_cases')
        .values({
          id: caseId,
          policy_id: p.policyId,
          application_id: p.applicationId,
          consumer_id: p.consumerId,
          product_version_id: p.productVersionId,
          product_code: pv.code,
          product_line: d.line,
          channel: spec.channel ?? 'direct',
          new_type: d.line === 'universal' || d.line === 'unit_linked' || d.line === 'participating',
          face_required: faceRequired,
          basis: 'term_over_one_year',
          status,
          method,
          deadline_date: shanghaiDate(new Date(deadlineAt.getTime() - 1)),
          deadline_at: deadlineAt,
          fallback_at: new Date(deadlineAt.getTime() - 5 * 86_400_000),
          opened_at: opened,
          notified_at: new Date(opened.getTime() + MIN),
          notice_message_id: `sms_${caseId}`,
          started_at: spec.outcome === 'open' || spec.outcome === 'cancelled' ? null : new Date(opened.getTime() + 2 * MIN),
          identity_verified_at: spec.outcome === 'electronic' ? new Date(completedAt!.getTime() - 20 * MIN) : null,
          phone_requested_at: spec.outcome === 'phone' ? phoneAt : null,
          phone_task_at: ['phone', 'letter', 'visit', 'failed'].includes(spec.outcome) ? phoneAt : null,
          letter_task_at: ['letter', 'visit', 'failed'].includes(spec.outcome) ? letterAt : null,
          succeeded_at: status === 'succeeded' ? completedAt : null,
          failed_at: status === 'failed' ? completedAt : null,
          closed_at: status === 'closed_policy_cancelled' ? completedAt : null,
          close_reason: status === 'closed_policy_cancelled' ? 'policy_cancelled' : null,
        })
        .execute();
      await recordEvent(trx, {
        type: 'callback.notice_sent',
        actor: { type: 'system', id: 'callback-deadlines' },
        subject: { type: 'callback_case', id: caseId },
        payload: {
          template: 'callback_notice',
          link: `${ctx.config.PUBLIC_BASE_URL}/h5/callbacks/${caseId}`,
          provider: 'dev',
          deadlineDate: shanghaiDate(deadlineAt),
        },
        at: new Date(opened.getTime() + MIN),
      });

      const built: BuiltCase = {
        caseId,
        policyId: p.policyId,
        consumerId: p.consumerId,
        productCode: pv.code,
        itemCodes: items.map((i) => i.code),
        completedAt: spec.outcome === 'open' ? null : completedAt,
        problemIds: [],
        attemptIds: [],
        taskIds: [],
      };
      if (spec.outcome === 'open') return built;

      const attempt = async (m: 'electronic' | 'phone' | 'letter' | 'visit', start: Date, taskId: string | null) => {
        const id = newId('cba', start.getTime());
        await trx
          .insertInto('callback_attempts')
          .values({
            id,
            case_id: caseId,
            task_id: taskId,
            method: m,
            started_at: start,
            started_by_type: m === 'electronic' ? 'consumer' : 'staff',
            started_by_id: m === 'electronic' ? p.consumerId : agent,
          })
          .execute();
        built.attemptIds.push(id);
        return id;
      };
      const end = async (
        attemptId: string,
        outcome: string,
        at: Date,
        extra: { mediaId?: string; closing?: string; reason?: string } = {},
      ) => {
        await trx
          .insertInto('callback_attempt_outcomes')
          .values({
            attempt_id: attemptId,
            outcome,
            reason: extra.reason ?? null,
            media_id: extra.mediaId ?? null,
            closing_text_version_id: extra.closing ?? null,
            closing_confirmed_at: extra.closing ? at : null,
            ended_at: at,
            ended_by_type: outcome === 'expired' ? 'system' : 'staff',
            ended_by_id: outcome === 'expired' ? 'callback-deadlines' : agent,
          })
          .execute();
      };
      const task = async (kind: 'phone' | 'letter_visit', at: Date, taskStatus: 'succeeded' | 'failed' | 'closed', endedAt: Date) => {
        const id = newId('cbt', at.getTime());
        await trx
          .insertInto('callback_tasks')
          .values({
            id,
            case_id: caseId,
            kind,
            reason: kind === 'phone' ? 'electronic_not_done' : 'phone_failed',
            status: taskStatus,
            opened_at: at,
            due_at: deadlineAt,
            assigned_to: agent,
            assigned_at: at,
            ended_at: endedAt,
            end_reason: taskStatus,
          })
          .execute();
        built.taskIds.push(id);
        return id;
      };
      /** Shows then answers every item, in order, from `start`, one minute apart. */
      const answerAll = async (attemptId: string, m: 'electronic' | 'phone' | 'letter' | 'visit', start: Date, taskId: string | null) => {
        let t = start.getTime();
        for (const [i, it] of items.entries()) {
          if (spec.flaws?.skipItem === it.code) continue;
          const shownAt = new Date(t);
          await trx
            .insertInto('callback_item_displays')
            .values({
              id: newId('cbd', t),
              case_id: caseId,
              attempt_id: m === 'electronic' ? attemptId : null,
              task_id: taskId,
              item_code: it.code,
              text_version_id: texts.get(it.code)!,
              shown_to: m === 'electronic' ? 'policyholder' : 'agent',
              displayed_at: shownAt,
            })
            .execute();
          const answer = spec.answers?.[it.code] ?? 'yes';
          const answerId = newId('cbr', t + 1000);
          await trx
            .insertInto('callback_answers')
            .values({
              id: answerId,
              case_id: caseId,
              attempt_id: attemptId,
              item_code: it.code,
              position: i + 1,
              answer,
              text_version_id: texts.get(it.code)!,
              method: m,
              recorded_by_type: m === 'electronic' ? 'consumer' : 'staff',
              recorded_by_id: m === 'electronic' ? p.consumerId : agent,
              displayed_at: shownAt,
              answered_at: new Date(t + 1000),
            })
            .execute();
          const kind = problemOf(it.code, answer);
          if (kind && spec.flaws?.noProblemFor !== it.code) {
            const problemId = newId('cbp', t + 1000);
            await trx
              .insertInto('callback_problems')
              .values({
                id: problemId,
                case_id: caseId,
                policy_id: p.policyId,
                kind,
                item_code: it.code,
                answer_id: answerId,
                status: 'open',
                opened_at: new Date(t + 1000),
                assigned_to: agent,
                assigned_at: new Date(t + 1000),
                resolution: null,
                resolved_at: null,
                resolved_by: null,
                closed_at: null,
                close_reason: null,
              })
              .execute();
            built.problemIds.push(problemId);
          }
          t += 20_000;
        }
      };

      const done = completedAt!;
      if (spec.outcome === 'electronic') {
        const start = new Date(done.getTime() - 25 * MIN);
        const a = await attempt('electronic', start, null);
        const methods = spec.flaws?.identityMethods ?? requiredIdentityMethods(faceRequired);
        for (const [i, m] of methods.entries())
          await trx
            .insertInto('callback_identity_checks')
            .values({
              id: newId('cbi', start.getTime()),
              case_id: caseId,
              attempt_id: a,
              method: m,
              result: 'passed',
              reason: null,
              evidence: JSON.stringify({ providerRef: `dev-${m}` }),
              checked_at: new Date(start.getTime() + (i + 1) * 1000),
            })
            .execute();
        await answerAll(a, 'electronic', new Date(done.getTime() - 20 * MIN), null);
        await end(a, 'completed', done, spec.flaws?.noClosing ? {} : { closing: closingTv });
      } else if (spec.outcome === 'cancelled') {
        // Closed before anyone started: nothing else to write.
      } else {
        // The electronic callback was begun, then stopped or left to expire.
        const e = await attempt('electronic', new Date(opened.getTime() + 2 * MIN), null);
        await end(e, spec.outcome === 'phone' ? 'stopped' : 'expired', phoneAt, {
          reason: spec.outcome === 'phone' ? 'policyholder_requested_phone' : 'not_completed_by_fallback_point',
        });
        const phoneSucceeds = spec.outcome === 'phone';
        const phoneTask = await task('phone', phoneAt, phoneSucceeds ? 'succeeded' : 'failed', phoneSucceeds ? done : letterAt);
        if (phoneSucceeds) {
          const start = new Date(done.getTime() - 25 * MIN);
          const a = await attempt('phone', start, phoneTask);
          await answerAll(a, 'phone', new Date(start.getTime() + MIN), phoneTask);
          const mediaId = spec.flaws?.noRecording ? undefined : await storeMedia(trx, caseId, 'call_recording', agent, done);
          await end(a, 'completed', done, { mediaId, closing: closingTv });
        } else {
          for (let i = 0; i < 3; i++) {
            const s = new Date(phoneAt.getTime() + (i + 1) * MIN);
            await end(await attempt('phone', s, phoneTask), 'no_answer', new Date(s.getTime() + 30_000));
          }
          const letterSucceeds = spec.outcome === 'letter' || spec.outcome === 'visit';
          const letterTask = await task('letter_visit', letterAt, letterSucceeds ? 'succeeded' : 'failed', done);
          const l = await attempt(
            letterSucceeds ? (spec.outcome as 'letter' | 'visit') : 'letter',
            new Date(letterAt.getTime() + MIN),
            letterTask,
          );
          if (letterSucceeds) {
            await answerAll(l, spec.outcome as 'letter' | 'visit', new Date(done.getTime() - 20 * MIN), letterTask);
            const mediaId = spec.flaws?.noRecording ? undefined : await storeMedia(trx, caseId, 'signed_receipt', agent, done);
            await end(l, 'receipt_signed', done, { mediaId, closing: closingTv });
          } else {
            await end(l, 'not_returned', done);
            await trx
              .insertInto('callback_final_records')
              .values({
                case_id: caseId,
                outcome: 'failed',
                reasons: JSON.stringify({ summary: 'every method failed', attempts: built.attemptIds.length }),
                recorded_at: done,
                recorded_by: 'callback-deadlines',
              })
              .execute();
          }
        }
      }
      return built;
    });
  }

  return { makeCase, basePolicy };
}
export type CallbackFactory = ReturnType<typeof createCallbackFactory>;
