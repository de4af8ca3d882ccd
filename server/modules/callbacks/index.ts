/**
 * The electronic callback (电子化回访, CB) and its fallbacks, quality sampling, figures and the first-use report.
 * The purchase flow opens a case in the issuing transaction, the cancellation flow closes it in the cancelling
 * one; the callback asks for a mis-selling cancellation through its `CancelForMisselling` port.
 */
export { createCallbackService, type CallbackService } from './callback.service.js';
export { createCallbackReportServices } from './callback-reports.service.js';
export type { CancelForMisselling } from './ports.js';
export { callbackRefsOfPolicy, applicationsWithCallback } from './callback.repository.js';
