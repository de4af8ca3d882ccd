import { z } from 'zod';
import { calendarDate, id, isoDateTime } from '../common.js';

/** Records retention (M§33, requirements §2.4): disputes that hold a sale's records, retention, shredding, replay. */

export const disputeKinds = ['claim', 'complaint', 'litigation', 'arbitration', 'regulator_inquiry'] as const;
export type DisputeKind = (typeof disputeKinds)[number];

const policyNumber = z.string().min(1).max(32);
/** A sale, named by its application or its policy number. */
export const saleRef = z.union([z.object({ applicationId: id }), z.object({ policyNumber })]);
export const openDisputeBody = z
  .intersection(saleRef, z.object({ kind: z.enum(disputeKinds), reference: z.string().min(1).max(200) }))
  .meta({ id: 'OpenDispute' });
export const shredBody = z.intersection(saleRef, z.object({ reason: z.string().min(1).max(500) })).meta({ id: 'ShredSale' });
export const policyNumberParam = z.object({ policyNumber });

export const disputeOpened = z
  .object({ disputeId: z.string(), applicationId: z.string(), policyNumber: z.string().nullable(), openedAt: isoDateTime })
  .meta({ id: 'DisputeOpened' });
export const disputeEnded = z.object({ disputeId: z.string(), endedAt: isoDateTime }).meta({ id: 'DisputeEnded' });

/** A sale's retention: until when its records are kept, or held by an open dispute (requirements §2.4). */
export const saleRetention = z
  .object({
    applicationId: z.string(),
    policyNumber: z.string().nullable(),
    /** The day the sale's cover ended or will end (Shanghai calendar date). */
    terminationDate: calendarDate,
    /** Null while an open dispute holds the records. */
    retentionEnd: calendarDate.nullable(),
    heldByOpenDispute: z.boolean(),
  })
  .meta({ id: 'SaleRetention' });

export const saleShredded = z
  .object({ applicationId: z.string(), policyNumber: z.string().nullable(), retentionEnd: calendarDate, shreddedAt: isoDateTime })
  .meta({ id: 'SaleShredded' });

/**
 * A sale replayed from the ledger (调阅): each entry in log order with what was shown or done, personal data masked
 * (or marked destroyed after shredding), the time on the page, and its inclusion proof against the checkpoint.
 */
export const saleReplay = z
  .object({
    applicationId: z.string(),
    policyNumber: z.string().nullable(),
    /** The latest signed checkpoint the proofs are against; null before the first one. */
    checkpoint: z.object({ treeSize: z.number().int(), note: z.string() }).nullable(),
    timeline: z.array(
      z.object({
        /** Null while the entry waits to be sequenced (it then has no proof yet). */
        leafIndex: z.number().int().nullable(),
        at: isoDateTime,
        type: z.string(),
        actor: z.object({ type: z.string(), id: z.string().nullable() }),
        subject: z.object({ type: z.string(), id: z.string() }),
        element: z.string().nullable(),
        action: z.string().nullable(),
        /** The entry's payload, sealed values shown masked. */
        value: z.unknown(),
        textVersion: z.object({ id: z.string(), contentHash: z.string() }).nullable(),
        timeOnPageMs: z.number().nullable(),
        clientDwellMs: z.number().nullable(),
        proof: z.object({ treeSize: z.number().int(), leafHash: z.string(), hashes: z.array(z.string()) }).nullable(),
      }),
    ),
    /** Every text version the sale showed, in full. */
    snapshots: z.array(
      z.object({
        id: z.string(),
        kind: z.string(),
        title: z.string(),
        content: z.string(),
        contentHash: z.string(),
        onlineAt: isoDateTime,
        offlineAt: isoDateTime.nullable(),
      }),
    ),
  })
  .meta({ id: 'SaleReplay' });
