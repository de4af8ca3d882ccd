import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Personal data at rest (M§38, PIPL, JR/T 0171 C2/C3): every ID number, phone number, bank account and health
 * answer is stored only as ciphertext, bound to the field it belongs to, with the id of the key that made it so
 * keys can rotate. Lookups go through a keyed blind index, never through the plaintext.
 *
 * Ciphertext text form: `v1.<suite>.<keyId>.<iv>.<body>.<tag>` (base64url parts).
 * - `aes`: AES-256-GCM with the field name as additional data.
 * - `sm4`: SM4-CTR then HMAC-SM3 over everything before the tag (encrypt-then-MAC; Node's OpenSSL has no SM4-GCM).
 */
export type CipherSuite = 'aes-256-gcm' | 'sm4';

export interface PiiKeyring {
  activeKeyId: string;
  keys: Map<string, Buffer>;
  suite: CipherSuite;
  blindIndexKey: Buffer;
}

export type PiiField =
  | 'id_number'
  | 'phone'
  | 'name'
  | 'bank_account'
  | 'health_answer'
  | 'answer'
  | 'face_image'
  | 'sms_body'
  | 'totp_secret'
  | 'address'
  | 'subject_key'
  | 'ip_address';

const b64u = (b: Buffer) => b.toString('base64url');
const fromB64u = (s: string) => Buffer.from(s, 'base64url');

export function createPiiCipher(keyring: PiiKeyring) {
  const activeKey = keyring.keys.get(keyring.activeKeyId);
  if (!activeKey || activeKey.length !== 32) throw new Error(`PII key ${keyring.activeKeyId} must exist and be 32 bytes`);
  const active: Buffer = activeKey; // narrowed once for the functions below

  function sm4Keys(key: Buffer) {
    return {
      enc: createHmac('sm3', key).update('wangbao-sm4-enc').digest().subarray(0, 16),
      mac: createHmac('sm3', key).update('wangbao-sm4-mac').digest(),
    };
  }

  function encrypt(field: PiiField, plaintext: string): string {
    const kid = keyring.activeKeyId;
    if (keyring.suite === 'sm4') {
      const { enc, mac } = sm4Keys(active);
      const iv = randomBytes(16);
      const c = createCipheriv('sm4-ctr', enc, iv);
      const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      const head = `v1.sm4.${kid}.${b64u(iv)}.${b64u(body)}`;
      const tag = createHmac('sm3', mac).update(field).update('\0').update(head).digest();
      return `${head}.${b64u(tag)}`;
    }
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', active, iv);
    c.setAAD(Buffer.from(`${field}|${kid}`));
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return `v1.aes.${kid}.${b64u(iv)}.${b64u(body)}.${b64u(c.getAuthTag())}`;
  }

  function decrypt(field: PiiField, ciphertext: string): string {
    const parts = ciphertext.split('.');
    if (parts.length !== 6 || parts[0] !== 'v1') throw new Error('Not a wangbao ciphertext');
    const [, suite, kid, ivS, bodyS, tagS] = parts as [string, string, string, string, string, string];
    const key = keyring.keys.get(kid);
    if (!key) throw new Error(`Unknown PII key id ${kid}`);
    if (suite === 'sm4') {
      const { enc, mac } = sm4Keys(key);
      const head = parts.slice(0, 5).join('.');
      const expected = createHmac('sm3', mac).update(field).update('\0').update(head).digest();
      const tag = fromB64u(tagS);
      if (tag.length !== expected.length || !timingSafeEqual(tag, expected)) throw new Error('PII ciphertext failed authentication');
      const d = createDecipheriv('sm4-ctr', enc, fromB64u(ivS));
      return Buffer.concat([d.update(fromB64u(bodyS)), d.final()]).toString('utf8');
    }
    if (suite !== 'aes') throw new Error(`Unknown cipher suite ${suite}`);
    const d = createDecipheriv('aes-256-gcm', key, fromB64u(ivS));
    d.setAAD(Buffer.from(`${field}|${kid}`));
    d.setAuthTag(fromB64u(tagS));
    return Buffer.concat([d.update(fromB64u(bodyS)), d.final()]).toString('utf8');
  }

  /** Keyed blind index: equal plaintexts of one field give equal tokens; the token reveals nothing without the key. */
  function blindIndex(field: PiiField, plaintext: string): string {
    return createHmac('sha256', keyring.blindIndexKey).update(field).update('\0').update(normalize(field, plaintext)).digest('base64url');
  }

  /** A secret of its own for one purpose (e.g. policy verification codes), derived so no new key must be managed. */
  function deriveKey(label: string): Buffer {
    return createHmac('sha256', keyring.blindIndexKey).update('wangbao-derive\0').update(label).digest();
  }

  return { encrypt, decrypt, blindIndex, deriveKey, suite: keyring.suite, activeKeyId: keyring.activeKeyId };
}
export type PiiCipher = ReturnType<typeof createPiiCipher>;

function normalize(field: PiiField, s: string): string {
  const t = s.trim();
  if (field === 'id_number') return t.toUpperCase();
  if (field === 'phone' || field === 'bank_account') return t.replace(/[\s-]/g, '');
  return t;
}

/** Parses "kid:base64,kid2:base64" into a key map. */
export function parseKeyList(list: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const item of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const i = item.indexOf(':');
    if (i <= 0) throw new Error('PII_KEYS must look like "kid:base64key,kid2:base64key"');
    const key = Buffer.from(item.slice(i + 1), 'base64');
    if (key.length !== 32) throw new Error(`PII key ${item.slice(0, i)} must be 32 bytes`);
    keys.set(item.slice(0, i), key);
  }
  return keys;
}

// ——— masking: what a person sees (requirements §2.10: C2 data masked on display) ———

/** 110105********002X: region kept for context, birth date and sequence hidden, check char and 3 before it kept. */
export function maskIdNumber(id: string): string {
  if (id.length < 8) return '*'.repeat(id.length);
  return id.slice(0, 3) + '*'.repeat(id.length - 7) + id.slice(-4);
}

/** 138****5678 */
export function maskPhone(phone: string): string {
  const p = phone.replace(/\D/g, '');
  if (p.length < 7) return '*'.repeat(p.length);
  return p.slice(0, 3) + '*'.repeat(p.length - 7) + p.slice(-4);
}

/** 王*, 欧阳** — the family name stays; characters are counted as code points, so 𠮷 stays whole. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** ****5678 */
export function maskBankAccount(account: string): string {
  const a = account.replace(/\D/g, '');
  return '****' + a.slice(-4);
}
