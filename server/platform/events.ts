import type { DbOrTrx } from '../db/database.js';
import { sql } from 'kysely';
import { newId } from './ids.js';
import { actorId, type Actor } from './actor.js';
import { ledgerQueueRow } from '../ledger/entry.js';
import type { OutboxKind } from './outbox.repository.js';

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
  'policy.cancelled_for_misselling': 'mis-selling found in the callback: the policy was cancelled with the whole premium refunded (CB)',
  // the electronic callback (CB, requirements §2.7)
  'callback.case_opened': 'a callback case was opened for a newly issued policy, due by the end of its 犹豫期',
  'callback.notice_sent': 'the policyholder was told by SMS, with a link to the platform, that a callback is due',
  'callback.started': 'the policyholder started the electronic callback',
  'callback.identity_checked': 'an identity check of the callback ran: SMS code, ID comparison or face comparison',
  'callback.identity_verified': 'the policyholder proved identity by every method the callback requires',
  'callback.item_displayed': 'a callback item or the closing confirmation was shown (names the text version)',
  'callback.item_answered': 'the policyholder answered an item yes, no or not sure (names the text version asked)',
  'callback.phone_requested': 'the policyholder stopped the electronic callback and asked for a phone callback',
  'callback.attempt_ended': 'an electronic, phone, letter or visit attempt ended, with its outcome and reason',
  'callback.task_opened': 'a phone or letter/visit task was opened for callback agents, with its reason',
  'callback.task_assigned': 'a callback task was assigned to a callback agent',
  'callback.media_stored': 'a call recording or signed-receipt scan was stored; the event seals its SHA-256',
  'callback.succeeded': 'the callback was confirmed, naming the method',
  'callback.failed': 'every callback method failed: the final record with the reasons',
  'callback.closed_policy_cancelled': 'the policy was cancelled while its callback was open; the callback closed',
  'callback.problem_opened': 'a problem case (问题件) was opened for an answer, naming the item',
  'callback.problem_assigned': 'a problem case was assigned to a callback agent',
  'callback.problem_note_added': 'an investigation note (or a correction of one) was added to a problem case',
  'callback.problem_resolved': 'a problem case was resolved: explained and confirmed by phone, or mis-selling found',
  'callback.misselling_flagged': 'mis-selling found: the sales record and the responsible staff member were flagged',
  'callback.refund_offered': 'cancellation with a full refund was offered to the policyholder',
  'callback.refund_offer_notified': 'the policyholder was told by SMS of the offer to cancel with the whole premium back (CB)',
  'callback.refund_offer_answered': 'the policyholder accepted or declined the full-refund cancellation',
  'callback.problem_closed': 'a problem case was closed with its reason',
  // quality sampling of callbacks (抽检) and the first-use report (CB, requirements §2.7)
  'callback.sampling_rule_set': 'a sampling rate was set for a channel and product, effective from a time never in the past',
  'callback.sampling_run': 'completed callbacks were drawn by keyed hash: counts, the key fingerprint and a digest of every decision',
  'callback.sample_drawn': 'a completed callback was selected into the quality sample, with its draw, rate and computed checks',
  'callback.sample_reviewed': 'a compliance officer recorded a result per checklist item and the findings (a correction is a new review)',
  'callback.sample_rework_opened': 'a failed sample went back for rework, naming the failed checklist items',
  'callback.sample_rework_completed': 'the rework of a failed sample was completed, with its outcome',
  'callback.first_use_report_generated': 'the first-use report to the regulator was generated; the event seals its content and PDF hashes',
  'staff.signed_in': 'a staff member signed in',
  'staff.sign_in_failed': 'a staff sign-in failed',
  'staff.locked': 'a staff account was locked after repeated failures',
  'staff.created': 'a staff account was created',
  'staff.signed_out': 'a staff member ended their session',
  'staff.personal_data_read': 'a staff member read personal data in full',
  'staff.trace_read': 'a staff member read trace records (调阅): the replay of a sale, or the whole record of its callback',
  'dispute.opened': 'a claim, complaint or lawsuit put a sale under dispute: its records are held (requirements §2.4)',
  'dispute.ended': 'a dispute ended: the records are kept 2 more years at least',
  'document.issued': 'a signed PDF (e-policy or invoice) was stored as a new version, with its content hash (M§22)',
  'document.delivered': 'the policyholder was told by SMS that the e-policy is ready (M§22)',
  'invoice.issued': 'an electronic invoice was issued for a premium payment, with its tax fields (M§22)',
  'invoice.red_issued':
    'premium went back: a red-letter invoice (红字发票) offsets the invoice of that payment by the amount refunded (M§22)',
  'records.shredded': "a sale's data key was destroyed after retention: its sealed personal data can no longer be read",
  'outbox.item_requeued': 'an operator put failed work after commit (a document or a notice) back in the queue',
} as const;
export type EventType = keyof typeof eventTypes;

/** One piece of work after commit: what kind, about which record, and the ids its handler needs (never personal data). */
export interface FollowUp {
  kind: OutboxKind;
  subjectId: string;
  payload: Record<string, string>;
}

const idOf = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * The work each event causes after its transaction commits. `recordEvent` enqueues it in the outbox in the
 * event's own statement, so a change that rolls back leaves no work behind and a committed one never misses it.
 * The handlers that do the work are bound in server/flows/follow-up.ts.
 */
export const followUps: {
  [T in EventType]?: (e: { subject: { type: string; id: string }; payload: Record<string, unknown> }) => FollowUp[];
} = {
  // M§22: the e-policy (once a checkpoint seals the issuance) and the invoice of the premium paid.
  'policy.issued': (e) => [
    { kind: 'e_policy', subjectId: e.subject.id, payload: { policyId: e.subject.id } },
    { kind: 'invoice', subjectId: e.subject.id, payload: { policyId: e.subject.id } },
  ],
  // M§22: premium going back on a policy is offset by a red-letter invoice (once the blue one exists).
  'refund.requested': (e) => {
    const refundId = idOf(e.payload.refundId);
    return refundId && idOf(e.payload.policyId) && Number(e.payload.amountFen) > 0
      ? [{ kind: 'red_invoice', subjectId: refundId, payload: { refundId } }]
      : [];
  },
  // CB: the policyholder is told by SMS that a callback is due.
  'callback.case_opened': (e) => [{ kind: 'callback_notice', subjectId: e.subject.id, payload: { caseId: e.subject.id } }],
  // CB: the policyholder is told by SMS of the offer to cancel with the whole premium back.
  'callback.refund_offered': (e) => {
    const offerId = idOf(e.payload.offerId);
    return offerId ? [{ kind: 'refund_offer_notice', subjectId: offerId, payload: { offerId } }] : [];
  },
};

export interface EventInput {
  type: EventType;
  actor: Actor;
  subject: { type: string; id: string };
  payload?: Record<string, unknown>;
  textVersionId?: string | null;
  at: Date;
}

/** Writes the event, queues its ledger entry (M§33) and enqueues the work it causes, all in the caller's transaction. */
export async function recordEvent(db: DbOrTrx, e: EventInput): Promise<string> {
  const id = newId('evt', e.at.getTime());
  // What is stored is what JSON keeps: undefined properties dropped, dates as ISO strings. Events and ledger
  // entries then carry the same payload.
  const payload = JSON.parse(JSON.stringify(e.payload ?? {})) as Record<string, unknown>;
  const queued = await ledgerQueueRow(db, {
    id,
    type: e.type,
    at: e.at.toISOString(),
    actor: { type: e.actor.type, id: actorId(e.actor) },
    subject: e.subject,
    payload,
    textVersionId: e.textVersionId ?? null,
  });
  const event = sql`
    insert into events (id, type, actor_type, actor_id, subject_type, subject_id, payload, text_version_id, created_at)
    values (${id}, ${e.type}, ${e.actor.type}, ${actorId(e.actor)}, ${e.subject.type}, ${e.subject.id}, ${JSON.stringify(payload)}::jsonb, ${e.textVersionId ?? null}, ${e.at})`;
  const entry = sql`
    insert into ledger_queue (entry_id, entry, ref_type, ref_id, queued_at)
    values (${queued.entry_id}, ${queued.entry}, ${queued.ref_type}, ${queued.ref_id}, ${queued.queued_at})`;
  const work = followUps[e.type]?.({ subject: e.subject, payload }) ?? [];
  // One statement, one round trip: the event, its ledger entry and the work it causes are written together or not at all.
  if (!work.length) {
    await sql`with event as (${event}) ${entry}`.execute(db);
    return id;
  }
  const items = work.map(
    (w) =>
      sql`(${newId('obx', e.at.getTime())}, ${w.kind}, ${w.subjectId}, ${JSON.stringify(w.payload)}::jsonb, ${e.at}, ${e.at}, ${e.at})`,
  );
  await sql`
    with event as (${event}), entry as (${entry})
    insert into outbox_items (id, kind, subject_id, payload, next_attempt_at, created_at, updated_at)
    values ${sql.join(items)}
    on conflict (kind, subject_id) do nothing`.execute(db);
  return id;
}
