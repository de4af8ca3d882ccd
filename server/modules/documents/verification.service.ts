import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../platform/clock.js';
import { shanghaiDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { maskName, type PiiCipher } from '../../platform/pii.js';
import type { LedgerService } from '../../ledger/ledger.service.js';
import { requireProductVersion } from '../products/index.js';
import { findPolicyByNumber } from '../policies/index.js';
import { findPolicyholder } from '../sales/index.js';
import * as repo from './document.repository.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The verification code printed on a policy (M§12(6)): 10 Crockford base32 characters of a keyed MAC of the
 * policy number, shown as `XXXXX-XXXXX`. Derived, never stored: the document job and the verifier compute it
 * alike, and a database dump does not give it away.
 */
export function verificationCodeOf(key: Buffer, policyNumber: string): string {
  const mac = createHmac('sha256', key).update('policy-verification\0').update(policyNumber).digest();
  let bits = 0n;
  for (const b of mac.subarray(0, 7)) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 10; i++) out += CROCKFORD[Number((bits >> BigInt(51 - 5 * i)) & 31n)];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/**
 * Crockford's reading of what a person typed: full-width forms (Chinese input methods) read as their ASCII (NFKC),
 * case-insensitive, I/L read as 1, O as 0, spaces and dashes of any width ignored.
 */
export function normaliseCode(code: string): string {
  const c = code
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-\u2010-\u2015\u2212\u30fc]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  return c.length === 10 ? `${c.slice(0, 5)}-${c.slice(5)}` : c;
}

export interface VerificationLimits {
  /** Checks one client may make per minute. */
  perClientPerMinute: number;
  /** Wrong answers for one policy number per hour before the number is locked for the rest of the hour. */
  failuresPerNumberPerHour: number;
}

export type PolicyStanding = 'in_force' | 'not_yet_effective' | 'expired' | 'cancelled';

/**
 * Public verification of a policy (验真, M§12(6)): by policy number and the code printed on it, or by the QR code
 * that carries both. Anyone may ask. A genuine policy answers with its non-sensitive facts and the ledger
 * inclusion proof of its issuance; an unknown number and a wrong code get the very same answer, and attempts are
 * limited per client and per number, so numbers cannot be enumerated and codes cannot be guessed.
 */
export function createVerificationService(deps: {
  db: Db;
  clock: Clock;
  pii: PiiCipher;
  ledger: Pick<LedgerService, 'latestCheckpoint' | 'inclusionProof' | 'leafOfEvent'>;
  limits: VerificationLimits;
}) {
  const { db, clock, pii, ledger, limits } = deps;
  const codeKey = pii.deriveKey('wangbao/policy-verification/v1');
  const attemptKey = pii.deriveKey('wangbao/verification-attempts/v1');
  const keyOf = (label: string, value: string) =>
    createHmac('sha256', attemptKey).update(label).update('\0').update(value).digest('base64url');

  function codeFor(policyNumber: string): string {
    return verificationCodeOf(codeKey, policyNumber);
  }

  async function assertWithinLimits(clientKey: string, numberKey: string, now: Date) {
    const minuteAgo = new Date(now.getTime() - 60_000);
    const hourAgo = new Date(now.getTime() - 3_600_000);
    if ((await repo.countAttemptsOfClient(db, clientKey, minuteAgo)) >= limits.perClientPerMinute)
      throw new AppError('RATE_LIMITED', 'Too many verification requests; try again in a minute');
    if ((await repo.countFailuresOfNumber(db, numberKey, hourAgo)) >= limits.failuresPerNumberPerHour)
      throw new AppError('RATE_LIMITED', 'Too many wrong codes for this policy number; try again later');
  }

  async function verify(input: { policyNumber: string; code: string; client: string }) {
    const now = clock.now();
    const policyNumber = input.policyNumber.trim().toUpperCase();
    const clientKey = keyOf('client', input.client);
    // Keyed on the number as asked, whether or not it exists: unknown numbers are limited exactly like real ones.
    const numberKey = keyOf('number', policyNumber);
    await assertWithinLimits(clientKey, numberKey, now);

    const policy = await findPolicyByNumber(db, policyNumber);
    // The code is always computed and compared, found or not, so both answers take the same work.
    // Compared as digests: equal lengths whatever was typed (a Chinese character is three bytes, not one).
    const expected = createHash('sha256').update(codeFor(policyNumber)).digest();
    const given = createHash('sha256').update(normaliseCode(input.code)).digest();
    const genuine = timingSafeEqual(expected, given) && !!policy;
    await repo.insertAttempt(db, { client_key: clientKey, number_key: numberKey, genuine, at: now });

    if (!genuine || !policy) return { genuine: false as const, checkedAt: now.toISOString(), policy: null, ledger: null };

    const pv = await requireProductVersion(db, policy.product_version_id);
    const holder = await findPolicyholder(db, policy.application_id);
    if (!holder) throw new Error(`Policy ${policy.policy_number} has no policyholder`);
    const today = shanghaiDate(now);
    const standing: PolicyStanding =
      policy.status !== 'in_force'
        ? 'cancelled'
        : today < policy.effective_date
          ? 'not_yet_effective'
          : today > policy.end_date
            ? 'expired'
            : 'in_force';
    return {
      genuine: true as const,
      checkedAt: now.toISOString(),
      policy: {
        policyNumber: policy.policy_number,
        insurer: pv.definition.insurer.name,
        productName: pv.definition.clauseName,
        filingNumber: pv.definition.regulatory.number,
        standing,
        inForce: standing === 'in_force',
        effectiveDate: policy.effective_date,
        endDate: policy.end_date,
        issuedDate: shanghaiDate(policy.issued_at),
        cancelledDate: policy.cancelled_at ? shanghaiDate(policy.cancelled_at) : null,
        policyholder: maskName(pii.decrypt('name', holder.name_cipher)),
      },
      ledger: await issuanceProof(policy.id),
    };
  }

  /** The issuance entry of a policy and the latest checkpoint, once that checkpoint covers it (seals it); else null. */
  async function sealedIssuance(policyId: string) {
    const leaf = await ledger.leafOfEvent({ type: 'policy', id: policyId }, 'policy.issued');
    if (!leaf) return null;
    let checkpoint;
    try {
      checkpoint = await ledger.latestCheckpoint();
    } catch {
      return null;
    }
    if (leaf.leaf_index >= checkpoint.treeSize) return null;
    return { leafIndex: leaf.leaf_index, entry: leaf.entry, checkpoint };
  }

  /** The issuance entry of the policy with its inclusion proof against the latest checkpoint, once it is sealed. */
  async function issuanceProof(policyId: string) {
    const sealed = await sealedIssuance(policyId);
    if (!sealed) return null;
    const p = await ledger.inclusionProof(sealed.leafIndex, sealed.checkpoint.treeSize);
    return {
      leafIndex: sealed.leafIndex,
      entry: sealed.entry.toString('base64'),
      proof: p.proof.map((h) => h.toString('base64')),
      checkpoint: sealed.checkpoint.note,
    };
  }

  return { verify, codeFor, sealedIssuance };
}
export type VerificationService = ReturnType<typeof createVerificationService>;
