/** The staff console's entry point: staff sessions and every /v1/console route. */
export * from './console/staff.js';
export * from './console/products.js';
export * from './console/underwriting.js';
export * from './console/callbacks.js';
export * from './console/callback-quality.js';
export * from './console/records.js';
export * from './console/outbox.js';
