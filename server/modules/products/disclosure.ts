import { Decimal } from 'decimal.js';
import {
  CASH_VALUE_LINES,
  LONG_TERM_ONLY_LINES,
  UNCERTAINTY_STATEMENT,
  genders,
  isNewTypeLine,
  productDefinitionSchema,
  type ProductDefinition,
  type ProductLine,
} from './product.js';

/**
 * What a sales page must show before a product may go on sale (M§9, M§14, M§17), checked as a pure function so
 * the console can show every gap at once and the service can refuse publication naming each of them.
 */

export type PublishProblemCode =
  | 'INVALID' // the definition does not match its schema
  | 'DISCLOSURE_MISSING' // an M§14 item is absent or blank
  | 'EXCLUSIONS_NOT_HIGHLIGHTED' // 责任免除 must be shown highlighted
  | 'LINE_NOT_ONLINE' // the line is not on the online allow-list (e.g. 护理险)
  | 'TERM_TOO_SHORT' // online 普通型寿险 / 年金 must run ≥ 10 years
  | 'NEW_TYPE_RISK_QUESTIONNAIRE_MISSING' // M§17(2)
  | 'NEW_TYPE_STATEMENT_MISSING' // M§17(2) “保单利益具有不确定性”
  | 'NEW_TYPE_STATEMENT_NOT_BOLD'
  | 'NEW_TYPE_STATEMENT_TOO_SMALL'
  | 'SUITABILITY_QUESTIONNAIRE_MISSING' // M§17: needs and ability to pay
  | 'QUESTIONNAIRE_INVALID'
  | 'COOLING_OFF_TOO_SHORT'
  | 'RATING_GAP' // an offered combination has no premium
  | 'RATING_AMBIGUOUS' // an offered combination has two premiums
  | 'CASH_VALUE_GAP'; // a cash-value line lacks values for an offered combination

export interface PublishProblem {
  /** Where in the definition the problem is, dotted: `disclosure.exclusions`. */
  path: string;
  code: PublishProblemCode;
  /** Names the missing item in zh-CN and en. */
  message: string;
}

/** The codes that make a product unsellable online whatever its disclosure says. */
export const LINE_PROBLEM_CODES: readonly PublishProblemCode[] = ['LINE_NOT_ONLINE', 'TERM_TOO_SHORT'];
/** The M§17(2) codes for 投连/万能/分红. */
export const NEW_TYPE_PROBLEM_CODES: readonly PublishProblemCode[] = [
  'NEW_TYPE_RISK_QUESTIONNAIRE_MISSING',
  'NEW_TYPE_STATEMENT_MISSING',
  'NEW_TYPE_STATEMENT_NOT_BOLD',
  'NEW_TYPE_STATEMENT_TOO_SMALL',
];

/** The M§14 items a page must carry: [path, zh-CN, en]. Order is the order of the page. */
const REQUIRED_TEXT_ITEMS: ReadonlyArray<readonly [string, string, string]> = [
  ['clauseName', '条款名称', 'clause name'],
  ['promotionalName', '推广名称', 'promotional name'],
  ['insurer.name', '保险公司名称', 'insurer name'],
  ['regulatory.number', '审批文号或备案编号/产品注册号', 'approval or filing number'],
  ['regulatory.clauseCode', '备案文件编号或条款编码', 'filing document number or clause code'],
  ['disclosure.clauseText', '保险条款', 'clause text'],
  ['disclosure.premiumExplanation', '保费说明', 'premium explanation'],
  ['disclosure.claimConditions', '理赔条件', 'claim conditions'],
  ['disclosure.claimProcess', '理赔流程', 'claim process'],
  ['disclosure.fees', '费用扣除说明', 'fee deductions'],
  ['disclosure.surrenderLoss', '退保损失说明', 'surrender loss'],
  ['disclosure.disclosureDuty', '如实告知义务及违反的后果', 'duty of disclosure (如实告知) and its consequence'],
  ['disclosure.onlineServiceStatement', '能否全流程线上服务的说明', 'online-service statement'],
  ['disclosure.noBranchWarning', '未设分支机构地区的提示', 'warning about places with no branch'],
  ['disclosure.policyDelivery', '保单送达方式', 'policy delivery'],
  ['disclosure.invoiceDelivery', '发票送达方式', 'invoice delivery'],
  ['disclosure.purchaseNotice', '投保须知', 'purchase notice (投保须知)'],
];

const LABELS: Record<string, readonly [string, string]> = Object.fromEntries(
  REQUIRED_TEXT_ITEMS.map(([p, zh, en]) => [p, [zh, en] as const]),
);
Object.assign(LABELS, {
  'disclosure.exclusions': ['责任免除（须突出显示）', 'exclusions (highlighted)'],
  'disclosure.coverage': ['保险责任', 'coverage'],
  'disclosure.paymentMethods': ['支付方式', 'payment methods'],
  'disclosure.cashValueExplanation': ['现金价值说明', 'cash value explanation'],
  coolingOffDays: ['犹豫期', 'cooling-off period (犹豫期)'],
  waitingPeriodDays: ['等待期', 'waiting period'],
});

function missing(path: string): PublishProblem {
  const [zh, en] = LABELS[path] ?? [path, path];
  return { path, code: 'DISCLOSURE_MISSING', message: `缺少${zh} / missing ${en}` };
}

function isBlank(v: unknown): boolean {
  return typeof v !== 'string' || v.trim() === '';
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

type Loose = Partial<Omit<ProductDefinition, 'disclosure' | 'questionnaires'>> & {
  disclosure?: Partial<ProductDefinition['disclosure']>;
  questionnaires?: Partial<ProductDefinition['questionnaires'][number]>[];
};

/**
 * Every reason the definition may not be published, empty when it may. Takes the definition as stored (possibly an
 * incomplete draft, even one that no longer matches the schema) and names each missing M§14 item, each M§17(2)
 * new-type rule, the online-line limits, and each gap in the rating and cash-value tables.
 */
export function checkPublishable(definition: unknown, opts: { onlineLineAllowList: readonly string[] }): PublishProblem[] {
  const problems: PublishProblem[] = [];
  const d = (definition ?? {}) as Loose;
  const line = d.line as ProductLine | undefined;

  // M§14(1)–(4): names, numbers, clauses, premium, exclusions, claims, fees, surrender, delivery.
  for (const [path] of REQUIRED_TEXT_ITEMS) if (isBlank(get(d, path))) problems.push(missing(path));

  const exclusions = d.disclosure?.exclusions;
  if (!Array.isArray(exclusions) || exclusions.length === 0 || exclusions.some(isBlank)) problems.push(missing('disclosure.exclusions'));
  if (d.disclosure?.exclusionsHighlighted === false) {
    problems.push({
      path: 'disclosure.exclusionsHighlighted',
      code: 'EXCLUSIONS_NOT_HIGHLIGHTED',
      message: '责任免除须以显著方式突出显示 / exclusions must be shown highlighted',
    });
  }
  const coverage = d.disclosure?.coverage;
  if (!Array.isArray(coverage) || coverage.length === 0) problems.push(missing('disclosure.coverage'));
  const paymentMethods = d.disclosure?.paymentMethods;
  if (!Array.isArray(paymentMethods) || paymentMethods.length === 0 || paymentMethods.some(isBlank))
    problems.push(missing('disclosure.paymentMethods'));

  if (typeof d.coolingOffDays !== 'number') problems.push(missing('coolingOffDays'));
  else if (d.coolingOffDays < 10) {
    problems.push({
      path: 'coolingOffDays',
      code: 'COOLING_OFF_TOO_SHORT',
      message: `犹豫期不得少于10日，现为${d.coolingOffDays}日 / the cooling-off period must be at least 10 days`,
    });
  }
  if (typeof d.waitingPeriodDays !== 'number') problems.push(missing('waitingPeriodDays'));

  const hasCashValue = (line !== undefined && CASH_VALUE_LINES.includes(line)) || (Array.isArray(d.cashValues) && d.cashValues.length > 0);
  if (hasCashValue && isBlank(d.disclosure?.cashValueExplanation)) problems.push(missing('disclosure.cashValueExplanation'));

  // Online lines (requirements §2.1): the configurable allow-list, and ≥ 10 years for ordinary life and annuity.
  if (line !== undefined && !opts.onlineLineAllowList.includes(line)) {
    problems.push({
      path: 'line',
      code: 'LINE_NOT_ONLINE',
      message: `险种“${line}”不在互联网可销售范围内 / the line ${line} may not be sold online`,
    });
  }
  if (line !== undefined && LONG_TERM_ONLY_LINES.includes(line)) {
    for (const t of d.termOptionsYears ?? []) {
      if (t < 10)
        problems.push({
          path: 'termOptionsYears',
          code: 'TERM_TOO_SHORT',
          message: `普通型寿险和年金须保险期间不少于10年，${t}年不可 / ordinary life and annuity need a term of at least 10 years, not ${t}`,
        });
    }
  }

  // Questionnaires: well formed, and the suitability questionnaire every product needs (M§17).
  const questionnaires = Array.isArray(d.questionnaires) ? d.questionnaires : [];
  problems.push(...checkQuestionnaires(questionnaires));
  const suitability = questionnaires.find((q) => q.kind === 'suitability');
  const suitabilityOptions = suitability?.items?.flatMap((i) => i.options ?? []) ?? [];
  if (
    !suitability ||
    !suitabilityOptions.some((o) => o.annualIncomeFen !== undefined) ||
    !suitabilityOptions.some((o) => o.need !== undefined)
  ) {
    problems.push({
      path: 'questionnaires',
      code: 'SUITABILITY_QUESTIONNAIRE_MISSING',
      message: '缺少适当性问卷（投保需求与年收入） / missing the suitability questionnaire (needs and annual income)',
    });
  }

  // M§17(2): 投连/万能/分红 need a risk-tolerance assessment and the bold uncertainty statement.
  if (line !== undefined && isNewTypeLine(line)) {
    const risk = questionnaires.find((q) => q.kind === 'risk_tolerance');
    const scored = risk?.items?.every((i) => (i.options ?? []).every((o) => typeof o.score === 'number')) ?? false;
    if (!risk || !scored) {
      problems.push({
        path: 'questionnaires',
        code: 'NEW_TYPE_RISK_QUESTIONNAIRE_MISSING',
        message: '新型产品须在投保前进行风险承受能力测评（计分问卷） / a new-type product needs a scored risk-tolerance questionnaire',
      });
    }
    const st = d.disclosure?.uncertaintyStatement;
    if (!st || isBlank(st.text) || !st.text.includes(UNCERTAINTY_STATEMENT)) {
      problems.push({
        path: 'disclosure.uncertaintyStatement',
        code: 'NEW_TYPE_STATEMENT_MISSING',
        message: `缺少“${UNCERTAINTY_STATEMENT}”提示 / missing the uncertainty statement`,
      });
    } else {
      if (st.bold !== true) {
        problems.push({
          path: 'disclosure.uncertaintyStatement.bold',
          code: 'NEW_TYPE_STATEMENT_NOT_BOLD',
          message: `“${UNCERTAINTY_STATEMENT}”须加粗 / the uncertainty statement must be bold`,
        });
      }
      const nameSize = d.disclosure?.productNameFontSizePx;
      if (typeof nameSize !== 'number' || typeof st.fontSizePx !== 'number' || st.fontSizePx < nameSize) {
        problems.push({
          path: 'disclosure.uncertaintyStatement.fontSizePx',
          code: 'NEW_TYPE_STATEMENT_TOO_SMALL',
          message: `“${UNCERTAINTY_STATEMENT}”字号不得小于产品名称字号（${st.fontSizePx ?? '?'}px < ${nameSize ?? '?'}px） / the statement may not be smaller than the product name`,
        });
      }
    }
  }

  // Internal consistency: every combination offered has exactly one premium, and a cash value where one is built.
  problems.push(...checkTables(d, hasCashValue && line !== undefined && CASH_VALUE_LINES.includes(line)));

  // Anything else the schema refuses, unless a named problem above already covers that path.
  const parsed = productDefinitionSchema.safeParse(definition);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      if (problems.some((p) => path === p.path || path.startsWith(`${p.path}.`) || p.path.startsWith(`${path}.`))) continue;
      problems.push({ path: path || '(root)', code: 'INVALID', message: issue.message });
    }
  }
  return problems;
}

function checkQuestionnaires(questionnaires: Loose['questionnaires'] & object): PublishProblem[] {
  const out: PublishProblem[] = [];
  const seen = new Set<string>();
  questionnaires.forEach((q, qi) => {
    const base = `questionnaires.${qi}`;
    if (q.code && seen.has(q.code))
      out.push({ path: `${base}.code`, code: 'QUESTIONNAIRE_INVALID', message: `问卷编码重复：${q.code} / duplicate questionnaire code` });
    if (q.code) seen.add(q.code);
    const items = q.items ?? [];
    const itemCodes = new Set<string>();
    items.forEach((item, ii) => {
      if (itemCodes.has(item.code))
        out.push({
          path: `${base}.items.${ii}.code`,
          code: 'QUESTIONNAIRE_INVALID',
          message: `题目编码重复：${item.code} / duplicate item code`,
        });
      itemCodes.add(item.code);
      const optionCodes = new Set((item.options ?? []).map((o) => o.code));
      if (optionCodes.size !== (item.options ?? []).length)
        out.push({
          path: `${base}.items.${ii}.options`,
          code: 'QUESTIONNAIRE_INVALID',
          message: `选项编码重复：${item.code} / duplicate option code`,
        });
      if ((q.kind === 'health' || q.kind === 'occupation') && (item.options ?? []).some((o) => o.underwriting === undefined)) {
        out.push({
          path: `${base}.items.${ii}.options`,
          code: 'QUESTIONNAIRE_INVALID',
          message: `核保问卷的每个选项须有核保结论：${item.code} / every option of an underwriting question needs an outcome`,
        });
      }
    });
  });
  return out;
}

function checkTables(d: Loose, needsCashValues: boolean): PublishProblem[] {
  const out: PublishProblem[] = [];
  const terms = d.termOptionsYears ?? [];
  const modes = d.paymentModes ?? [];
  const min = d.entryAge?.min;
  const max = d.entryAge?.max;
  if (typeof min !== 'number' || typeof max !== 'number' || min > max) return out;
  const rows = Array.isArray(d.ratingTable) ? d.ratingTable : [];
  const cash = Array.isArray(d.cashValues) ? d.cashValues : [];
  for (const row of rows) {
    if (
      row &&
      typeof row.premiumPer10kFen === 'string' &&
      /^\d+(\.\d+)?$/.test(row.premiumPer10kFen) &&
      new Decimal(row.premiumPer10kFen).lte(0)
    ) {
      out.push({ path: 'ratingTable', code: 'RATING_GAP', message: '费率不得为零 / a premium rate may not be zero' });
      break;
    }
  }
  for (const termYears of terms) {
    for (const mode of modes) {
      for (const gender of genders) {
        const gaps: number[] = [];
        const ambiguous: number[] = [];
        const cashGaps: number[] = [];
        for (let age = min; age <= max; age++) {
          const matches = rows.filter((r) => matchesRow(r, { age, gender, termYears, paymentMode: mode }));
          if (matches.length === 0) gaps.push(age);
          if (matches.length > 1) ambiguous.push(age);
          if (needsCashValues) {
            const cv = cash.filter((r) => matchesRow(r, { age, gender, termYears, paymentMode: mode }));
            const [only] = cv;
            if (cv.length !== 1 || only?.valuesPer10kFen.length !== termYears) cashGaps.push(age);
          }
        }
        const combo = `${termYears}年/${mode}/${gender}`;
        if (gaps.length)
          out.push({
            path: 'ratingTable',
            code: 'RATING_GAP',
            message: `费率表缺少 ${combo} 年龄 ${ranges(gaps)} / no premium for ${combo} at ages ${ranges(gaps)}`,
          });
        if (ambiguous.length)
          out.push({
            path: 'ratingTable',
            code: 'RATING_AMBIGUOUS',
            message: `费率表对 ${combo} 年龄 ${ranges(ambiguous)} 有多个费率 / several premiums for ${combo} at ages ${ranges(ambiguous)}`,
          });
        if (cashGaps.length)
          out.push({
            path: 'cashValues',
            code: 'CASH_VALUE_GAP',
            message: `现金价值表缺少 ${combo} 年龄 ${ranges(cashGaps)}（须逐年列示） / no year-by-year cash values for ${combo} at ages ${ranges(cashGaps)}`,
          });
      }
    }
  }
  return out;
}

export function matchesRow(
  row: { ageFrom: number; ageTo: number; gender: string; termYears: number; paymentMode: string },
  q: { age: number; gender: string; termYears: number; paymentMode: string },
): boolean {
  return (
    row.ageFrom <= q.age &&
    q.age <= row.ageTo &&
    (row.gender === 'any' || row.gender === q.gender) &&
    row.termYears === q.termYears &&
    row.paymentMode === q.paymentMode
  );
}

function ranges(ns: number[]): string {
  const [first, ...rest] = ns;
  if (first === undefined) return '';
  const parts: string[] = [];
  let start = first;
  let prev = start;
  for (const n of [...rest, Number.NaN]) {
    if (n === prev + 1) {
      prev = n;
      continue;
    }
    parts.push(start === prev ? `${start}` : `${start}–${prev}`);
    start = n;
    prev = n;
  }
  return parts.join(',');
}

/** A part of the consumer-facing page, registered as a text version when the product is published. */
export interface DisclosureSection {
  key: string;
  title: string;
  content: string;
  /** Shown highlighted: 责任免除 (M§14), the uncertainty statement (M§17(2)). */
  highlight: boolean;
}

const paymentModeNames: Record<string, string> = { single: '趸交', annual: '年交', monthly: '月交' };

/** The sections of a product's sales page, in page order; each becomes one text version at publication. */
export function disclosureSections(def: ProductDefinition): DisclosureSection[] {
  const x = def.disclosure;
  const s: DisclosureSection[] = [];
  const add = (key: string, title: string, content: string | undefined, highlight = false) => {
    if (content && content.trim()) s.push({ key, title, content, highlight });
  };
  const numberLabel = def.regulatory.kind === 'approval' ? '审批文号' : '备案编号（产品注册号）';
  add(
    'productInfo',
    '产品基本信息',
    [
      `条款名称：${def.clauseName}`,
      `推广名称：${def.promotionalName}`,
      `保险公司：${def.insurer.name}`,
      `${numberLabel}：${def.regulatory.number}`,
      `条款编码：${def.regulatory.clauseCode}`,
      `保险期间：${def.termOptionsYears.map((t) => `${t}年`).join('、')}；交费方式：${def.paymentModes.map((m) => paymentModeNames[m] ?? m).join('、')}`,
      `投保年龄：${def.entryAge.min}周岁至${def.entryAge.max}周岁`,
    ].join('\n'),
  );
  if (def.disclosure.uncertaintyStatement && isNewTypeLine(def.line))
    add('uncertaintyStatement', '风险提示', def.disclosure.uncertaintyStatement.text, true);
  add('coverage', '保险责任', (x.coverage ?? []).map((c, i) => `${i + 1}. ${c.name}：${c.description}`).join('\n'));
  add('exclusions', '责任免除', (x.exclusions ?? []).map((e, i) => `${i + 1}. ${e}`).join('\n'), true);
  add('clause', '保险条款', x.clauseText);
  add('premium', '保费说明', x.premiumExplanation);
  add('claimConditions', '理赔条件', x.claimConditions);
  add('claimProcess', '理赔流程', x.claimProcess);
  add(
    'coolingOff',
    '犹豫期',
    `本产品犹豫期为${def.coolingOffDays}日，自投保人签收电子保单之日的次日起算。犹豫期内投保人可申请解除合同，本公司扣除不超过10元的工本费后无息退还全部保险费，合同自始无效。`,
  );
  add(
    'waitingPeriod',
    '等待期',
    x.waitingPeriodExplanation?.trim()
      ? x.waitingPeriodExplanation
      : def.waitingPeriodDays > 0
        ? `本产品等待期为${def.waitingPeriodDays}日，自合同生效之日起算。等待期内因疾病发生的保险事故，本公司不承担保险责任；因意外伤害发生的保险事故不受等待期限制。`
        : '本产品无等待期，自合同生效之日起承担保险责任。',
  );
  add('fees', '费用扣除', x.fees);
  add('surrenderLoss', '退保损失', x.surrenderLoss);
  add('cashValue', '现金价值', x.cashValueExplanation);
  add('disclosureDuty', '如实告知', x.disclosureDuty, true);
  add('onlineService', '线上服务说明', x.onlineServiceStatement);
  add('noBranchWarning', '未设分支机构地区提示', x.noBranchWarning);
  add('paymentMethods', '支付方式', (x.paymentMethods ?? []).join('\n'));
  add('policyDelivery', '保单送达', x.policyDelivery);
  add('invoiceDelivery', '发票送达', x.invoiceDelivery);
  add('purchaseNotice', '投保须知', x.purchaseNotice);
  return s;
}

/** The key of a questionnaire item among a version's text versions. */
export function questionnaireItemKey(questionnaireCode: string, itemCode: string): string {
  return `${questionnaireCode}.${itemCode}`;
}

/** The text a consumer sees for a questionnaire item: the question and its options, one a line (the sales module registers the same). */
export function questionnaireItemText(item: ProductDefinition['questionnaires'][number]['items'][number]): string {
  return [item.text, ...item.options.map((o) => `[${o.code}] ${o.label}`)].join('\n');
}
