import { isIP } from 'node:net';
import { z } from 'zod';
import { isCalendarDate } from './platform/dates.js';

/**
 * One schema over the environment, parsed once at boot. Every number the rules mark as configurable lives here
 * with the default the requirements give, never as a literal buried in a module.
 */
/** A comma-separated list of calendar dates, each a real day; parsed to the list. */
const dateList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
  )
  .refine((ds) => ds.every((d) => isCalendarDate(d)), 'each entry must be a date YYYY-MM-DD');

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.string().url().optional(),
  /**
   * The reverse proxies whose X-Forwarded-For is believed, `ip` or `ip/prefix` separated by commas. Empty (the
   * default): the client's address is the connection's own, whatever headers it sends.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .refine((ps) => ps.every(isAddressOrRange), 'each entry must be an IP address or a range such as 10.0.0.0/8'),
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
  POLICY_NUMBER_PREFIX: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default('WB'),

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
  LEDGER_ORIGIN: z
    .string()
    .regex(/^[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/)
    .default('ledger.wangbao.local/v1'),
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

  // Public policy verification (M§12(6)) and documents (M§22)
  VERIFY_PER_CLIENT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  VERIFY_FAILURES_PER_NUMBER_PER_HOUR: z.coerce.number().int().min(1).default(5),
  /** The seller's tax ID when a product's insurer carries none (统一社会信用代码). */
  INVOICE_SELLER_TAX_ID: z
    .string()
    .regex(/^[0-9A-Z]{15,20}$/)
    .default('91350100M000100Y43'),
  /** Two digits of the tax region in 全电发票 numbers. */
  INVOICE_REGION_CODE: z
    .string()
    .regex(/^\d{2}$/)
    .default('31'),
  /** Where the documents' development CA and signing certificate live (created on first start when no PEMs are given). */
  DOCUMENT_CA_DIR: z.string().default('./data/documents-ca'),
  /** Production document signing: the certificate chain and key as PEM (the development CA is used when absent). */
  DOCUMENT_SIGNING_CERT_PEM: z.string().optional(),
  DOCUMENT_SIGNING_KEY_PEM: z.string().optional(),
  DOCUMENT_SIGNING_CHAIN_PEM: z.string().optional(),

  /** The electronic callback (CB, requirements §2.7). Not done electronically this many days before the 犹豫期 ends → a phone task. */
  CALLBACK_FALLBACK_DAYS_BEFORE_END: z.coerce.number().int().min(1).max(30).default(5),
  /** Failed phone calls before the callback moves to a letter or visit. */
  CALLBACK_PHONE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** Days after the 犹豫期 ends by which a letter or visit must bring back the signed receipt. */
  CALLBACK_LETTER_DAYS: z.coerce.number().int().min(1).max(180).default(30),
  /** Failed letters or visits before the callback is recorded as failed. */
  CALLBACK_LETTER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(2),
  /** Failed identity checks (wrong code, other ID, other face) that end an electronic callback. */
  CALLBACK_IDENTITY_MAX_FAILURES: z.coerce.number().int().min(1).max(20).default(5),
  /** Products of a term of one year or less that opt in to the callback: comma-separated product codes. */
  CALLBACK_OPT_IN_PRODUCTS: z.string().default(''),
  /** Largest call recording or receipt scan accepted, in bytes. */
  CALLBACK_MEDIA_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(20 * 1024 * 1024),
  /** Quality sampling (抽检): the share of completed callbacks drawn where no rule names the channel or product; a decimal 0–1, at most 6 places. */
  CALLBACK_SAMPLING_DEFAULT_RATE: z
    .string()
    .regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/)
    .default('0.05'),
  /** Days a failed sample's rework is due in. */
  CALLBACK_SAMPLING_REWORK_DAYS: z.coerce.number().int().min(1).max(90).default(10),
  /** First-use report (首次使用电子化回访报告): the regions the callback serves, comma-separated (e.g. 北京市,上海市). */
  CALLBACK_REGIONS: z.string().default(''),
  /** The sales channels the callback serves when no case names one yet, comma-separated (direct = the self-operated platform). */
  CALLBACK_CHANNELS: z.string().default('direct'),
  /** The insurer's written callback rules, `area=title` separated by `;`; areas: flow, archive, sampling, problems, disputes, accountability. */
  CALLBACK_MANAGEMENT_RULES: z.string().default(''),
  /** The day the electronic callback is first used (实施日), YYYY-MM-DD; the first case's day when unset. */
  CALLBACK_FIRST_USE_DATE: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  /** Public holidays (法定节假日) and the weekend days worked in exchange (调休), YYYY-MM-DD comma-separated: working-day deadlines count them. */
  PUBLIC_HOLIDAYS: dateList,
  MAKE_UP_WORKDAYS: dateList,

  /** Development payment gateway's signing key (PEM, Ed25519). Generated into DEV_KEY_FILE when unset. */
  PAYMENT_GATEWAY_PUBLIC_KEY: z.string().optional(),
});

export type Config = z.infer<typeof configSchema> & {
  onlineLineAllowList: string[];
  /** Where consumers and the payment gateway reach the platform, without a trailing slash. */
  publicBaseUrl: string;
  /** CALLBACK_OPT_IN_PRODUCTS as a list: separated by commas (also full-width) or 、. */
  callbackOptInProducts: string[];
};

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  const c = parsed.data;
  return {
    ...c,
    onlineLineAllowList: c.ONLINE_LINE_ALLOW_LIST.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    publicBaseUrl: (c.PUBLIC_BASE_URL ?? `http://${c.HOST}:${c.PORT}`).replace(/\/$/, ''),
    callbackOptInProducts: [
      ...new Set(
        c.CALLBACK_OPT_IN_PRODUCTS.split(/[,，、]/)
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ],
  };
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}
