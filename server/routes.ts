import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from './http.js';
import { ledgerRoutes } from './ledger/ledger.routes.js';
import { paymentRoutes } from './modules/payments/payment.routes.js';
import { consumerRoutes } from './modules/consumers/consumer.routes.js';
import { staffRoutes } from './modules/staff/staff.routes.js';
import { devSmsRoutes } from './modules/identity/dev-sms.routes.js';
import { devGatewayRoutes } from './modules/payments/dev-gateway.routes.js';
import { salesRoutes } from './modules/sales/sales.routes.js';
import { policyRoutes } from './modules/policies/policy.routes.js';
import { underwritingRoutes } from './modules/underwriting/underwriting.routes.js';
import { productRoutes } from './modules/products/product.routes.js';
import { quoteRoutes } from './modules/quotes/quote.routes.js';
import { callbackRoutes } from './modules/callbacks/callback.routes.js';
import { callbackReportRoutes } from './modules/callbacks/callback-reports.routes.js';
import { verificationRoutes } from './modules/documents/verification.routes.js';
import { documentRoutes } from './modules/documents/documents.routes.js';
import { outboxRoutes } from './platform/outbox.routes.js';

export type { RouteOptions } from './http.js';

/** Every module's routes, registered in this order. Each module adds its own line. Only app.ts imports this file. */
export const moduleRoutes: FastifyPluginAsync<RouteOptions>[] = [
  ledgerRoutes,
  consumerRoutes,
  staffRoutes,
  devSmsRoutes,
  productRoutes,
  quoteRoutes,
  paymentRoutes,
  salesRoutes,
  policyRoutes,
  underwritingRoutes,
  callbackRoutes,
  callbackReportRoutes,
  verificationRoutes,
  documentRoutes,
  outboxRoutes,
  // The development gateway stands in for an external system: never served in production.
  async (app, opts) => {
    if (opts.platform.config.NODE_ENV !== 'production') await app.register(devGatewayRoutes, opts);
  },
];
