import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('makes prefixed 26-character ULID-shaped ids', () => {
    expect(newId('pol')).toMatch(/^pol_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('orders ids by creation even when the clock stands still', () => {
    const ids = Array.from({ length: 1000 }, () => newId('evt', 1_780_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });

  it('orders ids by time across milliseconds', () => {
    const a = newId('app', 1_790_000_000_000);
    const b = newId('app', 1_790_000_000_001);
    expect(a < b).toBe(true);
  });
});
