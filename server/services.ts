import type { Platform } from './platform/context.js';
import { createLedgerService } from './ledger/ledger.service.js';
import { createReplayService } from './ledger/replay.service.js';
import { createRecordsService } from './ledger/records.service.js';
import { createVerificationService } from './modules/documents/verification.service.js';
import { createDocumentService } from './modules/documents/document.service.js';
import { documentEngineFromConfig } from './modules/documents/engine-from-config.js';
import { createPaymentService } from './modules/payments/payment.service.js';
import { createOtpService } from './modules/identity/otp.service.js';
import { createConsumerService } from './modules/consumers/consumer.service.js';
import { createStaffService } from './modules/staff/staff.service.js';
import { createApplicationService } from './modules/sales/application.service.js';
import { createSubmissionService } from './modules/sales/submission.service.js';
import { createSignatureService } from './modules/sales/signature.service.js';
import { createCheckoutService } from './modules/sales/checkout.service.js';
import { createUnderwritingService } from './modules/underwriting/underwriting.service.js';
import { createPolicyService } from './modules/policies/policy.service.js';
import { createProductService } from './modules/products/product.service.js';
import { createQuoteService } from './modules/quotes/quote.service.js';
import { createCallbackService } from './modules/callbacks/callback.service.js';
import { createCallbackReportServices } from './modules/callbacks/callback-reports.service.js';
import { createFollowUpOutbox } from './flows/follow-up.js';

/** Builds every use-case service from the platform. Each module adds its own line. */
export function createServices(platform: Platform) {
  const { db, clock, config, pii } = platform;
  const payments = createPaymentService({ db, clock, config, pii, payments: platform.payments });
  const otp = createOtpService({ db, clock, config, pii, sms: platform.sms });
  const policies = createPolicyService({ db, clock, config, pii, payments });
  const products = createProductService({ db, clock, config });
  const quotes = createQuoteService({ db, clock, config, products });
  // Payment confirmation and issuance are one transaction (issue item 9).
  payments.setOnPaid((trx, paid) => policies.issuePolicy(trx, paid).then(() => undefined));
  // Opens a callback case in the issuing transaction and closes it in the cancelling one (CB).
  const callbacks = createCallbackService({ db, clock, config, pii, sms: platform.sms, face: platform.face, otp, policies });
  const ledger = createLedgerService({ db, clock, config: { origin: config.LEDGER_ORIGIN, suite: config.LEDGER_HASH, signer: platform.keys.ledgerSigner } });
  // One signing identity for every document the insurer issues (M§22); built on first use.
  const documentEngine = documentEngineFromConfig(config);
  const verification = createVerificationService({
    db,
    clock,
    pii,
    ledger,
    limits: { perClientPerMinute: config.VERIFY_PER_CLIENT_PER_MINUTE, failuresPerNumberPerHour: config.VERIFY_FAILURES_PER_NUMBER_PER_HOUR },
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
    ledger,
    outbox,
    replay: createReplayService({ db, clock, ledger, pii }),
    verification,
    documents,
    records: createRecordsService({
      db,
      clock,
      pii,
      rules: { shortTermYears: config.RETENTION_SHORT_TERM_YEARS, longTermYears: config.RETENTION_LONG_TERM_YEARS, disputeYears: config.RETENTION_DISPUTE_YEARS },
    }),
    products,
    quotes,
    payments,
    otp,
    consumers: createConsumerService({ db, clock, config, pii, otp }),
    staff: createStaffService({ db, clock, config, pii }),
    policies,
    applications: createApplicationService({ db, clock, config, pii, otp, face: platform.face }),
    submissions: createSubmissionService({ db, clock, pii }),
    signatures: createSignatureService({ db, clock, pii, otp }),
    checkout: createCheckoutService({ db, clock, pii, payments }),
    underwriting: createUnderwritingService({ db, clock, pii }),
    callbacks,
    ...createCallbackReportServices(platform, { engine: documentEngine }),
  };
}
export type Services = ReturnType<typeof createServices>;
