import { Decimal } from 'decimal.js';
import type { ProductDefinition } from '../products/index.js';
import type { DocumentModel } from './document-model.js';
import { addYears, shanghaiDate, type CalendarDate } from '../../platform/dates.js';
import { formatYuan } from '../../platform/money.js';

/** Everything an e-policy prints, already decided by its owners: names in full, IDs masked (M§38), amounts in fen. */
export interface EPolicyFacts {
  policyNumber: string;
  verificationCode: string;
  verificationUrl: string;
  definition: ProductDefinition;
  premiumFen: number;
  sumInsuredFen: number;
  termYears: number;
  paymentMode: 'single' | 'annual' | 'monthly';
  effectiveDate: CalendarDate;
  endDate: CalendarDate;
  coolingOffEndDate: CalendarDate;
  receivedDate: CalendarDate;
  waitingPeriodEndDate: CalendarDate | null;
  issuedAt: Date;
  status: string;
  policyholder: { name: string; idNumberMasked: string; birthDate: string; gender: 'M' | 'F' };
  insured: { name: string; idNumberMasked: string; birthDate: string; gender: 'M' | 'F'; relationship: string; ageAtIssue: number };
  beneficiaries: Array<{ name: string; shareBp: number }> | 'legal';
  /** The checkpoint that seals the issuance entry (M§33). */
  seal: { origin: string; leafIndex: number; treeSize: number; rootBase64: string } | null;
  coolingOffCostFen: number;
  generatedAt: Date;
}

const RELATIONSHIP_ZH: Record<string, string> = { self: '本人', spouse: '配偶', child: '子女', parent: '父母' };
const MODE_ZH = { single: '趸交', annual: '年交', monthly: '月交' } as const;

/** 2026-03-02 → 2026年03月02日. */
export const zhDate = (d: CalendarDate) => `${d.slice(0, 4)}年${d.slice(5, 7)}月${d.slice(8, 10)}日`;

/** The installments: a single premium, or one per year (month) of the payment term, with its due date. */
export function paymentSchedule(
  f: Pick<EPolicyFacts, 'paymentMode' | 'termYears' | 'premiumFen' | 'effectiveDate'>,
): Array<{ n: number; due: CalendarDate; fen: number }> {
  if (f.paymentMode === 'single') return [{ n: 1, due: f.effectiveDate, fen: f.premiumFen }];
  if (f.paymentMode === 'annual')
    return Array.from({ length: f.termYears }, (_, i) => ({ n: i + 1, due: addYears(f.effectiveDate, i), fen: f.premiumFen }));
  return Array.from({ length: f.termYears * 12 }, (_, i) => {
    const y = Number(f.effectiveDate.slice(0, 4)) + Math.floor((Number(f.effectiveDate.slice(5, 7)) - 1 + i) / 12);
    const m = ((Number(f.effectiveDate.slice(5, 7)) - 1 + i) % 12) + 1;
    return { n: i + 1, due: `${y}-${String(m).padStart(2, '0')}-${f.effectiveDate.slice(8, 10)}`, fen: f.premiumFen };
  });
}

/** The cash-value row of the product for this insured and contract, scaled to the sum insured. */
export function cashValues(
  f: Pick<EPolicyFacts, 'definition' | 'insured' | 'termYears' | 'paymentMode' | 'sumInsuredFen'>,
): Array<{ year: number; fen: number }> | null {
  const row = f.definition.cashValues?.find(
    (r) =>
      f.insured.ageAtIssue >= r.ageFrom &&
      f.insured.ageAtIssue <= r.ageTo &&
      (r.gender === 'any' || r.gender === f.insured.gender) &&
      r.termYears === f.termYears &&
      r.paymentMode === f.paymentMode,
  );
  if (!row) return null;
  const units = new Decimal(f.sumInsuredFen).div(1_000_000);
  return row.valuesPer10kFen.map((v, i) => ({ year: i + 1, fen: units.mul(v).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber() }));
}

/**
 * The electronic policy (M§22) as a document model: insurer, product with its filing number, parties with IDs
 * masked, cover and sums insured, premium and its schedule, term, the 犹豫期 and the rights in it, the waiting
 * period, exclusions highlighted, the cash-value table, service and complaint channels, the verification QR code
 * (M§12(6)) and the ledger checkpoint that seals the sale (M§33).
 */
export function ePolicyModel(f: EPolicyFacts): DocumentModel {
  const d = f.definition;
  const sections: DocumentModel['sections'] = [];
  const schedule = paymentSchedule(f);

  sections.push({
    heading: '一、保险合同信息',
    blocks: [
      {
        kind: 'fields',
        rows: [
          { label: '产品名称', value: d.clauseName },
          { label: d.regulatory.kind === 'approval' ? '审批文号' : '备案编号', value: d.regulatory.number },
          { label: '条款编码', value: d.regulatory.clauseCode },
          { label: '保险期间', value: `${f.termYears}年，自${zhDate(f.effectiveDate)}零时起至${zhDate(f.endDate)}二十四时止` },
          { label: '基本保险金额', value: formatYuan(f.sumInsuredFen) },
          { label: '交费方式', value: MODE_ZH[f.paymentMode] },
          { label: f.paymentMode === 'single' ? '保险费' : '每期保险费', value: formatYuan(f.premiumFen) },
          { label: '签发日期', value: zhDate(shanghaiDate(f.issuedAt)) },
        ],
      },
    ],
  });

  sections.push({
    heading: '二、投保人、被保险人与受益人',
    blocks: [
      {
        kind: 'fields',
        rows: [
          { label: '投保人', value: f.policyholder.name },
          { label: '投保人证件号码', value: f.policyholder.idNumberMasked },
          { label: '被保险人', value: f.insured.name },
          { label: '被保险人证件号码', value: f.insured.idNumberMasked },
          { label: '与投保人关系', value: RELATIONSHIP_ZH[f.insured.relationship] ?? f.insured.relationship },
          { label: '被保险人投保年龄', value: `${f.insured.ageAtIssue}周岁` },
        ],
      },
      f.beneficiaries === 'legal'
        ? { kind: 'paragraph', text: '身故保险金受益人：法定继承人。' }
        : {
            kind: 'table',
            caption: '身故保险金受益人',
            columns: [{ header: '姓名' }, { header: '受益份额', align: 'right' }],
            rows: f.beneficiaries.map((b) => [b.name, `${b.shareBp / 100}%`]),
          },
    ],
  });

  sections.push({
    heading: '三、保险责任',
    blocks: [
      {
        kind: 'table',
        columns: [
          { header: '保险责任', weight: 2 },
          { header: '说明', weight: 5 },
          { header: '保险金额', align: 'right', weight: 2 },
        ],
        rows: (d.disclosure.coverage ?? []).map((c) => [
          c.name,
          c.description,
          c.sumInsuredShare ? formatYuan(new Decimal(f.sumInsuredFen).mul(c.sumInsuredShare).toDecimalPlaces(0).toNumber()) : '—',
        ]),
      },
    ],
  });

  sections.push({
    heading: '四、保险费及交费计划',
    blocks: [
      {
        kind: 'table',
        columns: [
          { header: '期次', align: 'right' },
          { header: '应交日期', weight: 2 },
          { header: '保险费', align: 'right', weight: 2 },
        ],
        // Monthly plans run long: the first year, then the total.
        rows: [
          ...schedule.slice(0, 24).map((s) => [String(s.n), zhDate(s.due), formatYuan(s.fen)]),
          ...(schedule.length > 24 ? [['…', `共${schedule.length}期`, formatYuan(schedule.reduce((a, s) => a + s.fen, 0))]] : []),
        ],
      },
    ],
  });

  const rights = [
    `犹豫期：自您签收本电子保单之日（${zhDate(f.receivedDate)}）的次日起${d.coolingOffDays}日内，即至${zhDate(f.coolingOffEndDate)}止。`,
    `犹豫期内您可以在“网保”平台申请解除合同，本公司将在扣除不超过${formatYuan(f.coolingOffCostFen)}的工本费后无息退还全部保险费，合同自始不发生效力。`,
    '犹豫期后解除合同，本公司退还保险单的现金价值，您可能遭受一定损失。',
  ];
  sections.push({ heading: '五、犹豫期及您的权利', blocks: [{ kind: 'highlight', items: rights, numbered: false }] });

  if (f.waitingPeriodEndDate)
    sections.push({
      heading: '六、等待期',
      blocks: [
        {
          kind: 'paragraph',
          text:
            d.disclosure.waitingPeriodExplanation ??
            `等待期为${d.waitingPeriodDays}日，至${zhDate(f.waitingPeriodEndDate)}止；等待期内发生的保险事故，本公司按条款约定处理。`,
        },
      ],
    });

  sections.push({
    heading: '七、责任免除（请您特别注意）',
    blocks: [
      {
        kind: 'highlight',
        title: '因下列情形之一导致保险事故的，本公司不承担给付保险金的责任：',
        items: d.disclosure.exclusions?.length ? d.disclosure.exclusions : ['详见保险条款“责任免除”。'],
      },
    ],
  });

  const cv = cashValues(f);
  if (cv)
    sections.push({
      heading: '八、现金价值表',
      blocks: [
        {
          kind: 'table',
          caption: '保单年度末现金价值（单位：元）',
          columns: [
            { header: '保单年度', align: 'right' },
            { header: '年度末现金价值', align: 'right', weight: 2 },
          ],
          rows: cv.map((r) => [String(r.year), formatYuan(r.fen)]),
        },
        ...(d.disclosure.cashValueExplanation ? [{ kind: 'paragraph' as const, text: d.disclosure.cashValueExplanation }] : []),
      ],
    });

  sections.push({
    heading: cv ? '九、服务与投诉' : '八、服务与投诉',
    blocks: [
      {
        kind: 'paragraph',
        text:
          `客服热线：${d.insurer.servicePhone ?? '见官方网站'}；保全、理赔、投诉均可在“网保”平台在线办理。` +
          `如对处理结果有异议，可向银保监会消费者投诉热线12378反映。本电子保单与纸质保单具有同等法律效力，可扫描右上角二维码或凭保单号与验真码查验真伪。`,
      },
    ],
  });

  return {
    issuer: d.insurer.name,
    title: '电子保险单',
    subtitle: d.clauseName,
    reference: { label: '保险单号', value: f.policyNumber },
    createdAt: f.generatedAt,
    subject: `${d.clauseName} 保险单 ${f.policyNumber}`,
    keywords: ['电子保单', f.policyNumber],
    qr: { payload: f.verificationUrl, caption: ['扫码验真', `验真码 ${f.verificationCode}`] },
    sections,
    footer: f.seal
      ? `可回溯账本 ${f.seal.origin} · 签发记录第 ${f.seal.leafIndex} 条 · 检查点 ${f.seal.treeSize} · 根 ${f.seal.rootBase64}`
      : `保险单号 ${f.policyNumber} · 验真码 ${f.verificationCode}`,
  };
}
