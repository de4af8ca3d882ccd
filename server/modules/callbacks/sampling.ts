import { createHash, createHmac } from 'node:crypto';
import { AppError, must } from '../../platform/errors.js';
import type { ProblemItem } from '../../platform/errors.js';
import { CONNECTED_PHONE_OUTCOMES, requiredIdentityMethods, type PhoneOutcome } from './callback.js';
import { LEADING_PHRASES } from './callback-texts.js';

/**
 * Quality sampling of callbacks (回访质量抽检, CB; requirements §2.7): which completed callbacks are drawn, what the
 * checklist asks of each, and what a review may record. Pure rules; the service reads the records and writes rows.
 *
 * The draw is a keyed hash of the case id compared with the rate: it depends on nothing a member of staff can
 * choose (case ids are made by the system, the key is the platform's, the rate is the rule in effect when the
 * callback was completed), so it can be derived again at any time and checked against what was recorded.
 */

// ---------------------------------------------------------------------------------------------------------------
// Rates and rules

/** A rate is a decimal in [0, 1] with at most 6 places, held exactly as millionths. */
export const RATE_SCALE = 1_000_000n;

export function parseRate(rate: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,6})0*)?$/.exec(rate.trim());
  if (!m)
    throw new AppError('VALIDATION_FAILED', `Not a rate: ${rate}`, [
      { path: 'rate', message: 'a decimal from 0 to 1 with at most 6 places' },
    ]);
  const [, whole = '', fraction = ''] = m;
  const millionths = BigInt(whole) * RATE_SCALE + BigInt(fraction.padEnd(6, '0'));
  if (millionths > RATE_SCALE)
    throw new AppError('VALIDATION_FAILED', `A rate is at most 1: ${rate}`, [{ path: 'rate', message: 'at most 1' }]);
  return millionths;
}

/** The canonical text of a rate: `0.05`, `1`, `0`. */
export function formatRate(rate: string | bigint): string {
  const millionths = typeof rate === 'bigint' ? rate : parseRate(rate);
  const whole = millionths / RATE_SCALE;
  const frac = (millionths % RATE_SCALE).toString().padStart(6, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

export interface SamplingRule {
  id: string;
  channel: string | null;
  productCode: string | null;
  /** null: the key has no rate of its own any more; the broader rule applies. */
  rate: string | null;
  effectiveFrom: Date;
  setAt: Date;
}

export interface AppliedRate {
  /** null when no rule matched and the configured default applied. */
  ruleId: string | null;
  rate: string;
}

/**
 * The rate for a callback completed at `at` in a channel and product: the most specific rule in effect then
 * (channel and product, then product, then channel, then every channel and product); within one key the rule that
 * took effect last. A rule with no rate hands the key back to the broader rules. Rules only take effect from the
 * time they are set or later, so the answer for a past time never changes.
 */
export function applicableRate(
  rules: readonly SamplingRule[],
  c: { channel: string; productCode: string; at: Date },
  defaultRate: string,
): AppliedRate {
  const levels: Array<(r: SamplingRule) => boolean> = [
    (r) => r.channel === c.channel && r.productCode === c.productCode,
    (r) => r.channel === null && r.productCode === c.productCode,
    (r) => r.channel === c.channel && r.productCode === null,
    (r) => r.channel === null && r.productCode === null,
  ];
  for (const matches of levels) {
    let latest: SamplingRule | undefined;
    for (const r of rules) {
      if (!matches(r) || r.effectiveFrom.getTime() > c.at.getTime()) continue;
      if (!latest || compareRules(r, latest) > 0) latest = r;
    }
    if (latest?.rate != null) return { ruleId: latest.id, rate: formatRate(latest.rate) };
  }
  return { ruleId: null, rate: formatRate(defaultRate) };
}

function compareRules(a: SamplingRule, b: SamplingRule): number {
  return (
    a.effectiveFrom.getTime() - b.effectiveFrom.getTime() ||
    a.setAt.getTime() - b.setAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The draw

const DRAW_DOMAIN = 'wangbao/callback-sampling/v1\0';

/** The label the sampling key is derived under from the platform's keys. */
export const SAMPLING_KEY_LABEL = 'callback-sampling-v1';

/** A fingerprint of the key, recorded with every draw: a change of key is visible, the key is not. */
export function samplingKeyId(key: Buffer): string {
  return createHash('sha256').update('wangbao sampling key id\0').update(key).digest('hex').slice(0, 16);
}

/** The first 64 bits of HMAC-SHA-256 over the case id, as 16 hex digits: a uniform number in [0, 2^64). */
export function samplingDraw(key: Buffer, caseId: string): string {
  return createHmac('sha256', key).update(DRAW_DOMAIN).update(caseId).digest().subarray(0, 8).toString('hex');
}

/** Selected when draw / 2^64 < rate, compared exactly in integers. Raising a rate only ever adds cases. */
export function isSelected(drawHex: string, rate: string): boolean {
  if (!/^[0-9a-f]{16}$/.test(drawHex)) throw new Error(`Not a draw: ${drawHex}`);
  return BigInt(`0x${drawHex}`) * RATE_SCALE < parseRate(rate) << 64n;
}

/** The draw as a fraction of one, for people reading it (the decision uses the exact comparison). */
export function drawFraction(drawHex: string): string {
  const scaled = (BigInt(`0x${drawHex}`) * 10n ** 12n) >> 64n;
  return `0.${scaled.toString().padStart(12, '0')}`;
}

export interface DrawDecision {
  caseId: string;
  drawHex: string;
  rate: string;
  selected: boolean;
}

/** One digest over every decision of a run, sealed in the ledger: a draw later removed or altered no longer matches. */
export function drawsDigest(draws: readonly DrawDecision[]): string {
  const lines = [...draws]
    .sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0))
    .map((d) => `${d.caseId} ${d.drawHex} ${formatRate(d.rate)} ${d.selected ? 1 : 0}\n`);
  const h = createHash('sha256');
  for (const l of lines) h.update(l);
  return h.digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// The checklist

export type CheckGroup = 'completeness' | 'compliance' | 'identity';
/** `manual`: the records cannot answer it (e.g. listening to the recording); only the reviewer can. */
export type ComputedResult = 'pass' | 'fail' | 'not_applicable' | 'manual';
export type ReviewResult = 'pass' | 'fail' | 'not_applicable';

export const checklist = [
  {
    code: 'all_items_answered',
    group: 'completeness',
    title: '回访事项逐项确认完整',
    description: 'Every item of the callback was answered in the attempt that succeeded.',
  },
  {
    code: 'closing_confirmed',
    group: 'completeness',
    title: '回访确认已完成',
    description: 'The callback that succeeded ended with the closing confirmation, with its text version.',
  },
  {
    code: 'evidence_stored',
    group: 'completeness',
    title: '录音或签名回执已留存',
    description: 'A phone callback has its call recording; a letter or visit the receipt signed by the policyholder.',
  },
  {
    code: 'final_record_complete',
    group: 'completeness',
    title: '失败记录完整',
    description: 'A failed callback has its final record, every attempt its outcome, every task its end.',
  },
  {
    code: 'texts_neutral_versioned',
    group: 'compliance',
    title: '回访用语中性且留存版本',
    description: 'Each answer names the text version asked, shown before it was answered, with no leading prompt.',
  },
  {
    code: 'own_platform',
    group: 'compliance',
    title: '通过本公司自有平台开展',
    description: "Done by the policyholder or the insurer's own staff on the insurer's platform, never a third party.",
  },
  {
    code: 'within_cooling_off',
    group: 'compliance',
    title: '犹豫期内完成',
    description: 'Electronic and phone callbacks done within the 犹豫期; a failed one was tried by phone within it.',
  },
  {
    code: 'problems_recorded',
    group: 'compliance',
    title: '问题件已准确记录',
    description: 'Every "no" or "not sure" answer raised a problem case naming it.',
  },
  {
    code: 'two_methods_passed',
    group: 'identity',
    title: '至少两种身份验证方式通过',
    description: 'At least two identity methods passed in the electronic callback that succeeded.',
  },
  {
    code: 'face_where_required',
    group: 'identity',
    title: '要求人脸识别的已通过人脸识别',
    description: 'Face comparison passed where the product requires it.',
  },
  {
    code: 'identity_before_items',
    group: 'identity',
    title: '先验证身份后回访',
    description: 'The policyholder proved identity before the first item was shown.',
  },
  {
    code: 'recording_follows_script',
    group: 'compliance',
    title: '电话录音与话术一致',
    description: 'The agent read the script as shown, neutrally, and recorded each answer as given (listen to the recording).',
  },
  {
    code: 'receipt_signed_by_policyholder',
    group: 'identity',
    title: '回执由投保人本人签名',
    description: "The signed receipt bears the policyholder's own signature (inspect the scan).",
  },
  {
    code: 'no_sales_interference',
    group: 'compliance',
    title: '无销售人员干预',
    description: 'Nothing suggests the sales staff answered for or steered the policyholder.',
  },
] as const satisfies ReadonlyArray<{ code: string; group: CheckGroup; title: string; description: string }>;
export type CheckCode = (typeof checklist)[number]['code'];

export interface ComputedCheck {
  code: CheckCode;
  group: CheckGroup;
  title: string;
  computed: ComputedResult;
  /** What the records show, for the reviewer. */
  detail: string;
}

/** What the records of one completed callback say, as the checklist needs it. */
export interface CaseRecords {
  case: {
    id: string;
    status: 'succeeded' | 'failed';
    method: string | null;
    consumerId: string;
    faceRequired: boolean;
    deadlineAt: Date;
    succeededAt: Date | null;
    failedAt: Date | null;
  };
  /** The items the case's script asks, in order (built from the product version and the policy's terms). */
  expectedItemCodes: string[];
  attempts: Array<{
    id: string;
    taskId: string | null;
    method: string;
    startedAt: Date;
    startedByType: string;
    startedById: string | null;
    outcome: string | null;
    mediaKind: string | null;
    closingTextVersionId: string | null;
    closingConfirmedAt: Date | null;
    endedAt: Date | null;
  }>;
  answers: Array<{
    id: string;
    attemptId: string;
    itemCode: string;
    answer: string;
    textVersionId: string;
    textKind: string;
    textContent: string;
    recordedByType: string;
    recordedById: string | null;
    answeredAt: Date;
  }>;
  displays: Array<{ attemptId: string | null; taskId: string | null; itemCode: string; textVersionId: string; displayedAt: Date }>;
  identityChecks: Array<{ attemptId: string; method: string; result: string; checkedAt: Date }>;
  problemAnswerIds: string[];
  tasks: Array<{ id: string; status: string }>;
  media: Array<{ id: string; kind: string; uploadedAt: Date }>;
  finalRecord: { reasons: unknown } | null;
  /** Ids among the recorders and starters that are the insurer's own staff accounts. */
  staffIds: string[];
  /** The link the policyholder was sent, when the notice went out. */
  noticeLink: string | null;
  /** The platform's own address; the notice must point there. */
  platformBaseUrl: string;
}

/** Outcomes that finish a callback: a completed electronic session or call, a receipt signed. */
export const SUCCESS_OUTCOMES = ['completed', 'receipt_signed'] as const;

function successfulAttempt(r: CaseRecords) {
  if (r.case.status !== 'succeeded') return undefined;
  return r.attempts.filter((a) => a.method === r.case.method && (SUCCESS_OUTCOMES as readonly string[]).includes(a.outcome ?? '')).at(-1);
}

/** The time every identity method the case requires had passed in an attempt, or null if they never all did. */
function identityCompletedAt(r: CaseRecords, attemptId: string): Date | null {
  const required = requiredIdentityMethods(r.case.faceRequired);
  let at = 0;
  for (const m of required) {
    const pass = r.identityChecks
      .filter((c) => c.attemptId === attemptId && c.method === m && c.result === 'passed')
      .sort((a, b) => a.checkedAt.getTime() - b.checkedAt.getTime())[0];
    if (!pass) return null;
    at = Math.max(at, pass.checkedAt.getTime());
  }
  return new Date(at);
}

const iso = (d: Date) => d.toISOString();

/** Pre-computes every checklist item the records can answer; the rest are left to the reviewer as `manual`. */
export function computeChecks(r: CaseRecords): ComputedCheck[] {
  const ok = r.case.status === 'succeeded';
  const method = r.case.method;
  const win = successfulAttempt(r);
  const out = new Map<CheckCode, { computed: ComputedResult; detail: string }>();
  const set = (code: CheckCode, computed: ComputedResult, detail: string) => out.set(code, { computed, detail });

  // completeness
  if (!ok) set('all_items_answered', 'not_applicable', 'The callback failed; no attempt finished the items.');
  else if (!win) set('all_items_answered', 'fail', `No ${method ?? ''} attempt ended as completed or with a signed receipt.`);
  else {
    const answered = new Set(r.answers.filter((a) => a.attemptId === win.id).map((a) => a.itemCode));
    const missing = r.expectedItemCodes.filter((c) => !answered.has(c));
    set(
      'all_items_answered',
      missing.length ? 'fail' : 'pass',
      missing.length
        ? `Not answered: ${missing.join(', ')}`
        : `${r.expectedItemCodes.length} of ${r.expectedItemCodes.length} items answered`,
    );
  }

  if (ok) {
    const confirmedAt = win?.closingTextVersionId ? win.closingConfirmedAt : null;
    set(
      'closing_confirmed',
      confirmedAt ? 'pass' : 'fail',
      confirmedAt ? `Confirmed at ${iso(confirmedAt)} (text version ${win?.closingTextVersionId})` : 'No closing confirmation recorded',
    );
  } else set('closing_confirmed', 'not_applicable', 'The callback failed; nothing was confirmed.');

  const needed = (m: string | null) => (m === 'phone' ? 'call_recording' : m === 'letter' || m === 'visit' ? 'signed_receipt' : null);
  const kind = needed(method);
  if (ok && kind) {
    if (win?.mediaKind === kind) set('evidence_stored', 'pass', `The ${kind.replace('_', ' ')} is stored with the attempt`);
    else {
      const later = r.media.filter((m) => m.kind === kind);
      set(
        'evidence_stored',
        later.length ? 'pass' : 'fail',
        later.length
          ? `Supplemented: ${later.map((m) => `${m.id} at ${iso(m.uploadedAt)}`).join(', ')}`
          : `No ${kind.replace('_', ' ')} stored`,
      );
    }
  } else if (!ok) {
    const connected = r.attempts.filter(
      (a) => a.method === 'phone' && (CONNECTED_PHONE_OUTCOMES as readonly string[]).includes(a.outcome as PhoneOutcome),
    );
    const unrecorded = connected.filter((a) => a.mediaKind !== 'call_recording');
    if (!connected.length) set('evidence_stored', 'not_applicable', 'No call connected.');
    else
      set(
        'evidence_stored',
        unrecorded.length ? 'fail' : 'pass',
        unrecorded.length
          ? `Connected calls without a recording: ${unrecorded.map((a) => a.id).join(', ')}`
          : `${connected.length} connected call(s), each recorded`,
      );
  } else set('evidence_stored', 'not_applicable', 'The electronic callback keeps its evidence as records, not media.');

  if (ok) set('final_record_complete', 'not_applicable', 'The callback succeeded.');
  else {
    const gaps: string[] = [];
    if (!r.finalRecord) gaps.push('no final record');
    const unended = r.attempts.filter((a) => !a.outcome);
    if (unended.length) gaps.push(`attempts without an outcome: ${unended.map((a) => a.id).join(', ')}`);
    const open = r.tasks.filter((t) => t.status === 'open');
    if (open.length) gaps.push(`tasks still open: ${open.map((t) => t.id).join(', ')}`);
    set(
      'final_record_complete',
      gaps.length ? 'fail' : 'pass',
      gaps.length ? gaps.join('; ') : `Final record with ${r.attempts.length} attempt(s) and their reasons`,
    );
  }

  // compliance
  if (!r.answers.length) set('texts_neutral_versioned', 'not_applicable', 'No item was answered.');
  else {
    const taskOf = new Map(r.attempts.map((a) => [a.id, a.taskId]));
    const faults: string[] = [];
    for (const a of r.answers) {
      if (a.textKind !== 'callback_item') faults.push(`${a.itemCode}: text version ${a.textVersionId} is not a callback item`);
      const leading = LEADING_PHRASES.filter((p) => a.textContent.includes(p));
      if (leading.length) faults.push(`${a.itemCode}: leading wording ${leading.map((p) => `“${p}”`).join(' ')}`);
      const task = taskOf.get(a.attemptId) ?? null;
      const shown = r.displays.some(
        (d) =>
          d.itemCode === a.itemCode &&
          d.textVersionId === a.textVersionId &&
          (d.attemptId === a.attemptId || (task !== null && d.taskId === task)) &&
          d.displayedAt.getTime() <= a.answeredAt.getTime(),
      );
      if (!shown) faults.push(`${a.itemCode}: answered without the version being shown first`);
    }
    set(
      'texts_neutral_versioned',
      faults.length ? 'fail' : 'pass',
      faults.length ? faults.join('; ') : `${r.answers.length} answer(s), each with its shown, neutral text version`,
    );
  }

  {
    const staff = new Set(r.staffIds);
    const own = (type: string, id: string | null) =>
      type === 'consumer' ? id === r.case.consumerId : type === 'staff' ? !!id && staff.has(id) : type === 'system';
    const faults: string[] = [];
    for (const a of r.attempts)
      if (!own(a.startedByType, a.startedById)) faults.push(`attempt ${a.id} started by ${a.startedByType} ${a.startedById ?? ''}`.trim());
    for (const a of r.answers)
      if (!own(a.recordedByType, a.recordedById))
        faults.push(`answer ${a.itemCode} recorded by ${a.recordedByType} ${a.recordedById ?? ''}`.trim());
    const base = r.platformBaseUrl.replace(/\/$/, '');
    if (r.noticeLink !== null && !(r.noticeLink === base || r.noticeLink.startsWith(`${base}/`)))
      faults.push(`notice link ${r.noticeLink} is not on ${base}`);
    set(
      'own_platform',
      faults.length ? 'fail' : 'pass',
      faults.length
        ? faults.join('; ')
        : `Every attempt and answer by the policyholder or the insurer's staff${r.noticeLink ? `; notice link on ${base}` : ''}`,
    );
  }

  if (ok && (method === 'electronic' || method === 'phone')) {
    const inTime = !!r.case.succeededAt && r.case.succeededAt.getTime() <= r.case.deadlineAt.getTime();
    set(
      'within_cooling_off',
      inTime ? 'pass' : 'fail',
      `Succeeded at ${r.case.succeededAt ? iso(r.case.succeededAt) : '—'}; the 犹豫期 ends at ${iso(r.case.deadlineAt)}`,
    );
  } else if (ok) set('within_cooling_off', 'not_applicable', 'A letter or visit follows a phone callback that failed within the 犹豫期.');
  else {
    const phone = r.attempts.filter((a) => a.method === 'phone').sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())[0];
    const inTime = !!phone && phone.startedAt.getTime() <= r.case.deadlineAt.getTime();
    set(
      'within_cooling_off',
      inTime ? 'pass' : 'fail',
      phone ? `First call at ${iso(phone.startedAt)}; the 犹豫期 ends at ${iso(r.case.deadlineAt)}` : 'No phone callback was tried',
    );
  }

  {
    const raised = new Set(r.problemAnswerIds);
    const negative = r.answers.filter((a) => a.answer !== 'yes');
    const missing = negative.filter((a) => !raised.has(a.id));
    if (!negative.length) set('problems_recorded', 'not_applicable', 'Every answer was “yes”.');
    else
      set(
        'problems_recorded',
        missing.length ? 'fail' : 'pass',
        missing.length
          ? `No problem case for: ${missing.map((a) => `${a.itemCode} (${a.answer})`).join(', ')}`
          : `${negative.length} problem case(s) recorded`,
      );
  }

  // identity
  if (ok && method === 'electronic' && win) {
    const passed = [
      ...new Set(r.identityChecks.filter((c) => c.attemptId === win.id && c.result === 'passed').map((c) => c.method)),
    ].sort();
    set(
      'two_methods_passed',
      passed.length >= 2 ? 'pass' : 'fail',
      passed.length ? `Passed: ${passed.join(', ')}` : 'No identity method passed',
    );
    if (!r.case.faceRequired) set('face_where_required', 'not_applicable', 'The product does not require face comparison.');
    else
      set(
        'face_where_required',
        passed.includes('face') ? 'pass' : 'fail',
        passed.includes('face') ? 'Face comparison passed' : 'Face comparison required but not passed',
      );
    const verifiedAt = identityCompletedAt(r, win.id);
    const firstShown = [
      ...r.displays.filter((d) => d.attemptId === win.id).map((d) => d.displayedAt.getTime()),
      ...r.answers.filter((a) => a.attemptId === win.id).map((a) => a.answeredAt.getTime()),
    ].sort((a, b) => a - b)[0];
    const before = !!verifiedAt && (firstShown === undefined || verifiedAt.getTime() <= firstShown);
    set(
      'identity_before_items',
      before ? 'pass' : 'fail',
      verifiedAt
        ? `Identity complete at ${iso(verifiedAt)}; first item at ${firstShown === undefined ? '—' : iso(new Date(firstShown))}`
        : 'The required identity methods never all passed',
    );
  } else {
    const why = ok ? `Identity on a ${method} callback is judged from its recording or signed receipt.` : 'The callback failed.';
    set('two_methods_passed', 'not_applicable', why);
    set('face_where_required', 'not_applicable', why);
    set('identity_before_items', 'not_applicable', why);
  }

  // only a person can judge these
  const phoneConnected = r.attempts.some((a) => a.method === 'phone' && a.mediaKind === 'call_recording');
  set(
    'recording_follows_script',
    (ok && method === 'phone') || (!ok && phoneConnected) ? 'manual' : 'not_applicable',
    'Listen to the call recording against the script shown to the agent.',
  );
  set(
    'receipt_signed_by_policyholder',
    ok && (method === 'letter' || method === 'visit') ? 'manual' : 'not_applicable',
    'Compare the signature on the receipt scan with the application.',
  );
  set('no_sales_interference', 'manual', 'Look for answers given for the policyholder or steered by the sales staff.');

  return checklist.map((c) => ({ code: c.code, group: c.group, title: c.title, ...must(out.get(c.code), `the result of ${c.code}`) }));
}

// ---------------------------------------------------------------------------------------------------------------
// Reviews

export interface SubmittedItem {
  code: string;
  result: ReviewResult;
  note?: string;
}

export interface ValidatedReview {
  outcome: 'passed' | 'failed';
  items: Array<{ code: CheckCode; computed: ComputedResult; result: ReviewResult; note: string | null }>;
  failedItems: CheckCode[];
}

/**
 * Checks a reviewer's results against the computed checklist: every item once, none unknown; what the records
 * show as failed stays failed, what does not apply cannot be judged; a failure the records did not show needs a
 * note saying what was found; a failed sample needs findings.
 */
export function validateReview(
  checks: readonly ComputedCheck[],
  submitted: readonly SubmittedItem[],
  findings: string | null | undefined,
): ValidatedReview {
  const byCode = new Map<string, SubmittedItem>();
  const structural: ProblemItem[] = [];
  for (const [i, s] of submitted.entries()) {
    if (!checks.some((c) => c.code === s.code))
      structural.push({ path: `items.${i}.code`, code: 'unknown_item', message: `No checklist item ${s.code}` });
    else if (byCode.has(s.code)) structural.push({ path: `items.${i}.code`, code: 'duplicate_item', message: `${s.code} given twice` });
    else byCode.set(s.code, s);
  }
  for (const c of checks)
    if (!byCode.has(c.code)) structural.push({ path: 'items', code: 'missing_item', message: `No result for ${c.code}` });
  if (structural.length) throw new AppError('SAMPLE_CHECKLIST_INCOMPLETE', 'Every checklist item needs exactly one result', structural);

  const contradictions: ProblemItem[] = [];
  const notes: ProblemItem[] = [];
  const items = checks.map((c) => {
    const s = must(byCode.get(c.code), `the submitted result of ${c.code}`);
    const note = s.note?.trim() ? s.note.trim() : null;
    if (c.computed === 'fail' && s.result !== 'fail')
      contradictions.push({ path: c.code, code: 'records_show_failure', message: `The records show ${c.code} failed: ${c.detail}` });
    if (c.computed === 'not_applicable' && s.result !== 'not_applicable')
      contradictions.push({ path: c.code, code: 'not_applicable', message: `${c.code} does not apply to this callback` });
    if (c.computed !== 'not_applicable' && s.result === 'not_applicable')
      contradictions.push({ path: c.code, code: 'applies', message: `${c.code} applies to this callback` });
    if (s.result === 'fail' && c.computed !== 'fail' && !note)
      notes.push({ path: c.code, code: 'note_required', message: `Say what was found for ${c.code}` });
    return { code: c.code, computed: c.computed, result: s.result, note };
  });
  if (contradictions.length) throw new AppError('SAMPLE_CHECK_CONTRADICTS_RECORD', 'A result contradicts the records', contradictions);
  const failedItems = items.filter((i) => i.result === 'fail').map((i) => i.code);
  if (failedItems.length && !findings?.trim())
    notes.push({ path: 'findings', code: 'findings_required', message: 'A failed sample needs its findings' });
  if (notes.length) throw new AppError('VALIDATION_FAILED', 'A failure needs a note and the sample its findings', notes);
  return { outcome: failedItems.length ? 'failed' : 'passed', items, failedItems };
}

export type SampleStatus = 'awaiting_review' | 'passed' | 'rework_open' | 'awaiting_re_review' | 'failed_closed';

/**
 * A sample's status, derived from its facts: the latest review and whether a rework is open. A failed review
 * leaves a rework open (a new one, or the one already open) unless it closes the sample.
 */
export function sampleStatus(latest: { outcome: 'passed' | 'failed'; closesSample: boolean } | null, reworkOpen: boolean): SampleStatus {
  if (!latest) return 'awaiting_review';
  if (latest.outcome === 'passed') return 'passed';
  if (reworkOpen) return 'rework_open';
  return latest.closesSample ? 'failed_closed' : 'awaiting_re_review';
}

/**
 * What a new review is: the first; a re-review once the rework sent back has been completed; otherwise a
 * correction of the latest review. Closing without rework is only for a failed re-review.
 */
export function reviewKind(
  latest: { outcome: 'passed' | 'failed'; closesSample: boolean } | null,
  reworkOpen: boolean,
): 'initial' | 'correction' | 're_review' {
  if (!latest) return 'initial';
  return latest.outcome === 'failed' && !reworkOpen && !latest.closesSample ? 're_review' : 'correction';
}
