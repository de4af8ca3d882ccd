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
