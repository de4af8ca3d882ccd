/** One injected clock, so tests can travel in time and the journey is reproducible. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock for tests: starts where told and moves only when told. */
export function createManualClock(start: Date | string = '2026-03-02T02:00:00.000Z') {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set(to: Date | string) {
      current = new Date(to).getTime();
    },
    advance(ms: number) {
      current += ms;
    },
    advanceDays(days: number) {
      current += days * 86_400_000;
    },
  };
}
export type ManualClock = ReturnType<typeof createManualClock>;
