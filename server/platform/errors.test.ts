import { describe, expect, it } from 'vitest';
import { AppError, foundOr404, InvariantError, must } from './errors.js';

describe('must', () => {
  it('returns a present value, including falsy ones', () => {
    expect(must(0, 'a count')).toBe(0);
    expect(must('', 'a text')).toBe('');
  });

  it('throws an InvariantError naming what was expected', () => {
    expect(() => must(undefined, 'the locked case')).toThrow(InvariantError);
    expect(() => must(null, 'the locked case')).toThrow('invariant: the locked case');
  });
});

describe('foundOr404', () => {
  it('refuses a missing record with NOT_FOUND', () => {
    expect(() => foundOr404(undefined)).toThrow(AppError);
    try {
      foundOr404(null, 'no such policy');
    } catch (e) {
      expect((e as AppError).code).toBe('NOT_FOUND');
      expect((e as AppError).status).toBe(404);
    }
    expect(foundOr404({ id: 'pol_1' })).toEqual({ id: 'pol_1' });
  });
});
