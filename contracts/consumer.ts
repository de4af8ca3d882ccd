/**
 * The consumer's entry point: everything the H5 pages send and receive once signed in. It imports `common` and
 * `public` at most, never `console`: a consumer bundle carries no staff schemas (checked by a test).
 */
export * from './consumer/account.js';
export * from './consumer/sales.js';
export * from './consumer/policies.js';
export * from './consumer/payments.js';
export * from './consumer/documents.js';
export * from './consumer/callbacks.js';
