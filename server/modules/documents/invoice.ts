import { Decimal } from 'decimal.js';
import type { ProductDefinition } from '../products/index.js';
import type { DocumentModel } from './document-model.js';
import { zhDate } from './e-policy.js';
import { formatYuan } from '../../platform/money.js';
import { shanghaiDate } from '../../platform/dates.js';

/**
 * VAT on a premium (财税〔2016〕36号 附件3): premiums of life insurance and of health insurance with a term of one
 * year or more are exempt; other insurance services (accident, short-term health) carry 6%.
 */
export function taxTreatment(line: ProductDefinition['line'], termYears: number): { exempt: boolean; rateBp: number } {
  const lifeLines = ['term_life', 'whole_life', 'annuity', 'universal', 'unit_linked', 'participating'];
  if (lifeLines.includes(line) && termYears >= 1) return { exempt: true, rateBp: 0 };
  if (line === 'health' && termYears >= 1) return { exempt: true, rateBp: 0 };
  return { exempt: false, rateBp: 600 };
}

/** 价税合计 split into amount and tax, in fen: the amount rounded half-up, the tax whatever remains. */
export function splitTax(totalFen: number, rateBp: number): { amountExclTaxFen: number; taxFen: number } {
  const excl = new Decimal(totalFen)
    .div(new Decimal(10_000 + rateBp).div(10_000))
    .toDecimalPlaces(0, Decimal.ROUND_HALF_UP)
    .toNumber();
  return { amountExclTaxFen: excl, taxFen: totalFen - excl };
}

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const UNITS = ['', '拾', '佰', '仟'] as const;
const GROUPS = ['', '万', '亿', '万亿'] as const;

/** 人民币大写: ¥1,234.50 → 壹仟贰佰叁拾肆元伍角整. */
export function amountInWords(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError('amountInWords takes a non-negative whole number of fen');
  const yuanPart = Math.floor(fen / 100);
  const jiao = Math.floor((fen % 100) / 10);
  const f = fen % 10;
  let words = '';
  if (yuanPart > 0) {
    const groups: number[] = [];
    for (let n = yuanPart; n > 0; n = Math.floor(n / 10_000)) groups.push(n % 10_000);
    let pendingZero = false;
    for (const [g, group] of [...groups.entries()].reverse()) {
      if (group === 0) {
        pendingZero = words !== '';
        continue;
      }
      if (words !== '' && (pendingZero || group < 1000)) words += '零';
      pendingZero = false;
      let inner = '';
      let zero = false;
      for (let u = 3; u >= 0; u--) {
        const digit = Math.floor(group / 10 ** u) % 10;
        if (digit === 0) {
          zero = inner !== '';
          continue;
        }
        if (zero) inner += '零';
        zero = false;
        inner += DIGITS.charAt(digit) + UNITS[u];
      }
      words += inner + GROUPS[g];
    }
    words += '元';
  }
  if (jiao === 0 && f === 0) return (words || '零元') + '整';
  if (jiao > 0) words += DIGITS.charAt(jiao) + '角';
  else if (yuanPart > 0) words += '零';
  if (f > 0) words += DIGITS.charAt(f) + '分';
  else words += '整';
  return words;
}

export interface InvoiceFacts {
  invoiceNumber: string;
  issuedAt: Date;
  buyerName: string;
  sellerName: string;
  sellerTaxId: string;
  itemName: string;
  policyNumber: string;
  amountFen: number;
  amountExclTaxFen: number;
  taxFen: number;
  taxRateBp: number;
  taxExempt: boolean;
  verificationUrl: string;
  /** A red-letter invoice (红字发票, negative amounts) names the blue invoice it offsets. */
  offsets?: { invoiceNumber: string; reason: string };
}

/** The electronic invoice of one premium payment (M§22) as a document model, its tax fields as printed. */
export function invoiceModel(f: InvoiceFacts): DocumentModel {
  const date = shanghaiDate(f.issuedAt);
  return {
    issuer: f.sellerName,
    title: f.offsets ? '电子发票（普通发票）（红字）' : '电子发票（普通发票）',
    reference: { label: '发票号码', value: f.invoiceNumber },
    createdAt: f.issuedAt,
    subject: `保险费发票 ${f.invoiceNumber}`,
    keywords: ['电子发票', f.invoiceNumber, f.policyNumber],
    qr: { payload: f.verificationUrl, caption: ['扫码查验保单'] },
    sections: [
      {
        heading: '购买方与销售方',
        blocks: [
          {
            kind: 'fields',
            rows: [
              { label: '开票日期', value: zhDate(date) },
              { label: '购买方名称', value: f.buyerName },
              { label: '销售方名称', value: f.sellerName },
              { label: '统一社会信用代码/纳税人识别号', value: f.sellerTaxId },
            ],
          },
        ],
      },
      {
        heading: '项目',
        blocks: [
          {
            kind: 'table',
            columns: [
              { header: '项目名称', weight: 3 },
              { header: '金额', align: 'right', weight: 2 },
              { header: '税率/征收率', align: 'right' },
              { header: '税额', align: 'right', weight: 2 },
            ],
            rows: [
              [
                f.itemName,
                formatYuan(f.amountExclTaxFen),
                f.taxExempt ? '免税' : `${f.taxRateBp / 100}%`,
                f.taxExempt ? '***' : formatYuan(f.taxFen),
              ],
            ],
          },
          {
            kind: 'fields',
            columns: 1,
            rows: [
              { label: '价税合计（大写）', value: f.amountFen < 0 ? `（负数）${amountInWords(-f.amountFen)}` : amountInWords(f.amountFen) },
              { label: '价税合计（小写）', value: formatYuan(f.amountFen) },
              {
                label: '备注',
                value: f.offsets
                  ? `被红冲蓝字发票号码 ${f.offsets.invoiceNumber}；${f.offsets.reason}；保险单号 ${f.policyNumber}`
                  : `保险单号 ${f.policyNumber}`,
              },
            ],
          },
        ],
      },
    ],
    footer: `发票号码 ${f.invoiceNumber} · 保险单号 ${f.policyNumber}`,
  };
}
