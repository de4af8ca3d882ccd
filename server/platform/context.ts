import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { PiiCipher } from './pii.js';
import type { FaceProvider, PaymentProvider, SmsProvider } from './providers.js';
import type { PlatformKeys } from './keys.js';

/** What every service may be built from. Services take the narrow part they need, never the whole of it. */
export interface Platform {
  config: Config;
  db: Db;
  clock: Clock;
  pii: PiiCipher;
  keys: PlatformKeys;
  logger: Logger;
  sms: SmsProvider;
  face: FaceProvider;
  payments: PaymentProvider;
}
