/**
 * Business dates (insurance period, 犹豫期, waiting period) are calendar dates in Asia/Shanghai, written
 * 'YYYY-MM-DD'. China has kept UTC+8 without daylight saving since 1991, so the offset is fixed.
 */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export type CalendarDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** The Shanghai calendar date on which an instant falls. */
export function shanghaiDate(instant: Date): CalendarDate {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of 00:00 Asia/Shanghai on a calendar date. */
export function shanghaiMidnight(date: CalendarDate): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - SHANGHAI_OFFSET_MS);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  const t = Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Adds whole years; 29 February falls back to 28 February in a common year. */
export function addYears(date: CalendarDate, years: number): CalendarDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y + years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

/** Age in completed years on a date (周岁), the way entry ages are counted. */
export function ageOn(birthDate: CalendarDate, on: CalendarDate): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [oy, om, od] = on.split('-').map(Number) as [number, number, number];
  let age = oy - by;
  if (om < bm || (om === bm && od < bd)) age -= 1;
  return age;
}

export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * Working days as the State Council's calendar makes them: Monday to Friday, less the public holidays, plus the
 * weekend days worked in exchange (调休). Both lists are published each year and configured; with none configured
 * every Monday-to-Friday is a working day.
 */
export interface WorkingCalendar {
  isWorkingDay(date: CalendarDate): boolean;
  /** The date `n` working days after `from` (from itself not counted). */
  addWorkingDays(from: CalendarDate, n: number): CalendarDate;
  /** Whether holidays or make-up workdays were configured at all. */
  configured: boolean;
}

export function workingCalendar(holidays: readonly CalendarDate[] = [], makeUpWorkdays: readonly CalendarDate[] = []): WorkingCalendar {
  const off = new Set(holidays);
  const on = new Set(makeUpWorkdays);
  const isWorkingDay = (date: CalendarDate) => {
    if (on.has(date)) return true;
    if (off.has(date)) return false;
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    return dow !== 0 && dow !== 6;
  };
  return {
    isWorkingDay,
    configured: off.size + on.size > 0,
    addWorkingDays(from, n) {
      let d = from;
      for (let left = n; left > 0;) {
        d = addDays(d, 1);
        if (isWorkingDay(d)) left--;
      }
      return d;
    },
  };
}
