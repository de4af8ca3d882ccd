import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { requireConsumer, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskPhone, type PiiCipher } from '../../platform/pii.js';
import { createSubjectKeys } from '../../platform/subject-keys.js';
import { hashToken, newSessionToken } from '../../platform/sessions.js';
import type { OtpService } from '../identity/index.js';
import * as repo from './consumer.repository.js';

/** Mainland China mobile numbers: 11 digits, 1 then 3–9. */
export const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

export const SIGN_IN_PURPOSE = 'sign_in';

function normalisePhone(phone: string): string {
  const p = phone.replace(/[\s-]/g, '').replace(/^\+86/, '');
  if (!MAINLAND_MOBILE.test(p)) {
    throw new AppError('VALIDATION_FAILED', 'A mainland China mobile number is required', [
      { path: 'phone', code: 'mainland_mobile', message: 'not a mainland mobile number' },
    ]);
  }
  return p;
}

/**
 * Consumers sign in with their phone and an SMS code (M§33); the first sign-in creates the consumer. The phone is
 * kept only encrypted and as a keyed blind index (M§38); sessions are random tokens stored as hashes.
 */
export function createConsumerService(deps: {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'CONSUMER_SESSION_HOURS'>;
  pii: PiiCipher;
  otp: Pick<OtpService, 'sendCode' | 'verifyCode'>;
}) {
  const { db, clock, config, pii, otp } = deps;
  const subjectKeys = createSubjectKeys({ pii });

  /** Sends a sign-in code to the phone (throttled by the OTP service). */
  async function requestSignInCode(actor: Actor, input: { phone: string }) {
    const phone = normalisePhone(input.phone);
    const sent = await otp.sendCode(actor, { purpose: SIGN_IN_PURPOSE, subjectRef: pii.blindIndex('phone', phone), phone });
    return { expiresAt: sent.expiresAt, maskedPhone: sent.maskedPhone };
  }

  /** Checks the code and opens a session of CONSUMER_SESSION_HOURS; creates the consumer on first sign-in. */
  async function signIn(actor: Actor, input: { phone: string; code: string }) {
    const phone = normalisePhone(input.phone);
    const phoneIndex = pii.blindIndex('phone', phone);
    const verified = await otp.verifyCode(actor, { purpose: SIGN_IN_PURPOSE, subjectRef: phoneIndex, code: input.code });
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const created = await repo.insertConsumerIfAbsent(trx, {
        id: newId('csm', now.getTime()),
        phone_index: phoneIndex,
        phone_cipher: pii.encrypt('phone', phone),
        created_at: now,
      });
      const consumer = must(await repo.findConsumerByPhoneIndex(trx, phoneIndex), 'the consumer just inserted or found');
      const me: Actor = {
        type: 'consumer',
        id: consumer.id,
        ip: 'ip' in actor ? actor.ip : undefined,
        userAgent: 'userAgent' in actor ? actor.userAgent : undefined,
      };
      if (created) {
        await recordEvent(trx, {
          type: 'consumer.registered',
          actor: me,
          subject: { type: 'consumer', id: consumer.id },
          payload: { phone: await subjectKeys.seal(trx, { type: 'consumer_phone', id: phoneIndex }, 'phone', phone, now) },
          at: now,
        });
      }
      const { token, hash } = newSessionToken('consumer');
      const sessionId = newId('ses', now.getTime());
      const expiresAt = new Date(now.getTime() + config.CONSUMER_SESSION_HOURS * 3_600_000);
      await repo.insertConsumerSession(trx, {
        id: sessionId,
        consumer_id: consumer.id,
        token_hash: hash,
        created_at: now,
        expires_at: expiresAt,
      });
      await recordEvent(trx, {
        type: 'consumer.signed_in',
        actor: me,
        subject: { type: 'consumer', id: consumer.id },
        // The consumer's address is personal data: sealed with their phone's key, shredded with it.
        payload: {
          sessionId,
          challengeId: verified.challengeId,
          ip: me.ip ? await subjectKeys.seal(trx, { type: 'consumer_phone', id: phoneIndex }, 'ip_address', me.ip, now) : null,
        },
        at: now,
      });
      return { token, consumerId: consumer.id, expiresAt };
    });
  }

  /** Ends the session the token belongs to. */
  async function signOut(actor: Actor, input: { token: string }) {
    const me = requireConsumer(actor);
    await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const sessionId = await repo.revokeConsumerSession(trx, me.id, hashToken(input.token), now);
      if (!sessionId) throw new AppError('UNAUTHENTICATED', 'No live session for this token');
      await recordEvent(trx, {
        type: 'consumer.signed_out',
        actor: me,
        subject: { type: 'consumer', id: me.id },
        payload: { sessionId },
        at: now,
      });
    });
  }

  /** The signed-in consumer, phone masked. */
  async function me(actor: Actor) {
    const c = requireConsumer(actor);
    const row = await repo.findConsumerById(db, c.id);
    if (!row) throw new AppError('UNAUTHENTICATED');
    return { consumerId: row.id, maskedPhone: maskPhone(pii.decrypt('phone', row.phone_cipher)), since: row.created_at };
  }

  return { requestSignInCode, signIn, signOut, me };
}
export type ConsumerService = ReturnType<typeof createConsumerService>;
