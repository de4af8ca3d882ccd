import { workingCalendar, type CalendarDate, type WorkingCalendar } from '../../platform/dates.js';
import type { DocumentModel } from '../documents/index.js';
import { durationZh, percent, type CallbackFigures } from './callback-figures.js';
import { parseRate } from './sampling.js';

/**
 * The first-use report to the regulator (首次使用电子化回访报告, CB; requirements §2.7): the head office reports in
 * writing within 10 working days of the day it starts, covering 管理制度、信息管理系统建设情况、开展电子化回访的载体、
 * 方式、流程、适用渠道和地区范围、客户身份真实性识别手段. Every fact in it comes from configuration or the database;
 * what neither holds is listed as a gap to fill before it is sent, never invented.
 */

/**
 * The notice names 中国银保监会; its duties passed to 国家金融监督管理总局 in 2023 (the 2023 institutional reform),
 * so the report is addressed there.
 */
export const REPORT_ADDRESSEE = '国家金融监督管理总局';
export const REPORT_TITLE = '关于首次开展人身保险电子化回访工作的报告';
export const REPORT_DAYS = 10;

/** The areas the notice says the management rules must cover (应统一制定管理制度，包括…). */
export const managementAreas = [
  { area: 'flow', title: '回访流程和界面管理' },
  { area: 'archive', title: '电子档案管理' },
  { area: 'sampling', title: '回访质量抽检' },
  { area: 'problems', title: '问题件处理' },
  { area: 'disputes', title: '纠纷处理' },
  { area: 'accountability', title: '内部责任追究' },
] as const;
export type ManagementArea = (typeof managementAreas)[number]['area'];

/** Parses `area=title;area=title` (CALLBACK_MANAGEMENT_RULES). An unknown area is a configuration error. */
export function parseManagementRules(setting: string): Partial<Record<ManagementArea, string>> {
  const out: Partial<Record<ManagementArea, string>> = {};
  for (const part of setting
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const area = (eq > 0 ? part.slice(0, eq) : '').trim();
    const title = part.slice(eq + 1).trim();
    if (!managementAreas.some((a) => a.area === area) || !title)
      throw new Error(
        `CALLBACK_MANAGEMENT_RULES: "${part}" is not area=title with area one of ${managementAreas.map((a) => a.area).join(', ')}`,
      );
    out[area as ManagementArea] = title;
  }
  return out;
}

/** Comma-separated settings as a list, without blanks or repeats. */
export function listSetting(setting: string): string[] {
  return [
    ...new Set(
      setting
        .split(/[,，、]/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** The working day on which the report is due: the 10th working day after the day of first use, by the calendar given. */
export function reportDueDate(
  firstUse: CalendarDate,
  calendar: WorkingCalendar = workingCalendar(),
  workingDays = REPORT_DAYS,
): CalendarDate {
  return calendar.addWorkingDays(firstUse, workingDays);
}

export const CHANNEL_LABELS: Record<string, string> = {
  direct: '自营网络平台',
  agency: '保险专业代理机构',
  broker: '保险经纪机构',
  ancillary_agency: '保险兼业代理机构',
  bank: '银行类保险兼业代理机构',
};

export const IDENTITY_LABELS: Record<string, string> = { sms_code: '短信验证码', id_number: '身份证信息比对', face: '人脸识别' };

export const METHOD_LABELS = {
  electronic: '电子化回访',
  phone: '电话回访（全程录音）',
  letter: '信函回访（取得签名回执）',
  visit: '上门回访（取得签名回执）',
} as const;
const labelOfMethod: Readonly<Record<string, string>> = METHOD_LABELS;

export interface FirstUseReportContent {
  title: string;
  addressee: string;
  insurer: string;
  generatedAt: string;
  implementation: {
    firstUseDate: CalendarDate | null;
    /** config: CALLBACK_FIRST_USE_DATE; first_case: the day the first callback case was opened. */
    source: 'config' | 'first_case' | null;
    reportDueDate: CalendarDate | null;
    dueDateBasis: string;
  };
  managementRules: Array<{ area: ManagementArea; areaTitle: string; document: string | null; systemControls: string }>;
  system: {
    name: string;
    version: string;
    operator: string;
    platformUrl: string;
    callbackPageUrl: string;
    thirdPartyPlatform: false;
    storage: string;
    appendOnly: string;
    ledger: { origin: string; hash: string; checkpointSignature: string };
    personalDataCipher: string;
    retention: string;
  };
  carrier: {
    carriers: string[];
    methods: Array<{ method: string; label: string; when: string }>;
    parameters: Array<{ name: string; value: string }>;
  };
  channels: Array<{ channel: string; label: string; cases: number; source: 'cases' | 'config' }>;
  products: Array<{
    productCode: string;
    name: string;
    line: string;
    newType: boolean;
    termYears: number[];
    basis: 'term_over_one_year' | 'product_opt_in';
    faceRequired: boolean;
    items: number;
    cases: number;
  }>;
  regions: string[];
  identityMethods: Array<{ method: string; label: string; appliesTo: string; provider: string }>;
  sampling: {
    defaultRate: string;
    rules: Array<{ channel: string | null; productCode: string | null; rate: string | null; effectiveFrom: string }>;
    checklist: Array<{ code: string; group: string; title: string }>;
  };
  figures: CallbackFigures | null;
  gaps: string[];
}

/** A sampling rate (up to 6 places) as an exact percentage: '0.05' → '5.00%', '0.123456' → '12.3456%'. */
export function ratePercent(rate: string): string {
  const m = parseRate(rate);
  const frac = (m % 10_000n)
    .toString()
    .padStart(4, '0')
    .replace(/0{1,2}$/, '');
  return `${m / 10_000n}.${frac.length < 2 ? frac.padEnd(2, '0') : frac}%`;
}
const rateText = (rate: string | null) => (rate === null ? '不单独设定，按上级规则' : ratePercent(rate));
const GROUP_LABELS: Record<string, string> = { completeness: '完整性', compliance: '合规性', identity: '身份验证质量' };

/** The report as a document for the PDF renderer: sections in the order the notice lists the contents. */
export function firstUseReportModel(c: FirstUseReportContent, opts: { contentSha256: string; createdAt: Date }): DocumentModel {
  const impl = c.implementation;
  const sections: DocumentModel['sections'] = [
    {
      heading: '一、基本情况',
      blocks: [
        {
          kind: 'fields',
          columns: 1,
          rows: [
            { label: '报送单位', value: c.insurer },
            { label: '报送对象', value: c.addressee },
            {
              label: '电子化回访实施日',
              value: impl.firstUseDate
                ? `${impl.firstUseDate}（${impl.source === 'config' ? '按配置的实施日' : '首笔回访任务生成日'}）`
                : '尚未确定',
            },
            { label: '报告报送期限', value: impl.reportDueDate ? `${impl.reportDueDate}（${impl.dueDateBasis}）` : '—' },
            { label: '报告生成时间', value: c.generatedAt },
          ],
        },
      ],
    },
    {
      heading: '二、管理制度',
      blocks: [
        {
          kind: 'table',
          columns: [
            { header: '制度领域', weight: 2 },
            { header: '制度文件', weight: 3 },
            { header: '系统控制措施', weight: 6 },
          ],
          rows: c.managementRules.map((r) => [r.areaTitle, r.document ?? '未配置', r.systemControls]),
        },
      ],
    },
    {
      heading: '三、信息管理系统建设情况',
      blocks: [
        {
          kind: 'fields',
          columns: 1,
          rows: [
            { label: '系统名称及版本', value: `${c.system.name} ${c.system.version}` },
            { label: '运营主体', value: c.system.operator },
            { label: '平台地址', value: c.system.platformUrl },
            { label: '回访页面', value: c.system.callbackPageUrl },
            { label: '第三方平台', value: '不使用第三方平台开展电子化回访' },
            { label: '数据存储', value: c.system.storage },
            { label: '防篡改措施', value: c.system.appendOnly },
            {
              label: '可回溯账本',
              value: `${c.system.ledger.origin}；摘要算法 ${c.system.ledger.hash}；检查点签名 ${c.system.ledger.checkpointSignature}`,
            },
            { label: '个人信息加密', value: c.system.personalDataCipher },
            { label: '保管期限', value: c.system.retention },
          ],
        },
      ],
    },
    {
      heading: '四、回访载体、方式及流程',
      blocks: [
        { kind: 'highlight', title: '回访载体', items: c.carrier.carriers, numbered: false },
        {
          kind: 'table',
          caption: '回访方式及适用情形',
          columns: [
            { header: '方式', weight: 2 },
            { header: '适用情形', weight: 5 },
          ],
          rows: c.carrier.methods.map((m) => [m.label, m.when]),
        },
        {
          kind: 'table',
          caption: '流程参数',
          columns: [
            { header: '参数', weight: 4 },
            { header: '设定值', weight: 2, align: 'right' },
          ],
          rows: c.carrier.parameters.map((p) => [p.name, p.value]),
        },
      ],
    },
    {
      heading: '五、适用渠道',
      blocks: [
        c.channels.length
          ? {
              kind: 'table',
              columns: [
                { header: '渠道', weight: 3 },
                { header: '代码', weight: 2 },
                { header: '已生成回访任务', weight: 2, align: 'right' },
              ],
              rows: c.channels.map((ch) => [ch.label, ch.channel, ch.source === 'cases' ? String(ch.cases) : '0（按配置）']),
            }
          : { kind: 'paragraph', text: '尚无适用渠道。' },
      ],
    },
    {
      heading: '六、适用产品',
      blocks: [
        c.products.length
          ? {
              kind: 'table',
              columns: [
                { header: '产品', weight: 4 },
                { header: '代码', weight: 3 },
                { header: '保险期间', weight: 2 },
                { header: '回访依据', weight: 3 },
                { header: '回访事项', weight: 2, align: 'right' },
                { header: '人脸识别', weight: 2, align: 'center' },
                { header: '回访任务', weight: 2, align: 'right' },
              ],
              rows: c.products.map((p) => [
                p.name,
                p.productCode,
                p.termYears.map((y) => `${y}年`).join('、'),
                p.basis === 'term_over_one_year' ? '一年期以上人身险' : '产品选择纳入',
                String(p.items),
                p.faceRequired ? '是' : '否',
                String(p.cases),
              ]),
            }
          : { kind: 'paragraph', text: '尚无在售的需回访产品。' },
      ],
    },
    {
      heading: '七、地区范围',
      blocks: [{ kind: 'paragraph', text: c.regions.length ? c.regions.join('、') : '未配置（CALLBACK_REGIONS）' }],
    },
    {
      heading: '八、客户身份真实性识别手段',
      blocks: [
        {
          kind: 'table',
          columns: [
            { header: '手段', weight: 2 },
            { header: '适用范围', weight: 5 },
            { header: '服务提供方', weight: 2 },
          ],
          rows: c.identityMethods.map((m) => [m.label, m.appliesTo, m.provider]),
        },
        {
          kind: 'paragraph',
          text: '每次电子化回访须由投保人本人通过上表中至少两种手段验证身份后方可开始逐项确认；验证凭据仅保存服务商流水号与比对分值，不保存验证码、证件号码明文或人脸图像。',
        },
      ],
    },
    {
      heading: '九、回访质量抽检',
      blocks: [
        {
          kind: 'table',
          caption: `抽检比例（未单独设定的渠道和产品按默认比例 ${ratePercent(c.sampling.defaultRate)}）`,
          columns: [
            { header: '渠道', weight: 2 },
            { header: '产品', weight: 3 },
            { header: '比例', weight: 2, align: 'right' },
            { header: '生效时间', weight: 3 },
          ],
          rows: c.sampling.rules.length
            ? c.sampling.rules.map((r) => [
                r.channel ? (CHANNEL_LABELS[r.channel] ?? r.channel) : '全部渠道',
                r.productCode ?? '全部产品',
                rateText(r.rate),
                r.effectiveFrom,
              ])
            : [['全部渠道', '全部产品', ratePercent(c.sampling.defaultRate), '默认']],
        },
        {
          kind: 'table',
          caption: '抽检清单',
          columns: [
            { header: '类别', weight: 2 },
            { header: '检查项', weight: 6 },
          ],
          rows: c.sampling.checklist.map((i) => [GROUP_LABELS[i.group] ?? i.group, i.title]),
        },
      ],
    },
  ];
  const f = c.figures;
  if (f) {
    sections.push({
      heading: '十、开展情况',
      blocks: [
        {
          kind: 'fields',
          rows: [
            { label: '统计期间', value: `${f.period.from} 起（按回访任务生成日）` },
            { label: '回访任务', value: `${f.total.opened} 件` },
            { label: '已办结', value: `${f.total.concluded} 件` },
            { label: '回访成功率', value: percent(f.total.successRate) },
            { label: '电子化回访成功率', value: percent(f.total.electronicRate) },
            { label: '问题件率', value: percent(f.total.problemCaseRate) },
            { label: '完成时长中位数', value: durationZh(f.total.medianSeconds) },
            { label: '完成时长90分位', value: durationZh(f.total.p90Seconds) },
          ],
        },
        {
          kind: 'table',
          caption: '按回访方式',
          columns: [
            { header: '方式', weight: 3 },
            { header: '成功件数', weight: 2, align: 'right' },
            { header: '占已办结', weight: 2, align: 'right' },
          ],
          rows: f.byMethod.length
            ? f.byMethod.map((m) => [labelOfMethod[m.method] ?? m.method, String(m.succeeded), percent(m.rate)])
            : [['—', '0', '—']],
        },
      ],
    });
  }
  if (c.gaps.length)
    sections.push({
      heading: '报送前须补充的事项',
      blocks: [{ kind: 'highlight', title: '以下内容系统中尚无记录，须补充后方可报送', items: c.gaps }],
    });
  return {
    issuer: c.insurer,
    title: c.title,
    subtitle: `致${c.addressee}`,
    reference: { label: '内容摘要', value: `SHA-256 ${opts.contentSha256.slice(0, 32)}` },
    createdAt: opts.createdAt,
    subject: c.title,
    keywords: ['电子化回访', '首次开展报告'],
    sections,
    footer: `本报告由${c.system.name}依据系统配置及业务数据生成，内容摘要 SHA-256 ${opts.contentSha256}。${c.gaps.length ? '存在待补充事项，尚不可报送。' : ''}`,
  };
}
