import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import type { Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { readDevOutbox } from './dev-sms.provider.js';
import { createOtpService, type OtpService } from './otp.service.js';

const anon: Actor = { type: 'anonymous', ip: '203.0.113.9' };

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof AppError ? e.code : `not an AppError: ${String(e)}`;
  }
  return undefined;
}

describe('OtpService', () => {
  let ctx: TestContext;
  let otp: OtpService;
  let phoneSeq = 0;
  const newPhone = () => `1390000${String(1000 + phoneSeq++).padStart(4, '0')}`;

  beforeAll(async () => {
    ctx = await createTestContext();
    otp = createOtpService({ db: ctx.db, clock: ctx.clock, config: ctx.config, pii: ctx.platform.pii, sms: ctx.platform.sms });
  });
  afterAll(async () => ctx?.close());

  async function send(phone: string, subjectRef = `app_test_${phoneSeq}_${Math.random().toString(36).slice(2)}`) {
    const sent = await otp.sendCode(anon, { purpose: 'application_identity', subjectRef, phone });
    const [latest] = await readDevOutbox({ db: ctx.db, pii: ctx.platform.pii }, phone, 1);
    const code = /验证码为(\d{6})/.exec(latest!.body)![1]!;
    return { ...sent, code, subjectRef, body: latest!.body };
  }
  const verify = (subjectRef: string, code: string) => otp.verifyCode(anon, { purpose: 'application_identity', subjectRef, code });

  it('M§33 sends a 6-digit code in a zh-CN SMS valid for 5 minutes and accepts it once', async () => {
    const phone = newPhone();
    const s = await send(phone);
    expect(s.body).toBe(`【网保】您的验证码为${s.code}，5分钟内有效。请勿泄露给他人。`);
    expect(s.maskedPhone).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
    expect(s.expiresAt.getTime() - ctx.clock.now().getTime()).toBe(300_000);
    const ok = await verify(s.subjectRef, s.code);
    expect(ok.challengeId).toBe(s.challengeId);
    expect(ok.phoneIndex).toBe(ctx.platform.pii.blindIndex('phone', phone));
  });

  it('M§33 refuses a wrong code with OTP_INVALID and keeps the attempt counted', async () => {
    const s = await send(newPhone());
    const wrong = s.code === '000000' ? '111111' : '000000';
    expect(await codeOf(verify(s.subjectRef, wrong))).toBe('OTP_INVALID');
    const row = await ctx.db
      .selectFrom('otp_challenges')
      .select(['attempts', 'consumed_at'])
      .where('id', '=', s.challengeId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ attempts: 1, consumed_at: null });
    expect((await verify(s.subjectRef, s.code)).challengeId).toBe(s.challengeId);
  });

  it('M§33 refuses an expired code with OTP_EXPIRED', async () => {
    const s = await send(newPhone());
    ctx.clock.advance(300_000);
    expect(await codeOf(verify(s.subjectRef, s.code))).toBe('OTP_EXPIRED');
  });

  it('M§33 after 5 wrong attempts refuses even the right code (OTP_TOO_MANY_ATTEMPTS)', async () => {
    const s = await send(newPhone());
    const wrong = s.code === '999999' ? '888888' : '999999';
    for (let i = 0; i < 5; i++) expect(await codeOf(verify(s.subjectRef, wrong))).toBe('OTP_INVALID');
    expect(await codeOf(verify(s.subjectRef, s.code))).toBe('OTP_TOO_MANY_ATTEMPTS');
    const row = await ctx.db
      .selectFrom('otp_challenges')
      .select(['attempts', 'consumed_at'])
      .where('id', '=', s.challengeId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ attempts: 5, consumed_at: null });
  });

  it('M§33 refuses a code that was already used', async () => {
    const s = await send(newPhone());
    await verify(s.subjectRef, s.code);
    expect(await codeOf(verify(s.subjectRef, s.code))).toBe('OTP_INVALID');
  });

  it('M§33 throttles a resend within 60 s, and a new code kills the previous one', async () => {
    const phone = newPhone();
    const first = await send(phone);
    ctx.clock.advance(30_000);
    expect(await codeOf(otp.sendCode(anon, { purpose: 'application_identity', subjectRef: first.subjectRef, phone }))).toBe(
      'OTP_RESEND_TOO_SOON',
    );
    ctx.clock.advance(30_000);
    const second = await send(phone, first.subjectRef);
    expect(second.challengeId).not.toBe(first.challengeId);
    if (first.code !== second.code) expect(await codeOf(verify(first.subjectRef, first.code))).toBe('OTP_INVALID');
    const old = await ctx.db
      .selectFrom('otp_challenges')
      .select('superseded_at')
      .where('id', '=', first.challengeId)
      .executeTakeFirstOrThrow();
    expect(old.superseded_at).not.toBeNull();
    expect((await verify(second.subjectRef, second.code)).challengeId).toBe(second.challengeId);
  });

  it('M§33 sends at most 10 codes an hour to one phone (RATE_LIMITED)', async () => {
    const phone = newPhone();
    for (let i = 0; i < 10; i++) await otp.sendCode(anon, { purpose: 'application_identity', subjectRef: `app_rate_${i}`, phone });
    expect(await codeOf(otp.sendCode(anon, { purpose: 'application_identity', subjectRef: 'app_rate_x', phone }))).toBe('RATE_LIMITED');
    ctx.clock.advance(3_600_000);
    await expect(otp.sendCode(anon, { purpose: 'application_identity', subjectRef: 'app_rate_x', phone })).resolves.toBeDefined();
  });

  it('refuses an unknown purpose and a phone that is not one', async () => {
    expect(await codeOf(otp.sendCode(anon, { purpose: 'Sign In!', subjectRef: 'x', phone: newPhone() }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(otp.sendCode(anon, { purpose: 'sign_in', subjectRef: 'x', phone: 'call me' }))).toBe('VALIDATION_FAILED');
  });

  it('M§38 never stores the code or the phone in plaintext: challenges, outbox and events hold neither', async () => {
    const phone = newPhone();
    const s = await send(phone);
    await verify(s.subjectRef, s.code);
    const challenges = await ctx.db.selectFrom('otp_challenges').selectAll().where('id', '=', s.challengeId).execute();
    const outbox = await ctx.db
      .selectFrom('sms_outbox')
      .selectAll()
      .where('phone_index', '=', ctx.platform.pii.blindIndex('phone', phone))
      .execute();
    const events = await ctx.db.selectFrom('events').selectAll().where('subject_id', '=', s.challengeId).execute();
    expect(challenges).toHaveLength(1);
    expect(outbox).toHaveLength(1);
    expect(events.map((e) => e.type).sort()).toEqual(['consumer.otp_sent', 'identity.checked']);
    const dump = JSON.stringify([challenges, outbox, events]);
    // The code as a token of its own (a 6-digit run inside base64 ciphertext is chance, not a leak).
    expect(dump).not.toMatch(new RegExp(`(?<![0-9A-Za-z_-])${s.code}(?![0-9A-Za-z_-])`));
    expect(dump).not.toContain(phone);
    expect(dump).not.toContain(phone.slice(3, 7) + phone.slice(-4));
    // Nor an unkeyed hash of it, which 10^6 guesses would reverse.
    for (const enc of ['hex', 'base64', 'base64url'] as const) expect(dump).not.toContain(createHash('sha256').update(s.code).digest(enc));
    expect(challenges[0]!.code_hash).toMatch(/^hs256\.[A-Za-z0-9_-]{43}$/);
    // Not even masked: the phone is sealed under its scope's key, so it can be shredded after retention.
    expect(JSON.stringify(events)).not.toContain(s.maskedPhone);
    const sent = events.find((e) => e.type === 'consumer.otp_sent')!.payload as { phone: { $sealed: { field: string; ct: string } } };
    expect(sent.phone.$sealed).toMatchObject({ field: 'phone', ct: expect.stringMatching(/^v1\.(aes|sm4)\.sk_/) });
  });
});
