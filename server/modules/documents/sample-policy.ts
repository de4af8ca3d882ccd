/**
 * A complete e-policy model of realistic size (M§22: the electronic policy is the default), used by the tests and
 * by bench/documents.ts, and a template for the issuance job: which facts go where, already formatted and masked.
 * The parties' names include characters outside GB2312 (喆, 堃, 赟) and outside the BMP (𠮷, U+20BB7).
 */
import type { DocumentModel } from './document-model.js';
import { formatYuan } from '../../platform/money.js';

/** The names every rendering test looks for in the extracted text. */
export const SAMPLE_NAMES = { policyholder: '王喆', insured: '李堃', beneficiaries: ['赵赟', '𠮷野'] } as const;

export interface SamplePolicyOptions {
  policyNumber?: string;
  verificationCode?: string;
  createdAt?: Date;
  cashValueYears?: number;
}

export function samplePolicyModel(options: SamplePolicyOptions = {}): DocumentModel {
  const policyNumber = options.policyNumber ?? 'P2025030100001234K';
  const code = options.verificationCode ?? '8K3J-2Q7M';
  const createdAt = options.createdAt ?? new Date('2025-03-01T02:12:00Z');
  const annualPremiumFen = 865_000;
  const years = options.cashValueYears ?? 20;
  const cashValues = Array.from({ length: years }, (_, i) => {
    const year = i + 1;
    const paid = annualPremiumFen * Math.min(year, 20);
    // A plausible shape: low in the first years (acquisition cost), approaching the reserve later.
    const ratio = year === 1 ? 0.12 : year === 2 ? 0.31 : Math.min(0.98, 0.42 + year * 0.028);
    const value = Math.round((paid * ratio) / 100) * 100;
    return [`第${year}年末`, `${35 + year}周岁`, formatYuan(paid, { symbol: false }), formatYuan(value, { symbol: false })];
  });
  return {
    issuer: '网保人寿保险股份有限公司',
    title: '电子保险单',
    subtitle: '网保安康终身寿险（互联网专属）',
    reference: { label: '保险单号', value: policyNumber },
    createdAt,
    subject: `保险单 ${policyNumber}`,
    keywords: ['电子保单', '网保安康终身寿险'],
    qr: {
      payload: `https://verify.wangbao.example/p/${policyNumber}?c=${code}`,
      caption: ['扫码验真', `验真码 ${code}`],
    },
    sections: [
      {
        heading: '保险合同当事人',
        blocks: [
          {
            kind: 'fields',
            rows: [
              { label: '投保人', value: SAMPLE_NAMES.policyholder },
              { label: '证件号码', value: '1101**********123X' },
              { label: '被保险人', value: SAMPLE_NAMES.insured },
              { label: '证件号码', value: '3301**********4521' },
              { label: '与投保人关系', value: '配偶' },
              { label: '联系电话', value: '138****5678' },
              {
                label: '身故受益人',
                value: `${SAMPLE_NAMES.beneficiaries[0]}（子女，50%）、${SAMPLE_NAMES.beneficiaries[1]}（父母，50%）`,
              },
              { label: '受益顺序', value: '第一顺位' },
            ],
          },
        ],
      },
      {
        heading: '合同信息',
        blocks: [
          {
            kind: 'fields',
            rows: [
              { label: '条款名称', value: '网保安康终身寿险（互联网专属）条款' },
              { label: '条款备案编号', value: '网保人寿〔2024〕终身寿险012号' },
              { label: '合同成立日', value: '2025年03月01日' },
              { label: '合同生效日', value: '2025年03月02日零时' },
              { label: '保险期间', value: '终身' },
              { label: '交费方式', value: '年交，交费期间20年' },
              { label: '等待期', value: '90日（意外伤害导致的保险事故无等待期）' },
              { label: '犹豫期', value: '2025年03月02日至2025年03月16日' },
            ],
          },
        ],
      },
      {
        heading: '保险责任与保险金额',
        blocks: [
          {
            kind: 'table',
            columns: [
              { header: '保险责任', weight: 3 },
              { header: '基本保险金额（元）', align: 'right', weight: 2 },
              { header: '年交保险费（元）', align: 'right', weight: 2 },
              { header: '交费期间', align: 'center', weight: 1.2 },
            ],
            rows: [
              ['身故或全残保险金', formatYuan(50_000_000, { symbol: false }), formatYuan(752_000, { symbol: false }), '20年'],
              ['意外身故额外保险金', formatYuan(50_000_000, { symbol: false }), formatYuan(68_000, { symbol: false }), '20年'],
              ['保险费豁免（投保人身故或全残）', '—', formatYuan(45_000, { symbol: false }), '20年'],
            ],
          },
          {
            kind: 'fields',
            columns: 1,
            rows: [
              { label: '首期保险费合计', value: `人民币捌仟陆佰伍拾元整（${formatYuan(annualPremiumFen)}）` },
              { label: '续期交费', value: '每年03月02日前，自动从投保人本人账户（尾号6621）划扣，宽限期60日' },
            ],
          },
        ],
      },
      {
        heading: '犹豫期',
        blocks: [
          {
            kind: 'paragraph',
            text:
              '自您签收本合同次日起，有15日的犹豫期。在此期间请您认真审视本合同，如果您认为本合同与您的需求不相符，' +
              '您可以在此期间提出解除本合同，我们将在扣除不超过10元的工本费后无息退还您所支付的全部保险费。' +
              '解除本合同时，您可通过本公司官方网站、手机应用或客服电话提出申请。犹豫期内解除合同的，我们自收到解除申请时起不承担保险责任。',
          },
        ],
      },
      {
        heading: '责任免除',
        blocks: [
          {
            kind: 'highlight',
            title: '因下列情形之一导致被保险人身故或全残的，我们不承担给付保险金的责任：',
            items: [
              '投保人对被保险人的故意杀害、故意伤害；',
              '被保险人故意犯罪或者抗拒依法采取的刑事强制措施；',
              '被保险人自本合同成立或者合同效力恢复之日起2年内自杀，但被保险人自杀时为无民事行为能力人的除外；',
              '被保险人主动吸食或注射毒品；',
              '被保险人酒后驾驶、无合法有效驾驶证驾驶，或驾驶无有效行驶证的机动车；',
              '战争、军事冲突、暴乱或武装叛乱；',
              '核爆炸、核辐射或核污染。',
            ],
          },
          {
            kind: 'paragraph',
            text: '发生上述第1项情形导致被保险人身故的，本合同终止，我们向投保人以外的其他权利人退还本合同的现金价值。',
          },
        ],
      },
      {
        heading: '现金价值表',
        blocks: [
          {
            kind: 'table',
            caption: '以下为各保单年度末的现金价值（基本保险金额50万元，年交保险费8,650.00元）',
            columns: [
              { header: '保单年度末', align: 'center' },
              { header: '被保险人年龄', align: 'center' },
              { header: '累计已交保险费（元）', align: 'right', weight: 1.4 },
              { header: '现金价值（元）', align: 'right', weight: 1.4 },
            ],
            rows: cashValues,
          },
        ],
      },
      {
        heading: '服务与投诉',
        blocks: [
          {
            kind: 'fields',
            columns: 1,
            rows: [
              { label: '客服电话', value: '95xxx（7×24小时）' },
              { label: '官方网站', value: 'https://www.wangbao.example' },
              { label: '投诉渠道', value: '客服电话、官方网站“在线投诉”、各分支机构柜面；我们将在收到投诉之日起15日内答复' },
              { label: '保单验真', value: `扫描右上角二维码，或在官方网站输入保险单号及验真码 ${code}` },
            ],
          },
        ],
      },
    ],
    footer:
      `本保单已记入网保可验证账本：检查点 #128734（2025-03-01 10:12:00 北京时间），根哈希 sha256:3a7bd3e2360a3d29eea436fcfb7e44c7` +
      '35d117c42d1c1835420b6b9942dd4f1b。本电子保险单经数字签名，与纸质保险单具有同等法律效力。',
  };
}
