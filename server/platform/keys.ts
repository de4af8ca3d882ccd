import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { parseKeyList, type PiiKeyring } from './pii.js';
import { generateSigner, signerFromPem, type NoteAlgorithm, type NoteSigner } from '../ledger/signer.js';

/** The checkpoint signer: the configured key, or in development one made once and kept in the dev key file. */
function ledgerSigner(config: Config, file: string | undefined): NoteSigner {
  const name = config.LEDGER_ORIGIN;
  if (config.LEDGER_PRIVATE_KEY) return signerFromPem(name, config.LEDGER_PRIVATE_KEY);
  if (!file) throw new Error('LEDGER_PRIVATE_KEY is required in production');
  const dev = loadOrCreateDevKeys(file);
  let pem = dev.ledgerPrivateKeyPem?.[config.LEDGER_SIGNATURE];
  if (!pem) {
    pem = generateSigner(config.LEDGER_SIGNATURE, name).privateKeyPem;
    dev.ledgerPrivateKeyPem = { ...dev.ledgerPrivateKeyPem, [config.LEDGER_SIGNATURE]: pem };
    writeFileSync(file, JSON.stringify(dev, null, 2), { mode: 0o600 });
  }
  return signerFromPem(name, pem);
}

/** Keys the development platform makes for itself on first start; production takes every key from configuration. */
interface DevKeys {
  piiKeyId: string;
  piiKey: string;
  blindIndexKey: string;
  gatewayPrivateKeyPem: string;
  gatewayPublicKeyPem: string;
  /** Checkpoint signing keys by algorithm, made on first use. */
  ledgerPrivateKeyPem?: Partial<Record<NoteAlgorithm, string>>;
}

function loadOrCreateDevKeys(file: string): DevKeys {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevKeys;
  const gw = generateKeyPairSync('ed25519');
  const keys: DevKeys = {
    piiKeyId: 'dev1',
    piiKey: randomBytes(32).toString('base64'),
    blindIndexKey: randomBytes(32).toString('base64'),
    gatewayPrivateKeyPem: gw.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    gatewayPublicKeyPem: gw.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

export interface PlatformKeys {
  keyring: PiiKeyring;
  /** Signs the ledger's checkpoints. */
  ledgerSigner: NoteSigner;
  /** The development gateway signs its notifications with this; the platform verifies with the public key. */
  gatewayPrivateKeyPem?: string;
  gatewayPublicKeyPem: string;
}

export function loadKeys(config: Config): PlatformKeys {
  if (config.PII_KEYS) {
    const keys = parseKeyList(config.PII_KEYS);
    const activeKeyId = config.PII_ACTIVE_KEY_ID ?? [...keys.keys()].at(-1);
    if (activeKeyId === undefined) throw new Error('PII_KEYS names no key');
    if (!config.BLIND_INDEX_KEY) throw new Error('BLIND_INDEX_KEY is required when PII_KEYS is set');
    const dev = config.NODE_ENV === 'production' ? undefined : loadOrCreateDevKeys(config.DEV_KEY_FILE);
    const gatewayPublicKeyPem = config.PAYMENT_GATEWAY_PUBLIC_KEY ?? dev?.gatewayPublicKeyPem;
    if (!gatewayPublicKeyPem) throw new Error('PAYMENT_GATEWAY_PUBLIC_KEY is required in production');
    return {
      keyring: { activeKeyId, keys, suite: config.PII_CIPHER, blindIndexKey: Buffer.from(config.BLIND_INDEX_KEY, 'base64') },
      ledgerSigner: ledgerSigner(config, config.NODE_ENV === 'production' ? undefined : config.DEV_KEY_FILE),
      gatewayPrivateKeyPem: config.PAYMENT_GATEWAY_PUBLIC_KEY ? undefined : dev?.gatewayPrivateKeyPem,
      gatewayPublicKeyPem,
    };
  }
  if (config.NODE_ENV === 'production')
    throw new Error('PII_KEYS, PII_ACTIVE_KEY_ID, BLIND_INDEX_KEY and LEDGER_PRIVATE_KEY must be configured in production');
  const dev = loadOrCreateDevKeys(config.DEV_KEY_FILE);
  return {
    ledgerSigner: ledgerSigner(config, config.DEV_KEY_FILE),
    keyring: {
      activeKeyId: dev.piiKeyId,
      keys: new Map([[dev.piiKeyId, Buffer.from(dev.piiKey, 'base64')]]),
      suite: config.PII_CIPHER,
      blindIndexKey: Buffer.from(dev.blindIndexKey, 'base64'),
    },
    gatewayPrivateKeyPem: dev.gatewayPrivateKeyPem,
    gatewayPublicKeyPem: dev.gatewayPublicKeyPem,
  };
}
