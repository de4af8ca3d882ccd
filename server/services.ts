import type { Platform } from './platform/context.js';
import { createLedgerService } from './ledger/ledger.service.js';
import { createDocumentService, createVerificationService, documentEngineFromConfig } from './modules/documents/index.js';
import { createPaymentService, type CompleteSale } from './modules/payments/index.js';
import { createOtpService } from './modules/identity/index.js';
import { createConsumerService } from './modules/consumers/index.js';
import { createStaffService } from './modules/staff/index.js';
import {
  createApplicationService,
  createCheckoutService,
  createSignatureService,
  createSubmissionService,
  decideReferred,
  findApplication,
  findLatestAnswers,
  findParties,
  listReferred,
  lockApplication,
} from './modules/sales/index.js';
import { createUnderwritingService } from './modules/underwriting/index.js';
import { createPolicyService, inForceCoverOf } from './modules/policies/index.js';
import { createProductService } from './modules/products/index.js';
import { createQuoteService } from './modules/quotes/index.js';
import { createCallbackReportServices, createCallbackService } from './modules/callbacks/index.js';
import { createRecordsService, createReplayService } from './modules/records/index.js';
import { createPurchaseFlow } from './flows/purchase.js';
import { createCancellationFlow } from './flows/cancellation.js';
import { createFollowUpOutbox } from './flows/follow-up.js';

export interface ServiceOptions {
  /** Stands in for the purchase flow's sale when a payment is confirmed (tests of the payment module alone). */
  completeSale?: CompleteSale;
}

/** Builds every use-case service, then the flows that span them. Each module adds its own line. */
export function createServices(platform: Platform, options: ServiceOptions = {}) {
  const { db, clock, config, pii } = platform;
  const payments = createPaymentService({ db, clock, config, pii, payments: platform.payments });
  const otp = createOtpService({ db, clock, config, pii, sms: platform.sms });
  const policies = createPolicyService({ db, clock, config, pii });
  const products = createProductService({ db, clock, config });
  const quotes = createQuoteService({ db, clock, config, products });
  // The callback asks the cancellation flow, built just below from the callback service, to cancel for mis-selling.
  const callbacks = createCallbackService({
    db,
    clock,
    config,
    pii,
    sms: platform.sms,
    face: platform.face,
    otp,
    cancelForMisselling: (trx, actor, input) => cancellation.cancelForMisselling(trx, actor, input),
  });
  const cancellation = createCancellationFlow({ db, clock, config, policies, payments, callbacks });
  const purchase = createPurchaseFlow({ policies, callbacks });
  const ledger = createLedgerService({
    db,
    clock,
    config: { origin: config.LEDGER_ORIGIN, suite: config.LEDGER_HASH, signer: platform.keys.ledgerSigner },
  });
  // One signing identity for every document the insurer issues (M§22); built on first use.
  const documentEngine = documentEngineFromConfig(config);
  const verification = createVerificationService({
    db,
    clock,
    pii,
    ledger,
    limits: {
      perClientPerMinute: config.VERIFY_PER_CLIENT_PER_MINUTE,
      failuresPerNumberPerHour: config.VERIFY_FAILURES_PER_NUMBER_PER_HOUR,
    },
  });
  const documents = createDocumentService({
    db,
    clock,
    config,
    pii,
    sms: platform.sms,
    ledger,
    engine: documentEngine,
    verification,
    publicBaseUrl: config.publicBaseUrl,
  });
  // Work after commit: documents and notices, enqueued with the events that cause them (server/platform/events.ts).
  const outbox = createFollowUpOutbox({ db, clock, logger: platform.logger, documents, callbacks });
  return {
    // The sale a confirmed payment completes: the purchase flow's, or the stand-in of a payment test.
    flows: { purchase: { completeSale: options.completeSale ?? purchase.completeSale }, cancellation },
    ledger,
    outbox,
    replay: createReplayService({ db, clock, ledger, pii }),
    verification,
    documents,
    records: createRecordsService({
      db,
      clock,
      pii,
      rules: {
        shortTermYears: config.RETENTION_SHORT_TERM_YEARS,
        longTermYears: config.RETENTION_LONG_TERM_YEARS,
        disputeYears: config.RETENTION_DISPUTE_YEARS,
      },
    }),
    products,
    quotes,
    payments,
    otp,
    consumers: createConsumerService({ db, clock, config, pii, otp }),
    staff: createStaffService({ db, clock, config, pii }),
    policies,
    applications: createApplicationService({ db, clock, config, pii, otp, face: platform.face }),
    submissions: createSubmissionService({ db, clock, pii, inForceCover: inForceCoverOf }),
    signatures: createSignatureService({ db, clock, pii, otp }),
    checkout: createCheckoutService({ db, clock, pii, payments }),
    underwriting: createUnderwritingService({
      db,
      clock,
      pii,
      applications: { listReferred, findApplication, lockApplication, findParties, findLatestAnswers, decideReferred },
    }),
    callbacks,
    ...createCallbackReportServices(platform, { engine: documentEngine }),
  };
}
export type Services = ReturnType<typeof createServices>;
