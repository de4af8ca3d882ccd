import { errorCatalog, type ErrorCode, type Problem } from '@wangbao/contracts/errors';

export type ProblemItem = NonNullable<Problem['errors']>[number];

/** The one error type of the domain: a code from the closed catalogue, a detail, and field-level findings. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly items: ProblemItem[] | undefined;
  constructor(code: ErrorCode, detail?: string, items?: ProblemItem[]) {
    super(detail ?? errorCatalog[code].en);
    this.name = 'AppError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.items = items;
  }
}

export function toProblem(code: ErrorCode, detail?: string, items?: ProblemItem[], instance?: string): Problem {
  const entry = errorCatalog[code];
  const problem: Problem = {
    type: `urn:wangbao:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: entry.en,
    status: entry.status,
    code,
    messages: { 'zh-CN': entry.zh, en: entry.en },
  };
  if (detail) problem.detail = detail;
  if (items?.length) problem.errors = items;
  if (instance) problem.instance = instance;
  return problem;
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/**
 * A fact the code relies on is missing — a row read a moment ago in the same transaction, a lookup table entry, a
 * capture group that always takes part. Never the caller's mistake, so it answers 500 (INTERNAL) and names what was
 * expected in the log.
 */
export class InvariantError extends Error {
  constructor(what: string) {
    super(`invariant: ${what}`);
    this.name = 'InvariantError';
  }
}

/** `value`, or an InvariantError naming `what` when it is null or undefined. Use instead of a non-null assertion. */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new InvariantError(what);
  return value;
}

/** `value`, or AppError NOT_FOUND (404) when it is null or undefined: a record the caller asked for by its id. */
export function foundOr404<T>(value: T | null | undefined, detail?: string): T {
  if (value === null || value === undefined) throw new AppError('NOT_FOUND', detail);
  return value;
}
