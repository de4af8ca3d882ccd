import type { Db } from '../db/database.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { createOutbox, type OutboxHandlers, type OutboxPolicy } from '../platform/outbox.js';
import type { DocumentService } from '../modules/documents/index.js';
import type { CallbackService } from '../modules/callbacks/index.js';

/**
 * Work after commit, kind by kind, and the use case that does it. Which event causes which kind is the
 * `followUps` table in server/platform/events.ts; the outbox (server/platform/outbox.ts) drains the items.
 * Every handler is idempotent: a retried item finds its work done and does it no second time.
 */
export function followUpHandlers(deps: {
  documents: Pick<DocumentService, 'makeEPolicy' | 'makeInvoice' | 'makeRedInvoice'>;
  callbacks: Pick<CallbackService, 'sendNotice' | 'sendOfferNotice'>;
}): OutboxHandlers {
  const { documents, callbacks } = deps;
  return {
    e_policy: (p) => documents.makeEPolicy(need(p, 'policyId')),
    invoice: (p) => documents.makeInvoice(need(p, 'policyId')),
    red_invoice: (p) => documents.makeRedInvoice(need(p, 'refundId')),
    callback_notice: (p) => callbacks.sendNotice(need(p, 'caseId')),
    refund_offer_notice: (p) => callbacks.sendOfferNotice(need(p, 'offerId')),
  };
}

function need(payload: Record<string, string>, key: string): string {
  const v = payload[key];
  if (typeof v !== 'string' || !v) throw new Error(`Outbox payload lacks ${key}`);
  return v;
}

/** The outbox of the platform, its handlers bound to the services. */
export function createFollowUpOutbox(
  deps: Parameters<typeof followUpHandlers>[0] & { db: Db; clock: Clock; logger?: Logger; policy?: Partial<OutboxPolicy> },
) {
  return createOutbox({ db: deps.db, clock: deps.clock, logger: deps.logger, policy: deps.policy, handlers: followUpHandlers(deps) });
}
