import { randomBytes } from 'node:crypto';
import type { DbOrTrx } from '../db/database.js';
import { AppError, must } from './errors.js';
import { newId } from './ids.js';
import { createPiiCipher, maskBankAccount, maskIdNumber, maskName, maskPhone, type PiiCipher, type PiiField } from './pii.js';

/**
 * Crypto-shredding for the traceability ledger (M§33; PIPL Art. 47). Personal data that an entry must carry — the
 * phone a code went to, the ID number a check ran on — is sealed under a data key of its record scope, never
 * written in plaintext or masked form. Entries are hashed into the Merkle tree as sealed; once the scope's
 * retention has passed, its key is destroyed and the values become unreadable, while every entry's bytes, every
 * proof and every checkpoint stay valid.
 *
 * A scope is the unit records are kept for: an application (and the policy it became) or a consumer's phone
 * (sign-in codes, registration, before any application exists).
 */
export type SealScope = { type: 'application'; id: string } | { type: 'consumer_phone'; id: string };

/** How a sealed value appears in an event payload and its ledger entry. */
export interface SealedValue {
  $sealed: { field: PiiField; ct: string };
}

export function isSealed(v: unknown): v is SealedValue {
  return typeof v === 'object' && v !== null && '$sealed' in v && typeof (v as SealedValue).$sealed?.ct === 'string';
}

/** The data key's id is the key id inside the ciphertext (`v1.<suite>.<keyId>.…`). */
function keyIdOf(ct: string): string {
  return ct.split('.')[2] ?? '';
}

const MASKS: Partial<Record<PiiField, (s: string) => string>> = {
  id_number: maskIdNumber,
  phone: maskPhone,
  name: maskName,
  bank_account: maskBankAccount,
  // The network, not the host: 203.0.113.* / 2001:db8:85a3:*.
  ip_address: (ip) => (ip.includes(':') ? `${ip.split(':').slice(0, 3).join(':')}:*` : `${ip.split('.').slice(0, 3).join('.')}.*`),
};

export function createSubjectKeys(deps: { pii: PiiCipher }) {
  const { pii } = deps;

  function cipherFor(keyId: string, key: Buffer) {
    // A keyring of one data key; the blind index is never used on sealed values.
    return createPiiCipher({ activeKeyId: keyId, keys: new Map([[keyId, key]]), suite: pii.suite, blindIndexKey: key });
  }

  /** The scope's live data key, created in the caller's transaction on first use. */
  async function liveKey(trx: DbOrTrx, scope: SealScope, now: Date): Promise<{ id: string; key: Buffer }> {
    const find = () =>
      trx
        .selectFrom('subject_keys')
        .select(['id', 'key_cipher'])
        .where('scope_type', '=', scope.type)
        .where('scope_id', '=', scope.id)
        .executeTakeFirst();
    let row = await find();
    if (!row) {
      // Two transactions sealing for a new scope at once: one insert wins, the other reads the winner's key.
      await trx
        .insertInto('subject_keys')
        .values({
          id: newId('sk', now.getTime()),
          scope_type: scope.type,
          scope_id: scope.id,
          key_cipher: pii.encrypt('subject_key', randomBytes(32).toString('base64')),
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['scope_type', 'scope_id']).doNothing())
        .execute();
      row = must(await find(), `the data key of ${scope.type} ${scope.id} after inserting it`);
    }
    if (!row.key_cipher)
      throw new AppError('RECORDS_SHREDDED', `The data key of ${scope.type} ${scope.id} was destroyed: nothing more is recorded for it`);
    return { id: row.id, key: Buffer.from(pii.decrypt('subject_key', row.key_cipher), 'base64') };
  }

  /** Seals one personal-data value for an event payload, under its scope's key, in the caller's transaction. */
  async function seal(trx: DbOrTrx, scope: SealScope, field: PiiField, value: string, now: Date): Promise<SealedValue> {
    const { id, key } = await liveKey(trx, scope, now);
    return { $sealed: { field, ct: cipherFor(id, key).encrypt(field, value) } };
  }

  /**
   * Opens sealed values for display, masked as the display rules say (M§38). A value whose key was destroyed
   * shows as destroyed; the entry itself is untouched.
   */
  async function revealMasked(db: DbOrTrx, values: SealedValue[]): Promise<Map<string, { shown: string | null; destroyed: boolean }>> {
    const out = new Map<string, { shown: string | null; destroyed: boolean }>();
    const keyIds = [...new Set(values.map((v) => keyIdOf(v.$sealed.ct)))];
    if (!keyIds.length) return out;
    const rows = await db.selectFrom('subject_keys').select(['id', 'key_cipher']).where('id', 'in', keyIds).execute();
    const ciphers = new Map(
      rows.flatMap((r) =>
        r.key_cipher ? [[r.id, cipherFor(r.id, Buffer.from(pii.decrypt('subject_key', r.key_cipher), 'base64'))] as const] : [],
      ),
    );
    for (const v of values) {
      const c = ciphers.get(keyIdOf(v.$sealed.ct));
      if (!c) {
        out.set(v.$sealed.ct, { shown: null, destroyed: true });
        continue;
      }
      const plain = c.decrypt(v.$sealed.field, v.$sealed.ct);
      const mask = MASKS[v.$sealed.field];
      out.set(v.$sealed.ct, { shown: mask ? mask(plain) : '*'.repeat(Array.from(plain).length), destroyed: false });
    }
    return out;
  }

  /**
   * Destroys a scope's data key, once: from then on its sealed values cannot be read by anyone. The caller decides
   * that retention allows it; this only makes it irreversible. Returns false when there was no live key.
   */
  async function destroy(trx: DbOrTrx, scope: SealScope, by: string, reason: string, now: Date): Promise<boolean> {
    const r = await trx
      .updateTable('subject_keys')
      .set({ key_cipher: null, destroyed_at: now, destroyed_by: by, destroy_reason: reason })
      .where('scope_type', '=', scope.type)
      .where('scope_id', '=', scope.id)
      .where('destroyed_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** When a scope's key was destroyed, or null while it lives (or was never made). */
  async function destroyedAt(db: DbOrTrx, scope: SealScope): Promise<Date | null> {
    const key = await db
      .selectFrom('subject_keys')
      .select('destroyed_at')
      .where('scope_type', '=', scope.type)
      .where('scope_id', '=', scope.id)
      .executeTakeFirst();
    return key?.destroyed_at ?? null;
  }

  return { seal, revealMasked, destroy, destroyedAt };
}
export type SubjectKeys = ReturnType<typeof createSubjectKeys>;

/** Every sealed value anywhere inside a payload. */
export function sealedValuesIn(value: unknown, into: SealedValue[] = []): SealedValue[] {
  if (isSealed(value)) into.push(value);
  else if (Array.isArray(value)) for (const v of value) sealedValuesIn(v, into);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) sealedValuesIn(v, into);
  return into;
}

/** A payload with each sealed value replaced by what `reveal` says of it. */
export function replaceSealed(value: unknown, reveal: (s: SealedValue) => unknown): unknown {
  if (isSealed(value)) return reveal(value);
  if (Array.isArray(value)) return value.map((v) => replaceSealed(v, reveal));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSealed(v, reveal)]));
  return value;
}
