import { z } from 'zod';
import { id, isoDateTime } from './common.js';

/**
 * The development stand-ins for external systems (SMS outbox, payment gateway). Never served in production and
 * hidden from the OpenAPI document; kept here so no route defines its own schemas.
 */

export const smsOutboxQuery = z.object({
  phone: z
    .string()
    .trim()
    .regex(/^\+?\d{6,15}$/),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
export const smsOutbox = z.object({
  items: z.array(z.object({ id: z.string(), template: z.string(), body: z.string(), sentAt: isoDateTime })),
});

export const gatewayTxnParam = z.object({ id });
export const merchantOrderParam = z.object({ merchantOrderId: id });
export const gatewayTxnStatuses = ['pending', 'paid', 'refunded', 'closed'] as const;
/** What the payer types on the gateway's page: the account must be the policyholder's own (real-name payment). */
export const payerInputBody = z.object({
  name: z.string().trim().min(1).max(50),
  idNumber: z
    .string()
    .trim()
    .regex(/^\d{17}[\dXx]$/, '18-character resident ID number'),
  accountNo: z
    .string()
    .transform((s) => s.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{12,19}$/, 'bank account number of 12 to 19 digits')),
});
export const gatewayTxnView = z.object({
  txnId: z.string(),
  merchantOrderId: z.string(),
  status: z.enum(gatewayTxnStatuses),
  amountFen: z.number().int(),
  refundedFen: z.number().int(),
  payeeAccountNo: z.string(),
  createdAt: isoDateTime,
  expiresAt: isoDateTime.nullable(),
  paidAt: isoDateTime.nullable(),
});
export const gatewayOrder = z.object({ merchantOrderId: z.string(), transactions: z.array(gatewayTxnView) });
