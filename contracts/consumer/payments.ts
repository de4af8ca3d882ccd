import { z } from 'zod';
import { isoDateTime, paymentOrderStatuses, refundStatuses } from '../common.js';

/** The consumer's own payment order and its refunds. */
export const paymentOrderView = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    status: z.enum(paymentOrderStatuses),
    amountFen: z.number().int(),
    payee: z.object({ accountName: z.string(), accountNo: z.string() }),
    payUrl: z.string().nullable(),
    expiresAt: isoDateTime,
    paidAt: isoDateTime.nullable(),
    refusedAt: isoDateTime.nullable(),
    refusedReason: z.string().nullable(),
    expiredAt: isoDateTime.nullable(),
    payerAccountMasked: z.string().nullable(),
    refunds: z.array(
      z.object({
        id: z.string(),
        amountFen: z.number().int(),
        reason: z.string(),
        status: z.enum(refundStatuses),
        requestedAt: isoDateTime,
        completedAt: isoDateTime.nullable(),
      }),
    ),
  })
  .meta({ id: 'PaymentOrder' });
