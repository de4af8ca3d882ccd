/**
 * Policies: issuance, the consumer's view and the record of cancellations. The purchase and cancellation flows
 * drive the changes; other modules read a policy through `findPolicy`.
 */
export { createPolicyService, type PolicyService, type IssuableApplication } from './policy.service.js';
export {
  policyStatuses,
  cancellationReasons,
  assertCancellable,
  isValidPolicyNumber,
  type PolicyStatus,
  type CancellationReason,
  type CancellationMoney,
} from './policy.js';
export {
  findPolicy,
  findPolicyByNumber,
  inForceCoverOf,
  findPolicyByApplication,
  listPolicyTerms,
  policyNumbersOf,
  lockPolicy as lockPolicyRow,
  type PolicyRow,
} from './policy.repository.js';
