/**
 * Sales (投保): applications from quote to payment. Other modules read an application and its parties through the
 * functions below (each takes `db` or the caller's `trx`); the purchase flow marks an application issued with
 * `markApplicationIssued`.
 */
export {
  createApplicationService,
  loadOwnedApplication,
  OTP_PURPOSE_POLICYHOLDER,
  OTP_PURPOSE_INSURED,
  type ApplicationService,
  type ApplicationView,
  type PersonInput,
  type StartApplicationInput,
} from './application.service.js';
export { createSubmissionService, type SubmissionService } from './submission.service.js';
export { createSignatureService, type SignatureService } from './signature.service.js';
export { createCheckoutService, type CheckoutService } from './checkout.service.js';
export type { OtpPort, PaymentPort, InForceCover } from './ports.js';
export {
  applicationStatuses,
  assertTransition as assertApplicationTransition,
  findOption,
  partyIn,
  type ApplicationStatus,
  type QuestionAnswer,
} from './application.js';
export {
  findApplication,
  lockApplication,
  findParties,
  findPolicyholder,
  findLatestAnswers,
  listUnissuedActivity,
  listReferred,
  markIssued as markApplicationIssued,
} from './application.repository.js';
export { decideReferred } from './referrals.js';
