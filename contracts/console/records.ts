import { z } from 'zod';
import { id } from '../common.js';

/** Records retention (M§33, requirements §2.4): disputes that hold a sale's records, retention, shredding, replay. */

export const disputeKinds = ['claim', 'complaint', 'litigation', 'arbitration', 'regulator_inquiry'] as const;
export type DisputeKind = (typeof disputeKinds)[number];

const policyNumber = z.string().min(1).max(32);
/** A sale, named by its application or its policy number. */
export const saleRef = z.union([z.object({ applicationId: id }), z.object({ policyNumber })]);
export const openDisputeBody = z.intersection(saleRef, z.object({ kind: z.enum(disputeKinds), reference: z.string().min(1).max(200) })).meta({ id: 'OpenDispute' });
export const shredBody = z.intersection(saleRef, z.object({ reason: z.string().min(1).max(500) })).meta({ id: 'ShredSale' });
export const policyNumberParam = z.object({ policyNumber });
