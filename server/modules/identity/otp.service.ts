import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import type { ErrorCode } from '@wangbao/contracts/errors';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskPhone, type PiiCipher } from '../../platform/pii.js';
import { createSubjectKeys, type SealScope } from '../../platform/subject-keys.js';
import type { SmsProvider } from '../../platform/providers.js';
import * as repo from './otp.repository.js';

export interface OtpServiceDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'OTP_TTL_SECONDS' | 'OTP_MAX_ATTEMPTS' | 'OTP_RESEND_SECONDS' | 'OTP_MAX_PER_HOUR'>;
  pii: PiiCipher;
  sms: SmsProvider;
}

/** What a code is for: `sign_in`, `application_identity`, `callback_identity` … (lower-case words). */
const PURPOSE = /^[a-z][a-z0-9_]{0,39}$/;

export function renderOtpSms(code: string, ttlSeconds: number): string {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  return `【网保】您的验证码为${code}，${minutes}分钟内有效。请勿泄露给他人。`;
}

/**
 * SMS one-time codes (M§33 identity verification; SMS codes are C3 data under JR/T 0171: never stored or logged
 * in plaintext). A code is kept only as HMAC-SHA256 under a key derived from the blind-index key with a label of
 * its own, bound to the challenge id, so a database dump gives neither the code nor a way to test guesses.
 */
export function createOtpService(deps: OtpServiceDeps) {
  const { db, clock, config, pii, sms } = deps;
  // A dedicated key: the keyed blind index of a fixed label is an HMAC of the blind-index key, so it is secret,
  // stable across restarts, and unrelated to any real blind index.
  const subjectKeys = createSubjectKeys({ pii });
  const codeKey = Buffer.from(pii.blindIndex('sms_body', 'wangbao/otp-code-key/v1'), 'base64url');

  function codeHash(challengeId: string, code: string): Buffer {
    return createHmac('sha256', codeKey).update(challengeId).update('\0').update(code).digest();
  }

  function assertPurpose(purpose: string, subjectRef: string) {
    if (!PURPOSE.test(purpose)) throw new AppError('VALIDATION_FAILED', 'Unknown code purpose', [{ path: 'purpose', message: 'invalid' }]);
    if (!subjectRef || subjectRef.length > 200)
      throw new AppError('VALIDATION_FAILED', 'A subject is required', [{ path: 'subjectRef', message: 'invalid' }]);
  }

  /**
   * Sends a 6-digit code by SMS for one purpose and subject (a sign-in phone, an application …). A new code
   * supersedes the previous one. Refuses a resend within OTP_RESEND_SECONDS (OTP_RESEND_TOO_SOON) and more than
   * OTP_MAX_PER_HOUR codes to one phone per hour (RATE_LIMITED). The phone is sealed in the event under `scope`'s
   * key (the application it is for; by default the phone's own scope), so it can be shredded with that record.
   */
  async function sendCode(actor: Actor, input: { purpose: string; subjectRef: string; phone: string; scope?: SealScope }) {
    assertPurpose(input.purpose, input.subjectRef);
    const phone = input.phone.replace(/[\s-]/g, '');
    if (!/^\d{6,15}$/.test(phone)) throw new AppError('VALIDATION_FAILED', 'Not a phone number', [{ path: 'phone', message: 'invalid' }]);
    const phoneIndex = pii.blindIndex('phone', phone);

    return db.transaction().execute(async (trx) => {
      // One send at a time per subject and per phone, so two concurrent requests cannot both pass the throttles.
      await repo.lockOtpKey(trx, `subject:${input.purpose}:${input.subjectRef}`);
      await repo.lockOtpKey(trx, `phone:${phoneIndex}`);
      const now = clock.now();

      const last = await repo.latestChallengeFor(trx, input.purpose, input.subjectRef);
      if (last && now.getTime() - last.created_at.getTime() < config.OTP_RESEND_SECONDS * 1000) {
        const wait = Math.ceil((last.created_at.getTime() + config.OTP_RESEND_SECONDS * 1000 - now.getTime()) / 1000);
        throw new AppError('OTP_RESEND_TOO_SOON', `Wait ${wait} s before asking for another code`);
      }
      const sentLastHour = await repo.countSentToPhoneSince(trx, phoneIndex, new Date(now.getTime() - 3_600_000));
      if (sentLastHour >= config.OTP_MAX_PER_HOUR) throw new AppError('RATE_LIMITED', 'Too many codes sent to this phone in the last hour');

      await repo.supersedeOpenChallenges(trx, input.purpose, input.subjectRef, now);
      const challengeId = newId('otp', now.getTime());
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const expiresAt = new Date(now.getTime() + config.OTP_TTL_SECONDS * 1000);
      await repo.insertChallenge(trx, {
        id: challengeId,
        purpose: input.purpose,
        subject_ref: input.subjectRef,
        phone_index: phoneIndex,
        code_hash: `hs256.${codeHash(challengeId, code).toString('base64url')}`,
        max_attempts: config.OTP_MAX_ATTEMPTS,
        expires_at: expiresAt,
        created_at: now,
      });
      const maskedPhone = maskPhone(phone);
      await recordEvent(trx, {
        type: 'consumer.otp_sent',
        actor,
        subject: { type: 'otp_challenge', id: challengeId },
        payload: {
          purpose: input.purpose,
          phone: await subjectKeys.seal(trx, input.scope ?? { type: 'consumer_phone', id: phoneIndex }, 'phone', phone, now),
          provider: sms.name,
          expiresAt: expiresAt.toISOString(),
        },
        at: now,
      });
      // Sent last inside the transaction: if the gateway refuses, no challenge exists and the throttle is not spent.
      await sms.send(
        {
          phone,
          template: 'otp',
          params: { code, minutes: String(Math.round(config.OTP_TTL_SECONDS / 60)) },
          body: renderOtpSms(code, config.OTP_TTL_SECONDS),
        },
        now,
      );
      return { challengeId, expiresAt, maskedPhone };
    });
  }

  /**
   * Checks the code of the newest challenge for a purpose and subject. Wrong → OTP_INVALID and one attempt
   * spent (kept even though the request fails); expired → OTP_EXPIRED; after OTP_MAX_ATTEMPTS wrong tries →
   * OTP_TOO_MANY_ATTEMPTS, even for the right code; a consumed or superseded code never works again.
   * Returns the phone's blind index so the caller can check it is the phone it expects.
   */
  async function verifyCode(actor: Actor, input: { purpose: string; subjectRef: string; code: string }) {
    assertPurpose(input.purpose, input.subjectRef);
    const outcome = await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const ch = await repo.latestChallengeFor(trx, input.purpose, input.subjectRef, { lock: true });
      if (!ch) return { error: 'OTP_INVALID' as ErrorCode, detail: 'No code was sent for this request' };

      const checked = async (result: 'passed' | 'failed', reason?: string, attempts?: number) =>
        recordEvent(trx, {
          type: 'identity.checked',
          actor,
          subject: { type: 'otp_challenge', id: ch.id },
          payload: { method: 'sms_code', purpose: input.purpose, result, reason, attempts },
          at: now,
        });

      if (ch.consumed_at || ch.superseded_at) {
        await checked('failed', ch.consumed_at ? 'already_used' : 'superseded');
        return { error: 'OTP_INVALID' as ErrorCode, detail: 'This code is no longer valid; request a new one' };
      }
      if (ch.attempts >= ch.max_attempts) {
        await checked('failed', 'too_many_attempts');
        return { error: 'OTP_TOO_MANY_ATTEMPTS' as ErrorCode, detail: 'Request a new code' };
      }
      if (ch.expires_at.getTime() <= now.getTime()) {
        await checked('failed', 'expired');
        return { error: 'OTP_EXPIRED' as ErrorCode, detail: undefined };
      }
      const stored = Buffer.from(ch.code_hash.replace(/^hs256\./, ''), 'base64url');
      const given = codeHash(ch.id, /^\d{6}$/.test(input.code) ? input.code : 'not-a-code');
      const equal = stored.length === given.length && timingSafeEqual(stored, given);
      if (!equal) {
        const attempts = await repo.incrementAttempts(trx, ch.id);
        await checked('failed', 'wrong_code', attempts);
        const left = Math.max(0, ch.max_attempts - attempts);
        return { error: 'OTP_INVALID' as ErrorCode, detail: left > 0 ? `${left} attempts left` : 'No attempts left; request a new code' };
      }
      if (!(await repo.consumeChallenge(trx, ch.id, now)))
        return { error: 'OTP_INVALID' as ErrorCode, detail: 'This code was already used' };
      await checked('passed', undefined, ch.attempts + 1);
      return { ok: { challengeId: ch.id, phoneIndex: ch.phone_index } };
    });
    // Thrown after the commit, so a wrong attempt stays counted.
    if ('error' in outcome && outcome.error) throw new AppError(outcome.error, outcome.detail);
    return outcome.ok;
  }

  return { sendCode, verifyCode };
}
export type OtpService = ReturnType<typeof createOtpService>;
