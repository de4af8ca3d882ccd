import type { DbOrTrx } from '../db/database.js';
import { newId } from './ids.js';
import { actorId, type Actor } from './actor.js';
import { queueLedgerEntry } from '../ledger/entry.js';

/**
 * The closed set of event types. Each event is written in the transaction of the change it records, names the
 * text version the consumer was shown when there was one, and carries no personal data in plaintext — ready
 * for the traceability ledger.
 */
export const eventTypes = {
  'product.version_created': 'a product version was drafted',
  'product.version_published': 'a product version went on sale after its disclosure was checked (M§14)',
  'product.version_withdrawn': 'a product version was taken off sale',
  'product.publish_refused': 'publishing was refused, with every missing item',
  'product.draft_revised': 'the definition of a draft product version was replaced (published versions never change)',
  'consumer.otp_sent': 'a one-time code was sent by SMS',
  'consumer.signed_in': 'a consumer signed in with phone and code',
  'consumer.registered': 'a consumer record was created at first sign-in (phone stored encrypted only)',
  'consumer.signed_out': 'a consumer ended their session',
  'quote.created': 'a premium was quoted from the rating table',
  'application.created': 'an application was started from a quote (投保)',
  'application.text_displayed': 'a text (notice, clause, warning, questionnaire) was shown to the consumer',
  'application.consent_given': 'the consumer actively confirmed a text version (M§17(5))',
  'application.consent_refused': 'a confirmation was refused as not active or not shown',
  'application.answer_recorded': 'a questionnaire item was answered',
  'application.suitability_assessed': 'suitability was checked against the product (M§17)',
  'identity.checked': 'an identity check ran: ID checksum, SMS code or face comparison (M§33)',
  'application.submitted': 'the application was submitted',
  'underwriting.decided': 'underwriting gave accept, decline or refer, with reasons (M§18)',
  'application.document_displayed': 'the application confirmation document was shown for signature',
  'application.signed': 'a party signed the application document',
  'payment.order_created': 'a payment order was opened into the premium account (M§19)',
  'payment.notification_received': 'a verified payment notification arrived',
  'payment.notification_rejected': 'a payment notification failed verification',
  'payment.refused': 'a payment was refused (e.g. a third-party payer, M§40) and returned',
  'payment.order_expired': 'an unpaid order expired',
  'refund.requested': 'a refund was requested to the original account',
  'refund.completed': 'a refund was completed',
  'policy.issued': 'a policy was issued on confirmed payment',
  'policy.cancelled_in_cooling_off': 'the policy was cancelled in the 犹豫期; void from the start',
  'staff.signed_in': 'a staff member signed in',
  'staff.sign_in_failed': 'a staff sign-in failed',
  'staff.locked': 'a staff account was locked after repeated failures',
  'staff.created': 'a staff account was created',
  'staff.signed_out': 'a staff member ended their session',
  'staff.personal_data_read': 'a staff member read personal data in full',
  'staff.trace_read': 'a staff member replayed the trace records of a sale (调阅)',
} as const;
export type EventType = keyof typeof eventTypes;

export interface EventInput {
  type: EventType;
  actor: Actor;
  subject: { type: string; id: string };
  payload?: Record<string, unknown>;
  textVersionId?: string | null;
  at: Date;
}

/** Writes the event and queues its ledger entry (M§33), both in the caller's transaction. */
export async function recordEvent(db: DbOrTrx, e: EventInput): Promise<string> {
  const id = newId('evt', e.at.getTime());
  // What is stored is what JSON keeps: undefined properties dropped, dates as ISO strings. Events and ledger
  // entries then carry the same payload.
  const payload = JSON.parse(JSON.stringify(e.payload ?? {})) as Record<string, unknown>;
  await db
    .insertInto('events')
    .values({
      id,
      type: e.type,
      actor_type: e.actor.type,
      actor_id: actorId(e.actor),
      subject_type: e.subject.type,
      subject_id: e.subject.id,
      payload: JSON.stringify(payload),
      text_version_id: e.textVersionId ?? null,
      created_at: e.at,
    })
    .execute();
  await queueLedgerEntry(db, {
    id,
    type: e.type,
    at: e.at.toISOString(),
    actor: { type: e.actor.type, id: actorId(e.actor) },
    subject: e.subject,
    payload,
    textVersionId: e.textVersionId ?? null,
  });
  return id;
}
