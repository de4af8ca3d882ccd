import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { systemClock, type Clock } from './platform/clock.js';
import type { Platform } from './platform/context.js';
import { loadKeys, type PlatformKeys } from './platform/keys.js';
import { createLogger, type Logger } from './platform/logger.js';
import { createPiiCipher } from './platform/pii.js';
import { createDevSmsProvider } from './modules/identity/dev-sms.provider.js';
import { createDevFaceProvider } from './modules/identity/dev-face.provider.js';
import { createDevPaymentGateway, type DevGatewayDeps } from './modules/payments/dev-gateway.provider.js';

/** Assembles the platform: keys, cipher and providers over a database. Tests pass their own clock and keys. */
export function createPlatform(opts: {
  config: Config;
  db: Db;
  clock?: Clock;
  keys?: PlatformKeys;
  logger?: Logger;
  deliverPaymentNotification?: DevGatewayDeps['deliver'];
  /**
   * The development SMS provider and payment gateway stand in for external systems, so they must not draw on the
   * platform's pool: services call them while holding a transaction (an SMS is sent last inside the transaction
   * that creates its code), and sharing one pool would let a burst of such calls take every connection and wait
   * on each other for ever. Servers pass a small pool of their own; tests, with little concurrency, may share.
   */
  providerDb?: Db;
}): Platform {
  const { config, db } = opts;
  const clock = opts.clock ?? systemClock;
  const keys = opts.keys ?? loadKeys(config);
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const pii = createPiiCipher(keys.keyring);
  const baseUrl = config.publicBaseUrl;
  if (!keys.gatewayPrivateKeyPem)
    throw new Error('A payment provider for production is not configured; only the development gateway exists');
  return {
    config,
    db,
    clock,
    keys,
    logger,
    pii,
    sms: createDevSmsProvider({ db: opts.providerDb ?? db, pii }),
    face: createDevFaceProvider(),
    payments: createDevPaymentGateway({
      db: opts.providerDb ?? db,
      pii,
      clock,
      privateKeyPem: keys.gatewayPrivateKeyPem,
      publicKeyPem: keys.gatewayPublicKeyPem,
      baseUrl,
      deliver: opts.deliverPaymentNotification,
    }),
  };
}
