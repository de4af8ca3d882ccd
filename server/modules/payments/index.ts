/**
 * Payments: orders into the dedicated premium account, gateway notifications, refunds to the paying account
 * (M§19, M§40). Other modules read what was paid through the functions below; the purchase flow completes the
 * sale a confirmed payment pays for.
 */
export {
  createPaymentService,
  type PaymentService,
  type PaymentServiceDeps,
  type PaidOrder,
  type CompleteSale,
  type RefusalReason,
  type NotificationOutcome,
} from './payment.service.js';
export { findOrder, findRefund, findPaidOrder, listOrderIdsOf, type PaymentOrderRow, type RefundRow } from './payment.repository.js';
