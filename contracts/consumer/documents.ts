import { z } from 'zod';
import { invoiceKinds } from '../common.js';

/** The owner's electronic policy and invoices (M§22). */
export const invoiceView = z
  .object({
    id: z.string(),
    kind: z
      .enum(invoiceKinds)
      .describe('blue: the invoice of a premium payment; red (红字发票): negative, offsets a blue one when premium goes back'),
    invoiceNumber: z.string(),
    offsetsInvoiceNumber: z.string().nullable().describe('for a red invoice, the blue invoice it offsets'),
    issuedAt: z.string(),
    amountFen: z.number(),
    amountExclTaxFen: z.number(),
    taxRateBp: z.number(),
    taxFen: z.number(),
    taxExempt: z.boolean(),
    itemName: z.string(),
    sellerName: z.string(),
    sellerTaxId: z.string(),
  })
  .meta({ id: 'Invoice' });
export const invoiceList = z.object({ items: z.array(invoiceView) }).meta({ id: 'InvoiceList' });
