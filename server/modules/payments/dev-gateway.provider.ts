import type { Db } from '../../db/database.js';
import type { Clock } from '../../platform/clock.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { PaymentProvider } from '../../platform/providers.js';

export interface DevGatewayDeps {
  db: Db;
  pii: PiiCipher;
  clock: Clock;
  privateKeyPem: string;
  publicKeyPem: string;
  /** Base URL the consumer's browser reaches the gateway's payment page on. */
  baseUrl: string;
  /** Delivers a signed notification to the platform; by default an HTTP POST to the notify URL. */
  deliver?: (notification: { body: string; headers: Record<string, string> }) => Promise<void>;
}

// Placeholder until the development gateway lands.
export function createDevPaymentGateway(_deps: DevGatewayDeps): PaymentProvider & { name: 'dev-gateway' } {
  const fail = async (): Promise<never> => {
    throw new Error('dev gateway not implemented yet');
  };
  return { name: 'dev-gateway', createPayment: fail, queryPayment: fail, refund: fail, verifyNotification: () => null };
}
