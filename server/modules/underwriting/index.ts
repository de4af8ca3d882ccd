/**
 * Underwriting (M§18): the product's rules applied at submission, the decisions and their reasons, and the
 * underwriter's queue of referred applications (which reaches the sale through its `ReferredApplications` port).
 */
export { createUnderwritingService, type UnderwritingService } from './underwriting.service.js';
export { underwrite, type UnderwritingOutcome, type UnderwritingReason, type UnderwritingFacts } from './underwriting.js';
export { insertDecision, findDecisions, type DecisionRow } from './underwriting.repository.js';
export type { ReferredApplications } from './ports.js';
