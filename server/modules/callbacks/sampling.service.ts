import type { Config } from '../../config.js';
import type { Db, DbOrTrx } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import { loadProductVersion } from '../products/index.js';
import { callbackItems } from './callback-texts.js';
import {
  applicableRate,
  computeChecks,
  drawFraction,
  drawsDigest,
  formatRate,
  isSelected,
  parseRate,
  reviewKind,
  sampleStatus,
  samplingDraw,
  samplingKeyId,
  SAMPLING_KEY_LABEL,
  validateReview,
  type CaseRecords,
  type ComputedCheck,
  type DrawDecision,
  type SampleStatus,
  type SamplingRule,
  type SubmittedItem,
} from './sampling.js';
import * as repo from './sampling.repository.js';
import * as callbackRepo from './callback.repository.js';
import { findPolicy } from '../policies/index.js';
import { findApplication } from '../sales/index.js';
import { existingStaffIds } from '../staff/index.js';

const samplingActor: Actor = { type: 'system', id: 'callback-sampling' };
const BATCH = 500;
const READERS = ['compliance_officer', 'auditor'] as const;

export type ReworkOutcome = 'callback_redone' | 'evidence_supplemented' | 'problem_case_opened' | 'not_possible';

function toRule(r: repo.SamplingRuleRow): SamplingRule {
  return { id: r.id, channel: r.channel, productCode: r.product_code, rate: r.rate, effectiveFrom: r.effective_from, setAt: r.set_at };
}

const sameItems = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

/**
 * Quality sampling of completed callbacks (回访质量抽检, CB; requirements §2.7): rates per channel and product, the
 * reproducible draw, the checklist computed from the records, reviews by compliance officers, and rework sent back
 * to callback agents. Every row it writes is append-only and every change is an event in the ledger.
 */
export function createSamplingService(deps: { db: Db; clock: Clock; config: Config; pii: PiiCipher }) {
  const { db, clock, config, pii } = deps;
  // A secret of its own, derived from the platform's keys: staff cannot compute which cases will be drawn.
  const key = pii.deriveKey(SAMPLING_KEY_LABEL);
  const keyId = samplingKeyId(key);
  const defaultRate = formatRate(config.CALLBACK_SAMPLING_DEFAULT_RATE);
  const platformBaseUrl = config.publicBaseUrl;

  /** The policy terms a checklist reads: number, term, payment mode and who the insured is. */
  async function policyTermsOf(conn: DbOrTrx, policyId: string) {
    const p = await findPolicy(conn, policyId);
    const app = p && (await findApplication(conn, p.application_id));
    if (!p || !app) throw new Error(`Callback names a missing policy ${policyId}`);
    return {
      policy_number: p.policy_number,
      term_years: p.term_years,
      payment_mode: p.payment_mode,
      insured_relationship: app.insured_relationship,
    };
  }

  /** Everything the checklist reads about one callback. */
  async function loadRecords(conn: DbOrTrx, caseId: string): Promise<CaseRecords> {
    const c = await callbackRepo.findCase(conn, caseId);
    if (!c) throw new AppError('NOT_FOUND', 'No such callback');
    const terms = await policyTermsOf(conn, c.policy_id);
    const pv = await loadProductVersion(conn, c.product_version_id);
    if (!pv) throw new Error(`Callback ${c.id} names a missing product version`);
    const expectedItemCodes = callbackItems({
      definition: pv.definition,
      termYears: terms.term_years,
      paymentMode: terms.payment_mode,
      insuredIsOther: terms.insured_relationship !== 'self',
      coolingOffCostFen: config.COOLING_OFF_COST_FEN,
    }).map((i) => i.code);
    const { attempts, answers, displays, identityChecks, problems, tasks, media, finalRecord } = await callbackRepo.loadCaseRecord(
      conn,
      caseId,
    );
    const actorIds = [
      ...attempts.filter((a) => a.started_by_type === 'staff').map((a) => a.started_by_id),
      ...answers.filter((a) => a.recorded_by_type === 'staff').map((a) => a.recorded_by_id),
    ];
    const staffIds = await existingStaffIds(conn, [...new Set(actorIds.filter((x): x is string => !!x))]);
    return {
      case: {
        id: c.id,
        status: c.status as 'succeeded' | 'failed',
        method: c.method,
        consumerId: c.consumer_id,
        faceRequired: c.face_required,
        deadlineAt: c.deadline_at,
        succeededAt: c.succeeded_at,
        failedAt: c.failed_at,
      },
      expectedItemCodes,
      attempts: attempts.map((a) => ({
        id: a.id,
        taskId: a.task_id,
        method: a.method,
        startedAt: a.started_at,
        startedByType: a.started_by_type,
        startedById: a.started_by_id,
        outcome: a.outcome,
        mediaKind: a.media_kind,
        closingTextVersionId: a.closing_text_version_id,
        closingConfirmedAt: a.closing_confirmed_at,
        endedAt: a.ended_at,
      })),
      answers: answers.map((a) => ({
        id: a.id,
        attemptId: a.attempt_id,
        itemCode: a.item_code,
        answer: a.answer,
        textVersionId: a.text_version_id,
        textKind: a.text_kind,
        textContent: a.text_content,
        recordedByType: a.recorded_by_type,
        recordedById: a.recorded_by_id,
        answeredAt: a.answered_at,
      })),
      displays: displays.map((d) => ({
        attemptId: d.attempt_id,
        taskId: d.task_id,
        itemCode: d.item_code,
        textVersionId: d.text_version_id,
        displayedAt: d.displayed_at,
      })),
      identityChecks: identityChecks.map((i) => ({ attemptId: i.attempt_id, method: i.method, result: i.result, checkedAt: i.checked_at })),
      problemAnswerIds: problems.map((p) => p.answer_id),
      tasks: tasks.map((t) => ({ id: t.id, status: t.status })),
      media: media.map((m) => ({ id: m.id, kind: m.kind, uploadedAt: m.uploaded_at })),
      finalRecord: finalRecord ? { reasons: finalRecord.reasons } : null,
      staffIds,
      noticeLink: await callbackRepo.noticeLinkOfCase(conn, caseId),
      platformBaseUrl,
    };
  }

  /**
   * Sets the sampling rate of a channel, a product, both, or neither (the catch-all), effective from now or a later
   * time — never earlier, so no callback already completed can be drawn again at another rate. A null rate hands the
   * key back to the broader rules.
   */
  async function setRule(
    actor: Actor,
    input: { channel?: string | null; productCode?: string | null; rate: string | null; effectiveFrom?: Date; reason: string },
  ) {
    const staff = requireRole(actor, 'compliance_officer');
    const now = clock.now();
    const effectiveFrom = input.effectiveFrom ?? now;
    if (effectiveFrom.getTime() < now.getTime())
      throw new AppError('SAMPLING_RULE_RETROACTIVE', `${effectiveFrom.toISOString()} is before now (${now.toISOString()})`);
    const rate = input.rate === null ? null : formatRate(parseRate(input.rate));
    if (!input.reason.trim())
      throw new AppError('VALIDATION_FAILED', 'A rate change needs its reason', [{ path: 'reason', message: 'required' }]);
    const id = newId('cbsr', now.getTime());
    await db.transaction().execute(async (trx) => {
      await repo.insertRule(trx, {
        id,
        channel: input.channel ?? null,
        product_code: input.productCode ?? null,
        rate,
        effective_from: effectiveFrom,
        reason: input.reason.trim(),
        set_by: staff.id,
        set_at: now,
      });
      await recordEvent(trx, {
        type: 'callback.sampling_rule_set',
        actor: staff,
        subject: { type: 'callback_sampling_rule', id },
        payload: {
          channel: input.channel ?? null,
          productCode: input.productCode ?? null,
          rate,
          effectiveFrom: effectiveFrom.toISOString(),
          reason: input.reason.trim(),
        },
        at: now,
      });
    });
    return { ruleId: id, channel: input.channel ?? null, productCode: input.productCode ?? null, rate, effectiveFrom, setAt: now };
  }

  /** The rules, each marked when it is the one in effect for its key now, and the configured default. */
  async function listRules(actor: Actor) {
    requireRole(actor, ...READERS);
    const now = clock.now();
    const rows = await repo.listRules(db);
    const inEffect = new Set<string>();
    const byKey = new Map<string, repo.SamplingRuleRow>();
    for (const r of rows) if (r.effective_from.getTime() <= now.getTime()) byKey.set(`${r.channel ?? '*'}|${r.product_code ?? '*'}`, r);
    for (const r of byKey.values()) inEffect.add(r.id);
    return {
      defaultRate,
      keyId,
      rules: rows.map((r) => ({
        ruleId: r.id,
        channel: r.channel,
        productCode: r.product_code,
        rate: r.rate === null ? null : formatRate(r.rate),
        effectiveFrom: r.effective_from,
        reason: r.reason,
        setBy: r.set_by,
        setAt: r.set_at,
        inEffect: inEffect.has(r.id),
      })),
    };
  }

  /**
   * Draws every completed callback not drawn yet (succeeded by any method, or failed): the keyed hash of its id
   * against the rate in effect when it completed. Every decision is kept, selected or not, and each run seals a
   * digest of its decisions in the ledger. Selected callbacks become samples with their checklist computed from the
   * records. When it runs does not change what is drawn. Run by the daily job; a compliance officer may run it too.
   */
  async function drawSamples(opts: { actor?: Actor } = {}) {
    const actor = opts.actor ? requireRole(opts.actor, 'compliance_officer') : samplingActor;
    let drawn = 0;
    let selected = 0;
    const runs: string[] = [];
    for (;;) {
      const batch = await db.transaction().execute(async (trx) => {
        await repo.lockDrawing(trx);
        const cases = await repo.completedCasesNotDrawn(trx, BATCH);
        if (!cases.length) return 0;
        const now = clock.now();
        const runId = newId('cbsd', now.getTime());
        const rules = (await repo.listRules(trx)).map(toRule);
        const decisions: Array<DrawDecision & { completedAt: Date; ruleId: string | null; outcome: 'succeeded' | 'failed' }> = [];
        for (const c of cases) {
          const completedAt = must(c.status === 'succeeded' ? c.succeeded_at : c.failed_at, `the completion time of case ${c.id}`);
          const applied = applicableRate(rules, { channel: c.channel, productCode: c.product_code, at: completedAt }, defaultRate);
          const drawHex = samplingDraw(key, c.id);
          decisions.push({
            caseId: c.id,
            drawHex,
            rate: applied.rate,
            selected: isSelected(drawHex, applied.rate),
            completedAt,
            ruleId: applied.ruleId,
            outcome: c.status as 'succeeded' | 'failed',
          });
        }
        await repo.insertDraws(
          trx,
          decisions.map((d) => ({
            case_id: d.caseId,
            outcome: d.outcome,
            completed_at: d.completedAt,
            rule_id: d.ruleId,
            rate: d.rate,
            draw_hex: d.drawHex,
            key_id: keyId,
            selected: d.selected,
            run_id: runId,
            drawn_at: now,
          })),
        );
        let picked = 0;
        for (const d of decisions.filter((x) => x.selected)) {
          const checks = computeChecks(await loadRecords(trx, d.caseId));
          const sampleId = newId('cbs', now.getTime());
          await repo.insertSample(trx, { id: sampleId, case_id: d.caseId, checks: JSON.stringify(checks), created_at: now });
          await recordEvent(trx, {
            type: 'callback.sample_drawn',
            actor,
            subject: { type: 'callback_sample', id: sampleId },
            payload: {
              caseId: d.caseId,
              runId,
              drawHex: d.drawHex,
              rate: d.rate,
              ruleId: d.ruleId,
              keyId,
              completedAt: d.completedAt.toISOString(),
              checks: checks.map((c) => ({ code: c.code, computed: c.computed })),
            },
            at: now,
          });
          picked++;
        }
        const times = decisions.map((d) => d.completedAt.getTime());
        await recordEvent(trx, {
          type: 'callback.sampling_run',
          actor,
          subject: { type: 'callback_sampling_run', id: runId },
          payload: {
            drawn: decisions.length,
            selected: picked,
            keyId,
            digest: drawsDigest(decisions),
            completedFrom: new Date(Math.min(...times)).toISOString(),
            completedTo: new Date(Math.max(...times)).toISOString(),
          },
          at: now,
        });
        runs.push(runId);
        drawn += decisions.length;
        selected += picked;
        return cases.length;
      });
      if (batch < BATCH) break;
    }
    return { drawn, selected, runs, keyId };
  }

  /**
   * Derives again every draw of callbacks completed in [from, to): the hash from the key, the decision from the rate,
   * the rate from the rules in effect at completion; and counts completed callbacks never drawn. An audit expects
   * no mismatch; a rate that came from the default while the default has since changed is reported as such.
   */
  async function verifyDraws(actor: Actor, period: { from: Date; to: Date }) {
    requireRole(actor, ...READERS);
    const rows = await repo.drawsCompletedBetween(db, period.from, period.to);
    const rules = (await repo.listRules(db)).map(toRule);
    const mismatches: Array<{ caseId: string; problem: string }> = [];
    for (const r of rows) {
      const completedAt = r.status === 'succeeded' ? r.succeeded_at : r.failed_at;
      if (r.key_id !== keyId) {
        mismatches.push({ caseId: r.case_id, problem: `drawn under key ${r.key_id}, the platform's key is ${keyId}` });
        continue;
      }
      if (samplingDraw(key, r.case_id) !== r.draw_hex)
        mismatches.push({ caseId: r.case_id, problem: 'the recorded draw is not the keyed hash of the case id' });
      if (isSelected(r.draw_hex, r.rate) !== r.selected)
        mismatches.push({ caseId: r.case_id, problem: 'the recorded decision does not follow from the draw and the rate' });
      if (r.selected !== r.has_sample)
        mismatches.push({
          caseId: r.case_id,
          problem: r.selected ? 'selected but no sample exists' : 'a sample exists but the case was not selected',
        });
      if (!completedAt || completedAt.getTime() !== r.completed_at.getTime())
        mismatches.push({ caseId: r.case_id, problem: 'the completion time differs from the callback' });
      const applied = applicableRate(rules, { channel: r.channel, productCode: r.product_code, at: r.completed_at }, defaultRate);
      if (applied.ruleId !== r.rule_id)
        mismatches.push({
          caseId: r.case_id,
          problem: `drawn under rule ${r.rule_id ?? 'default'}, the rules give ${applied.ruleId ?? 'default'}`,
        });
      else if (parseRate(applied.rate) !== parseRate(r.rate))
        mismatches.push({
          caseId: r.case_id,
          problem: r.rule_id
            ? `rate ${formatRate(r.rate)} differs from rule ${r.rule_id}`
            : `drawn at the default ${formatRate(r.rate)}; the default is now ${defaultRate}`,
        });
    }
    return {
      from: period.from,
      to: period.to,
      keyId,
      checked: rows.length,
      selected: rows.filter((r) => r.selected).length,
      mismatches,
      undrawnCompleted: await repo.countUndrawnCompletedBetween(db, period.from, period.to),
    };
  }

  /** Samples, newest first, with their derived status. */
  async function listSamples(actor: Actor, f: { status?: SampleStatus; from?: Date; to?: Date; limit?: number } = {}) {
    requireRole(actor, ...READERS);
    // The status is derived, so it is filtered here; the period bounds what is read.
    // Without a status filter nothing is dropped after reading, so only what is returned is read.
    const rows = await repo.listSamples(db, { from: f.from, to: f.to, limit: f.status ? 10_000 : (f.limit ?? 100) });
    const out = rows
      .map((r) => ({
        sampleId: r.id,
        caseId: r.case_id,
        policyId: r.policy_id,
        channel: r.channel,
        productCode: r.product_code,
        caseStatus: r.case_status,
        method: r.method,
        completedAt: r.completed_at,
        rate: formatRate(r.rate),
        drawnAt: r.created_at,
        status: sampleStatus(r.outcome ? { outcome: r.outcome, closesSample: !!r.closes_sample } : null, !!r.rework_open),
        lastReviewedAt: r.reviewed_at ?? null,
      }))
      .filter((s) => !f.status || s.status === f.status);
    return out.slice(0, f.limit ?? 100);
  }

  /** One sample: its draw, the checklist computed when it was drawn and as the records stand now, reviews and reworks. */
  async function getSample(actor: Actor, sampleId: string) {
    requireRole(actor, ...READERS, 'callback_agent');
    return sampleView(db, sampleId);
  }

  async function sampleView(conn: DbOrTrx, sampleId: string) {
    const s = await repo.findSample(conn, sampleId);
    if (!s) throw new AppError('NOT_FOUND', 'No such sample');
    const c = must(await callbackRepo.findCase(conn, s.case_id), `callback case ${s.case_id}`);
    const draw = (await conn
      .selectFrom('callback_sampling_draws')
      .selectAll()
      .where('case_id', '=', s.case_id)
      .executeTakeFirstOrThrow()) as repo.DrawRow;
    const terms = await policyTermsOf(conn, c.policy_id);
    const reviews = await repo.reviewsOfSample(conn, sampleId);
    const items = await repo.reviewItemsOfSample(conn, sampleId);
    const reworks = await repo.reworksOfSample(conn, sampleId);
    const latest = reviews.at(-1);
    const open = reworks.some((w) => !w.completed_at);
    const checks = computeChecks(await loadRecords(conn, s.case_id));
    return {
      sampleId: s.id,
      caseId: s.case_id,
      policyId: c.policy_id,
      policyNumber: terms.policy_number,
      channel: c.channel,
      productCode: c.product_code,
      caseStatus: c.status,
      method: c.method,
      completedAt: draw.completed_at,
      drawnAt: s.created_at,
      draw: {
        drawHex: draw.draw_hex,
        fraction: drawFraction(draw.draw_hex),
        rate: formatRate(draw.rate),
        ruleId: draw.rule_id,
        keyId: draw.key_id,
        runId: draw.run_id,
      },
      status: sampleStatus(latest ? { outcome: latest.outcome, closesSample: latest.closes_sample } : null, open),
      nextReviewKind: reviewKind(latest ? { outcome: latest.outcome, closesSample: latest.closes_sample } : null, open),
      checksAtDraw: s.checks as ComputedCheck[],
      checks,
      reviews: reviews.map((r) => ({
        reviewId: r.id,
        seq: r.seq,
        kind: r.kind,
        previousReviewId: r.previous_review_id,
        outcome: r.outcome,
        closesSample: r.closes_sample,
        findings: r.findings_cipher ? pii.decrypt('answer', r.findings_cipher) : null,
        reviewerId: r.reviewer_id,
        reviewedAt: r.reviewed_at,
        items: items
          .filter((i) => i.review_id === r.id)
          .map((i) => ({
            code: i.item_code,
            computed: i.computed,
            result: i.result,
            note: i.note_cipher ? pii.decrypt('answer', i.note_cipher) : null,
          })),
      })),
      reworks: reworks.map((w) => ({
        reworkId: w.id,
        reviewId: w.review_id,
        failedItems: w.failed_items,
        openedAt: w.opened_at,
        dueAt: w.due_at,
        completion:
          w.completed_at && w.outcome && w.completed_by
            ? {
                outcome: w.outcome,
                note: w.note_cipher ? pii.decrypt('answer', w.note_cipher) : null,
                referenceId: w.reference_id,
                completedBy: w.completed_by,
                completedAt: w.completed_at,
              }
            : null,
      })),
    };
  }

  /**
   * Records a compliance officer's review of a sample: a result per checklist item, checked against what the records
   * show, and the findings. It names the latest review it follows (none for the first), so two reviewers cannot both
   * win. A failed review sends the callback back for rework; a passing correction withdraws the rework the review it
   * corrects had opened. After rework, a failed re-review may close the sample as failed instead.
   */
  async function reviewSample(
    actor: Actor,
    sampleId: string,
    input: { previousReviewId: string | null; items: SubmittedItem[]; findings?: string | null; closeSample?: boolean },
  ) {
    const staff = requireRole(actor, 'compliance_officer');
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const s = await repo.findSample(trx, sampleId, { lock: true });
      if (!s) throw new AppError('NOT_FOUND', 'No such sample');
      const reviews = await repo.reviewsOfSample(trx, sampleId);
      const latest = reviews.at(-1);
      if ((input.previousReviewId ?? null) !== (latest?.id ?? null))
        throw new AppError('SAMPLE_REVIEW_STALE', `The latest review is ${latest?.id ?? 'none'}`);
      const reworks = await repo.reworksOfSample(trx, sampleId);
      const open = reworks.find((w) => !w.completed_at);
      const kind = reviewKind(latest ? { outcome: latest.outcome, closesSample: latest.closes_sample } : null, !!open);
      const checks = computeChecks(await loadRecords(trx, s.case_id));
      const v = validateReview(checks, input.items, input.findings);
      const closes = !!input.closeSample;
      if (closes && !(v.outcome === 'failed' && kind === 're_review'))
        throw new AppError('VALIDATION_FAILED', 'Only a failed re-review after rework can close a sample', [
          { path: 'closeSample', message: `this is a ${kind} that ${v.outcome}` },
        ]);
      const reviewId = newId('cbsv', now.getTime());
      const findings = input.findings?.trim() || null;
      await repo.insertReview(
        trx,
        {
          id: reviewId,
          sample_id: sampleId,
          seq: (latest?.seq ?? 0) + 1,
          kind,
          previous_review_id: latest?.id ?? null,
          outcome: v.outcome,
          findings_cipher: findings ? pii.encrypt('answer', findings) : null,
          closes_sample: closes,
          reviewer_id: staff.id,
          reviewed_at: now,
        },
        v.items.map((i) => ({
          review_id: reviewId,
          item_code: i.code,
          computed: i.computed,
          result: i.result,
          note_cipher: i.note ? pii.encrypt('answer', i.note) : null,
        })),
      );
      await recordEvent(trx, {
        type: 'callback.sample_reviewed',
        actor: staff,
        subject: { type: 'callback_sample', id: sampleId },
        payload: {
          reviewId,
          caseId: s.case_id,
          seq: (latest?.seq ?? 0) + 1,
          kind,
          previousReviewId: latest?.id,
          outcome: v.outcome,
          closesSample: closes,
          items: v.items.map((i) => ({ code: i.code, computed: i.computed, result: i.result })),
        },
        at: now,
      });

      const withdraw = async (reworkId: string) => {
        await repo.insertReworkCompletion(trx, {
          rework_id: reworkId,
          outcome: 'withdrawn_by_review',
          note_cipher: null,
          reference_id: reviewId,
          completed_by: staff.id,
          completed_at: now,
        });
        await recordEvent(trx, {
          type: 'callback.sample_rework_completed',
          actor: staff,
          subject: { type: 'callback_sample', id: sampleId },
          payload: { reworkId, caseId: s.case_id, outcome: 'withdrawn_by_review', reviewId },
          at: now,
        });
      };
      if (open && (v.outcome === 'passed' || !sameItems(open.failed_items, v.failedItems))) await withdraw(open.id);
      const keepOpen = open && v.outcome === 'failed' && sameItems(open.failed_items, v.failedItems);
      if (v.outcome === 'failed' && !closes && !keepOpen) {
        const reworkId = newId('cbsw', now.getTime());
        const dueAt = new Date(now.getTime() + config.CALLBACK_SAMPLING_REWORK_DAYS * 86_400_000);
        await repo.insertRework(trx, {
          id: reworkId,
          sample_id: sampleId,
          review_id: reviewId,
          case_id: s.case_id,
          failed_items: v.failedItems,
          opened_at: now,
          due_at: dueAt,
        });
        await recordEvent(trx, {
          type: 'callback.sample_rework_opened',
          actor: staff,
          subject: { type: 'callback_sample', id: sampleId },
          payload: { reworkId, reviewId, caseId: s.case_id, failedItems: v.failedItems, dueAt: dueAt.toISOString() },
          at: now,
        });
      }
    });
    return sampleView(db, sampleId);
  }

  /** Reworks of failed samples for callback agents, the open ones by due date. */
  async function listReworks(actor: Actor, f: { open?: boolean; limit?: number } = {}) {
    requireRole(actor, 'callback_agent', ...READERS);
    const rows = await repo.listReworks(db, { open: f.open, limit: f.limit ?? 100 });
    return rows.map((r) => ({
      reworkId: r.id,
      sampleId: r.sample_id,
      caseId: r.case_id,
      policyId: r.policy_id,
      productCode: r.product_code,
      failedItems: r.failed_items,
      openedAt: r.opened_at,
      dueAt: r.due_at,
      completed: r.completed_at && r.outcome ? { outcome: r.outcome, completedAt: r.completed_at } : null,
    }));
  }

  /**
   * A callback agent records that the rework of a failed sample is done: what was done, a note, and the attempt,
   * recording, problem case or task of the same callback it produced, if any. Done once; the sample then awaits
   * its re-review.
   */
  async function completeRework(
    actor: Actor,
    reworkId: string,
    input: { outcome: ReworkOutcome; note: string; referenceId?: string | null },
  ) {
    const staff = requireRole(actor, 'callback_agent');
    if (!input.note.trim()) throw new AppError('VALIDATION_FAILED', 'Say what was done', [{ path: 'note', message: 'required' }]);
    const sampleId = await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const w = await repo.findRework(trx, reworkId);
      if (!w) throw new AppError('NOT_FOUND', 'No such rework');
      await repo.findSample(trx, w.sample_id, { lock: true });
      const fresh = await repo.findRework(trx, reworkId);
      if (fresh?.completed_at) throw new AppError('INVALID_STATE', 'The rework is already completed');
      if (input.referenceId && !(await repo.belongsToCase(trx, w.case_id, input.referenceId)))
        throw new AppError('SAMPLE_REWORK_REFERENCE_INVALID', `${input.referenceId} is not part of callback ${w.case_id}`);
      const inserted = await repo.insertReworkCompletion(trx, {
        rework_id: reworkId,
        outcome: input.outcome,
        note_cipher: pii.encrypt('answer', input.note.trim()),
        reference_id: input.referenceId ?? null,
        completed_by: staff.id,
        completed_at: now,
      });
      if (!inserted) throw new AppError('INVALID_STATE', 'The rework is already completed');
      await recordEvent(trx, {
        type: 'callback.sample_rework_completed',
        actor: staff,
        subject: { type: 'callback_sample', id: w.sample_id },
        payload: { reworkId, caseId: w.case_id, outcome: input.outcome, referenceId: input.referenceId ?? undefined },
        at: now,
      });
      return w.sample_id;
    });
    return sampleView(db, sampleId);
  }

  return {
    setRule,
    listRules,
    drawSamples,
    verifyDraws,
    listSamples,
    getSample,
    reviewSample,
    listReworks,
    completeRework,
    loadRecords,
    keyId,
  };
}
export type SamplingService = ReturnType<typeof createSamplingService>;
