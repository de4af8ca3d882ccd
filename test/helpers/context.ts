import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../server/config.js';
import { createPlatform } from '../../server/boot.js';
import { createServices, type ServiceOptions, type Services } from '../../server/services.js';
import { buildApp, type App } from '../../server/app.js';
import { createManualClock, type ManualClock } from '../../server/platform/clock.js';
import { createLogger } from '../../server/platform/logger.js';
import type { PlatformKeys } from '../../server/platform/keys.js';
import type { Platform } from '../../server/platform/context.js';
import type { Db } from '../../server/db/database.js';
import { generateSigner, signerFromPem } from '../../server/ledger/signer.js';
import { createTestDatabase } from './database.js';

export function testKeys(
  suite: 'aes-256-gcm' | 'sm4' = 'aes-256-gcm',
  ledger: { origin: string; algorithm: 'ed25519' | 'sm2'; privateKeyPem?: string } = {
    origin: 'ledger.wangbao.local/v1',
    algorithm: 'ed25519',
  },
): PlatformKeys {
  const gw = generateKeyPairSync('ed25519');
  return {
    ledgerSigner: ledger.privateKeyPem
      ? signerFromPem(ledger.origin, ledger.privateKeyPem)
      : generateSigner(ledger.algorithm, ledger.origin).signer,
    keyring: { activeKeyId: 'test1', keys: new Map([['test1', randomBytes(32)]]), suite, blindIndexKey: randomBytes(32) },
    gatewayPrivateKeyPem: gw.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    gatewayPublicKeyPem: gw.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface TestContext {
  db: Db;
  /** The connection URL of this test's own database, for child processes and the CLI. */
  url: string;
  clock: ManualClock;
  config: Config;
  platform: Platform;
  services: Services;
  app: App;
  /** Payment notifications the development gateway has sent and the test has not yet delivered. */
  pendingNotifications: Array<{ body: string; headers: Record<string, string> }>;
  /** Delivers every pending payment notification to the platform, as the gateway's HTTP POST would. */
  deliverNotifications(): Promise<Array<{ statusCode: number; body: string }>>;
  close(): Promise<void>;
}

/**
 * A platform on its own database with a manual clock. Payment notifications queue up until the test delivers
 * them, so tests can duplicate, reorder or race them.
 */
export async function createTestContext(
  opts: {
    env?: Record<string, string>;
    start?: string;
    /** Capture every log line (at trace level, request logs on). */
    logLines?: string[];
    /** Stands in for the sale a confirmed payment completes (payment tests). */
    completeSale?: ServiceOptions['completeSale'];
  } = {},
): Promise<TestContext> {
  const database = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_BASE_URL: 'http://wangbao.test', ...opts.env });
  const clock = createManualClock(opts.start ?? '2026-03-02T02:00:00.000Z');
  const pendingNotifications: TestContext['pendingNotifications'] = [];
  const platform = createPlatform({
    config,
    db: database.db,
    clock,
    keys: testKeys(config.PII_CIPHER, {
      origin: config.LEDGER_ORIGIN,
      algorithm: config.LEDGER_SIGNATURE,
      privateKeyPem: config.LEDGER_PRIVATE_KEY,
    }),
    logger: opts.logLines ? createLogger('trace', { write: (line: string) => void opts.logLines!.push(line) }) : createLogger('silent'),
    deliverPaymentNotification: async (n) => {
      pendingNotifications.push(n);
    },
  });
  const services = createServices(platform, { completeSale: opts.completeSale });
  const app = await buildApp(platform, services, { logger: !!opts.logLines });
  await app.ready();
  return {
    db: database.db,
    url: database.url,
    clock,
    config,
    platform,
    services,
    app,
    pendingNotifications,
    async deliverNotifications() {
      const batch = pendingNotifications.splice(0);
      const out = [];
      for (const n of batch) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/payments/notifications/dev-gateway',
          headers: n.headers,
          payload: n.body,
        });
        out.push({ statusCode: res.statusCode, body: res.body });
      }
      return out;
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
