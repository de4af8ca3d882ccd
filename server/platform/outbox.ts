import type { Db, DbOrTrx } from '../db/database.js';
import { requireRole, type Actor } from './actor.js';
import type { Clock } from './clock.js';
import { AppError, isAppError } from './errors.js';
import { recordEvent, type FollowUp } from './events.js';
import { newId } from './ids.js';
import { drain as drainRounds } from './jobs.js';
import type { Logger } from './logger.js';
import * as repo from './outbox.repository.js';
import type { OutboxKind, OutboxRow, OutboxStatus } from './outbox.repository.js';

export type { OutboxKind, OutboxRow, OutboxStatus } from './outbox.repository.js';

/** The closed set of work after commit. Which event causes which is the `followUps` table in events.ts. */
export const outboxKinds = {
  e_policy: 'render, sign and store the e-policy once a checkpoint seals the issuance, and tell the policyholder by SMS (M§22)',
  invoice: 'issue the electronic invoice of the premium paid, with its signed PDF (M§22)',
  red_invoice: 'issue the red-letter invoice (红字发票) offsetting a refund of premium (M§22)',
  callback_notice: 'tell the policyholder by SMS, with a link to the platform, that a callback is due (CB)',
  refund_offer_notice: 'tell the policyholder by SMS of the offer to cancel with the whole premium back (CB)',
} as const satisfies Record<OutboxKind, string>;

export const outboxStatuses = ['pending', 'done', 'failed'] as const satisfies readonly OutboxStatus[];

/**
 * What a handler reports: the work is `done`; there was nothing (left) to do (`skipped`: done before, or no longer
 * wanted); or it cannot be done yet (`not_ready`: e.g. no checkpoint seals the issuance) and is tried again later
 * without counting as a failure. A handler that throws has failed this attempt.
 */
export type OutboxOutcome = 'done' | 'skipped' | 'not_ready';
export type OutboxHandler = (payload: Record<string, string>, item: OutboxRow) => Promise<OutboxOutcome>;
export type OutboxHandlers = Record<OutboxKind, OutboxHandler>;

export interface OutboxPolicy {
  /** Failed attempts after which an item is `failed` until an operator retries it. */
  maxAttempts: number;
  /** Backoff after the n-th failure: base × 2^(n−1), at most `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a `not_ready` item waits before it is looked at again. */
  notReadyDelayMs: number;
  /** How long a claimed item is held by its worker; past it, another worker may take it up. */
  leaseMs: number;
  /** Items claimed per round. */
  batch: number;
}

export const defaultOutboxPolicy: OutboxPolicy = {
  maxAttempts: 8,
  baseDelayMs: 60_000,
  maxDelayMs: 6 * 3_600_000,
  notReadyDelayMs: 30_000,
  leaseMs: 10 * 60_000,
  batch: 20,
};

/** The wait before the next try after `failures` failed attempts: 1, 2, 4, 8 … minutes by default, capped. */
export function backoffMs(failures: number, policy: Pick<OutboxPolicy, 'baseDelayMs' | 'maxDelayMs'> = defaultOutboxPolicy): number {
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, failures - 1), policy.maxDelayMs);
}

/**
 * What an operator may read of a failure: the error code, its message and the paths of the fields at fault —
 * never the values (a missing glyph is a character of a name, for one).
 */
export function describeError(err: unknown): string {
  if (isAppError(err)) {
    const fields = err.items?.map((i) => [i.path, i.code].filter(Boolean).join(': ')).join('; ');
    return `${err.code}: ${err.message}${fields ? ` [${fields}]` : ''}`.slice(0, 500);
  }
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return 'unknown error';
}

/** Enqueues work in the caller's transaction, for work no event causes; event-caused work is enqueued by `recordEvent`. */
export async function enqueue(db: DbOrTrx, work: FollowUp[], at: Date): Promise<void> {
  if (!work.length) return;
  await db
    .insertInto('outbox_items')
    .values(
      work.map((w) => ({
        id: newId('obx', at.getTime()),
        kind: w.kind,
        subject_id: w.subjectId,
        payload: JSON.stringify(w.payload),
        next_attempt_at: at,
        created_at: at,
        updated_at: at,
      })),
    )
    .onConflict((oc) => oc.columns(['kind', 'subject_id']).doNothing())
    .execute();
}

export interface DrainResult {
  /** Items claimed and handled. */
  handled: number;
  done: number;
  skipped: number;
  notReady: number;
  /** Failed this attempt and scheduled again. */
  retrying: number;
  /** Failed for the last allowed time: now `failed`, waiting for an operator. */
  dead: number;
  byKind: Partial<Record<OutboxKind, { done: number; skipped: number; notReady: number; failed: number }>>;
}

const emptyResult = (): DrainResult => ({ handled: 0, done: 0, skipped: 0, notReady: 0, retrying: 0, dead: 0, byKind: {} });

/**
 * The outbox: work after commit, drained oldest due first by any number of workers (`FOR UPDATE SKIP LOCKED`).
 * Each item is handled on its own; one that fails is pushed back by its backoff and never holds up another. After
 * `maxAttempts` failures it is `failed`, listed for operators, who may put it back.
 */
export function createOutbox(deps: { db: Db; clock: Clock; handlers: OutboxHandlers; policy?: Partial<OutboxPolicy>; logger?: Logger }) {
  const { db, clock, handlers } = deps;
  const policy: OutboxPolicy = { ...defaultOutboxPolicy, ...deps.policy };

  async function handleOne(item: OutboxRow, leaseUntil: Date, result: DrainResult) {
    const tally = (result.byKind[item.kind] ??= { done: 0, skipped: 0, notReady: 0, failed: 0 });
    result.handled++;
    const claimed = { id: item.id, leaseUntil };
    let outcome: OutboxOutcome;
    try {
      outcome = await handlers[item.kind](item.payload, item);
    } catch (err) {
      const now = clock.now();
      const attempts = item.attempts + 1;
      const lastError = describeError(err);
      tally.failed++;
      if (attempts >= policy.maxAttempts) {
        result.dead++;
        await repo.settle(db, claimed, { status: 'failed', attempts, last_error: lastError, failed_at: now, updated_at: now });
        deps.logger?.warn(
          { outboxItem: item.id, kind: item.kind, attempts, error: lastError },
          'work after commit failed for the last allowed time',
        );
      } else {
        result.retrying++;
        await repo.settle(db, claimed, {
          status: 'pending',
          attempts,
          last_error: lastError,
          next_attempt_at: new Date(now.getTime() + backoffMs(attempts, policy)),
          updated_at: now,
        });
      }
      return;
    }
    const now = clock.now();
    if (outcome === 'not_ready') {
      result.notReady++;
      tally.notReady++;
      await repo.settle(db, claimed, {
        status: 'pending',
        next_attempt_at: new Date(now.getTime() + policy.notReadyDelayMs),
        updated_at: now,
      });
      return;
    }
    if (outcome === 'done') {
      result.done++;
      tally.done++;
    } else {
      result.skipped++;
      tally.skipped++;
    }
    await repo.settle(db, claimed, { status: 'done', done_at: now, updated_at: now });
  }

  /** One round: claims a batch of due items and handles each. */
  async function drainBatch(opts: { kinds?: readonly OutboxKind[] } = {}): Promise<DrainResult> {
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + policy.leaseMs);
    const items = await repo.claimDue(db, { now, leaseUntil, limit: policy.batch, kinds: opts.kinds });
    const result = emptyResult();
    for (const item of items) await handleOne(item, leaseUntil, result);
    return result;
  }

  /**
   * Handles due items, batch after batch, until none is due or the time budget is spent. An item handled in this
   * drain is not due again within it (done, leased, backed off or postponed), so a drain ends. Tests call this
   * with the manual clock; the server runs it every few seconds.
   */
  async function drain(opts: { kinds?: readonly OutboxKind[]; budgetMs?: number } = {}): Promise<DrainResult> {
    const { results } = await drainRounds(
      () => drainBatch(opts),
      (r) => r.handled > 0,
      opts.budgetMs ?? 45_000,
    );
    const total = emptyResult();
    for (const r of results) {
      for (const k of ['handled', 'done', 'skipped', 'notReady', 'retrying', 'dead'] as const) total[k] += r[k];
      for (const [kind, t] of Object.entries(r.byKind) as Array<[OutboxKind, NonNullable<DrainResult['byKind'][OutboxKind]>]>) {
        const into = (total.byKind[kind] ??= { done: 0, skipped: 0, notReady: 0, failed: 0 });
        into.done += t.done;
        into.skipped += t.skipped;
        into.notReady += t.notReady;
        into.failed += t.failed;
      }
    }
    return total;
  }

  function view(r: OutboxRow) {
    return {
      id: r.id,
      kind: r.kind,
      subjectId: r.subject_id,
      status: r.status,
      attempts: r.attempts,
      maxAttempts: policy.maxAttempts,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
      lastError: r.last_error,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      doneAt: r.done_at?.toISOString() ?? null,
      failedAt: r.failed_at?.toISOString() ?? null,
    };
  }

  /** Work after commit for operators: by status and kind, the soonest due first, with attempts and the last error. */
  async function listItems(actor: Actor, f: { status?: OutboxStatus; kind?: OutboxKind; limit?: number }) {
    requireRole(actor, 'compliance_officer', 'system_admin');
    const rows = await repo.listItems(db, { status: f.status, kind: f.kind, limit: f.limit ?? 100 });
    return { items: rows.map(view), counts: await repo.countByStatus(db) };
  }

  /** Puts a failed item back in the queue, due now, with its attempts counted afresh; the operator's act is recorded. */
  async function retryItem(actor: Actor, id: string) {
    const staff = requireRole(actor, 'compliance_officer', 'system_admin');
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const requeued = await repo.requeueFailed(trx, id, now);
      if (!requeued) {
        const item = await repo.findItem(trx, id);
        if (!item) throw new AppError('NOT_FOUND', 'No such outbox item');
        throw new AppError('INVALID_STATE', `Only a failed item can be retried; this one is ${item.status}`);
      }
      await recordEvent(trx, {
        type: 'outbox.item_requeued',
        actor: staff,
        subject: { type: 'outbox_item', id },
        payload: { kind: requeued.kind, subjectId: requeued.subject_id },
        at: now,
      });
      return view(requeued);
    });
  }

  return { drain, drainBatch, listItems, retryItem, policy };
}
export type Outbox = ReturnType<typeof createOutbox>;

/**
 * Runs the drain in the server process every `intervalMs` (the next run starts after the last one ends), and stops
 * after the run under way on `stop()`.
 */
export function startOutboxWorker(opts: { outbox: Pick<Outbox, 'drain'>; intervalMs: number; budgetMs: number; logger: Logger }): {
  stop(): Promise<void>;
} {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = (async () => {
      try {
        const r = await opts.outbox.drain({ budgetMs: opts.budgetMs });
        if (r.handled) opts.logger.info({ outbox: { ...r, byKind: undefined }, byKind: r.byKind }, 'work after commit drained');
      } catch (err) {
        opts.logger.error({ err }, 'outbox drain failed');
      }
      if (!stopped) timer = setTimeout(tick, opts.intervalMs);
    })();
  };
  timer = setTimeout(tick, opts.intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
