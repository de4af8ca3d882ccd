import { addDays, isCalendarDate, shanghaiMidnight, type CalendarDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';

/**
 * Callback figures (CB; requirements §2.7): what the figures are and how a period is read. The service computes
 * them in SQL over the callback tables.
 *
 * - The population is the cohort of cases **opened** in the period [from, to) (Asia/Shanghai calendar dates), so a
 *   period's figures do not move once its cases are concluded.
 * - **Concluded**: succeeded (by any method) or failed. Cases closed because the policy was cancelled first, and
 *   cases still open, are counted but are not concluded.
 * - **Success rate** = succeeded ÷ concluded; **by method** = succeeded by that method ÷ concluded, so the methods'
 *   rates add up to the success rate.
 * - **Time to complete** = succeeded_at − opened_at of succeeded cases: the median and the 90th percentile, both
 *   continuous (linear interpolation between ranks, PostgreSQL's percentile_cont).
 * - **Problem-case rate** (问题件率) = cases with at least one problem case ÷ cases in which the policyholder answered
 *   at least one item (a problem case can only come from an answer).
 * - **Within the 犹豫期** = succeeded cases whose success came by the deadline ÷ succeeded.
 * Rates are decimals with four places, as text (never binary floats); null when the denominator is zero.
 */

export const MAX_PERIOD_DAYS = 3_660;

export interface Period {
  from: CalendarDate;
  to: CalendarDate;
  fromAt: Date;
  toAt: Date;
}

/** A period of Shanghai calendar dates, `to` exclusive. */
export function periodOf(from: string, to: string): Period {
  const problems = [];
  if (!isCalendarDate(from)) problems.push({ path: 'from', message: 'a date YYYY-MM-DD' });
  if (!isCalendarDate(to)) problems.push({ path: 'to', message: 'a date YYYY-MM-DD' });
  if (problems.length) throw new AppError('VALIDATION_FAILED', 'The period needs two dates', problems);
  const fromAt = shanghaiMidnight(from);
  const toAt = shanghaiMidnight(to);
  if (toAt.getTime() <= fromAt.getTime())
    throw new AppError('VALIDATION_FAILED', 'The period ends before it starts', [{ path: 'to', message: 'after from' }]);
  if (toAt.getTime() - fromAt.getTime() > MAX_PERIOD_DAYS * 86_400_000)
    throw new AppError('VALIDATION_FAILED', `A period is at most ${MAX_PERIOD_DAYS} days`, [{ path: 'to', message: 'period too long' }]);
  return { from, to, fromAt, toAt };
}

/** The last day a period covers, for people: [2026-03-01, 2026-04-01) is 2026-03-01 至 2026-03-31. */
export function lastDayOf(p: Period): CalendarDate {
  return addDays(p.to, -1);
}

export interface CaseCounts {
  opened: number;
  concluded: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  open: number;
  successRate: string | null;
  byMethod: Record<'electronic' | 'phone' | 'letter' | 'visit', number>;
  electronicRate: string | null;
  answered: number;
  withProblem: number;
  problemCases: number;
  problemCaseRate: string | null;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface CallbackFigures {
  period: { from: CalendarDate; to: CalendarDate; basis: 'opened_at' };
  total: CaseCounts;
  byProduct: Array<CaseCounts & { productCode: string }>;
  byChannel: Array<CaseCounts & { channel: string }>;
  byMethod: Array<{ method: string; succeeded: number; rate: string | null; medianSeconds: number | null; p90Seconds: number | null }>;
  withinCoolingOff: { succeeded: number; withinDeadline: number; rate: string | null };
  problemsByKind: Array<{ kind: string; count: number }>;
  sampling: { drawn: number; selected: number; reviewed: number; passed: number; failed: number; reworkOpen: number };
}

/** A rate as a percentage for people: '0.8500' → '85.00%'; null → '—'. */
export function percent(rate: string | null): string {
  if (rate === null) return '—';
  const [whole, frac = ''] = rate.split('.');
  const digits = `${whole}${frac.padEnd(4, '0')}`.replace(/^0+(?=\d{3})/, '');
  const n = digits.padStart(3, '0');
  return `${n.slice(0, -2).replace(/^0+(?=\d)/, '')}.${n.slice(-2)}%`;
}

/** A duration in seconds for people, in days, hours and minutes: 93_780 → '1天2小时3分'. */
export function durationZh(seconds: number | null): string {
  if (seconds === null) return '—';
  const minutes = Math.round(seconds / 60);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `${d ? `${d}天` : ''}${d || h ? `${h}小时` : ''}${m}分`;
}
