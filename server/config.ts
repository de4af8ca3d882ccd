import { z } from 'zod';

/**
 * One schema over the environment, parsed once at boot. Every number the rules mark as configurable lives here
 * with the default the requirements give, never as a literal buried in a module.
 */
const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** When unset, an embedded PostgreSQL is started under EMBEDDED_PG_DIR. */
  DATABASE_URL: z.string().optional(),
  /**
   * A separate role for migrations. When set, the server migrates with it and leaves the DATABASE_URL role without
   * UPDATE, DELETE or TRUNCATE on the ledger and events; background jobs (which create their own schema) use it too.
   */
  MIGRATION_DATABASE_URL: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  EMBEDDED_PG_DIR: z.string().default('./data/pg'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),

  /** Personal-data encryption (M§38, requirements §2.10): "kid:base64key,kid2:base64key"; 32-byte keys. */
  PII_KEYS: z.string().optional(),
  PII_ACTIVE_KEY_ID: z.string().optional(),
  PII_CIPHER: z.enum(['aes-256-gcm', 'sm4']).default('aes-256-gcm'),
  /** Keyed blind index over personal data, base64, 32 bytes. */
  BLIND_INDEX_KEY: z.string().optional(),
  /** Where development keys are kept when no keys are configured (never in production). */
  DEV_KEY_FILE: z.string().default('./data/dev-keys.json'),

  /** The insurer's dedicated premium account (M§19): premiums must land here. */
  PREMIUM_ACCOUNT_NO: z.string().default('6222020200112233445'),
  PREMIUM_ACCOUNT_NAME: z.string().default('网保示范人寿保险股份有限公司保费专用账户'),
  INSURER_NAME: z.string().default('网保示范人寿保险股份有限公司'),
  /** Policy-number prefix, two letters. */
  POLICY_NUMBER_PREFIX: z.string().regex(/^[A-Z]{2}$/).default('WB'),

  /** 犹豫期 cancellation cost in fen; the rules cap it at ¥10 (requirements §2.8). */
  COOLING_OFF_COST_FEN: z.coerce.number().int().min(0).max(1000).default(1000),
  QUOTE_TTL_MINUTES: z.coerce.number().int().min(1).default(30),
  PAYMENT_ORDER_TTL_MINUTES: z.coerce.number().int().min(1).default(30),
  /** Online life products are limited to these lines (requirements §2.1). */
  ONLINE_LINE_ALLOW_LIST: z.string().default('accident,health,term_life,whole_life,annuity,universal,unit_linked,participating'),

  OTP_TTL_SECONDS: z.coerce.number().int().min(30).default(300),
  OTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  OTP_RESEND_SECONDS: z.coerce.number().int().min(0).default(60),
  OTP_MAX_PER_HOUR: z.coerce.number().int().min(1).default(10),

  STAFF_MAX_FAILED_LOGINS: z.coerce.number().int().min(1).default(5),
  STAFF_LOCKOUT_MINUTES: z.coerce.number().int().min(1).default(30),
  STAFF_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  CONSUMER_SESSION_HOURS: z.coerce.number().int().min(1).default(24),

  /** The traceability ledger (M§33): its origin line, hash suite and checkpoint signature, fixed per deployment. */
  LEDGER_ORIGIN: z.string().regex(/^[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/).default('ledger.wangbao.local/v1'),
  LEDGER_HASH: z.enum(['sha256', 'sm3']).default('sha256'),
  LEDGER_SIGNATURE: z.enum(['ed25519', 'sm2']).default('ed25519'),
  /** PEM private key that signs checkpoints (Ed25519 or SM2, as LEDGER_SIGNATURE says). Generated in development. */
  LEDGER_PRIVATE_KEY: z.string().optional(),
  /** How often the sequencer integrates queued entries, and how often a new checkpoint is signed. */
  LEDGER_SEQUENCE_MS: z.coerce.number().int().min(10).default(200),
  LEDGER_CHECKPOINT_MS: z.coerce.number().int().min(100).default(5000),

  /** Retention of trace records from termination (requirements §2.4): ≤ 1-year terms, longer terms, after disputes. */
  RETENTION_SHORT_TERM_YEARS: z.coerce.number().int().min(5).default(5),
  RETENTION_LONG_TERM_YEARS: z.coerce.number().int().min(10).default(10),
  RETENTION_DISPUTE_YEARS: z.coerce.number().int().min(2).default(2),

  /** Development payment gateway's signing key (PEM, Ed25519). Generated into DEV_KEY_FILE when unset. */
  PAYMENT_GATEWAY_PUBLIC_KEY: z.string().optional(),
});

export type Config = z.infer<typeof configSchema> & { onlineLineAllowList: string[] };

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  return { ...c, onlineLineAllowList: c.ONLINE_LINE_ALLOW_LIST.split(',').map((s) => s.trim()).filter(Boolean) };
}
