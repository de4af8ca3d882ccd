/** What anyone may call without a session: the catalogue, quotes, verification, ledger proofs, gateway notifications. */
export * from './public/catalogue.js';
export * from './public/verification.js';
export * from './public/ledger.js';
export * from './public/payments.js';
