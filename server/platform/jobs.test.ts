import { describe, expect, it } from 'vitest';
import { drain } from './jobs.js';

describe('drain', () => {
  it('runs a batch job again while it does work, and stops at the first idle run', async () => {
    let backlog = 7;
    const batch = async () => {
      const done = Math.min(3, backlog);
      backlog -= done;
      return { done };
    };
    const r = await drain(batch, (x) => x.done > 0, 60_000);
    expect(backlog).toBe(0);
    expect(r.results.map((x) => x.done)).toEqual([3, 3, 1, 0]);
    expect(r.rounds).toBe(4);
  });

  it('leaves the rest of a backlog to the next tick once its time budget is spent', async () => {
    let t = 0;
    let runs = 0;
    const r = await drain(
      async () => {
        runs++;
        t += 20;
        return 1;
      },
      () => true,
      50,
      () => t,
    );
    // 20, 40, 60 ms: the third run ends past the budget.
    expect([r.rounds, runs]).toEqual([3, 3]);
  });
});
