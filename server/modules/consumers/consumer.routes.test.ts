import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';

describe('consumer sign-in routes', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  async function codeFromOutbox(phone: string): Promise<string> {
    const res = await ctx.app.inject({ url: `/v1/dev/sms-outbox?phone=${phone}` });
    expect(res.statusCode).toBe(200);
    const [latest] = res.json().items;
    return /验证码为(\d{6})/.exec(latest.body)![1]!;
  }

  async function signIn(phone: string) {
    const sent = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone } });
    expect(sent.statusCode).toBe(202);
    const code = await codeFromOutbox(phone);
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sessions', payload: { phone, code } });
    expect(res.statusCode).toBe(201);
    return res.json() as { token: string; consumerId: string; expiresAt: string };
  }

  it('M§33 signs a consumer in with phone and SMS code, read from the development outbox', async () => {
    const sent = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone: '13812345678' } });
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toEqual({ maskedPhone: '138****5678', expiresAt: '2026-03-02T02:05:00.000Z' });
    const code = await codeFromOutbox('13812345678');
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sessions', payload: { phone: '13812345678', code } });
    expect(res.statusCode).toBe(201);
    const { token, consumerId, expiresAt } = res.json();
    expect(token).toMatch(/^wbc_/);
    expect(expiresAt).toBe('2026-03-03T02:00:00.000Z');
    const me = await ctx.app.inject({ url: '/v1/consumer/me', headers: auth(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ consumerId, maskedPhone: '138****5678' });
    expect(me.body).not.toContain('13812345678');
  });

  it('creates the consumer on the first sign-in only; later sign-ins find the same consumer', async () => {
    const first = await signIn('13900002222');
    ctx.clock.advance(61_000);
    const second = await signIn('13900002222');
    expect(second.consumerId).toBe(first.consumerId);
    const rows = await ctx.db.selectFrom('consumers').selectAll().where('id', '=', first.consumerId).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('13900002222');
    const registered = await ctx.db
      .selectFrom('events')
      .select('type')
      .where('subject_id', '=', first.consumerId)
      .where('type', '=', 'consumer.registered')
      .execute();
    expect(registered).toHaveLength(1);
  });

  it('M§33 refuses a wrong code with 422 OTP_INVALID and a resend within a minute with 429', async () => {
    const phone = '13700003333';
    await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone } });
    const code = await codeFromOutbox(phone);
    const wrong = code === '123456' ? '654321' : '123456';
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sessions', payload: { phone, code: wrong } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'OTP_INVALID', messages: { 'zh-CN': '验证码错误' } });
    const again = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone } });
    expect(again.statusCode).toBe(429);
    expect(again.json().code).toBe('OTP_RESEND_TOO_SOON');
  });

  it('refuses a phone number that is not a mainland mobile with VALIDATION_FAILED', async () => {
    for (const phone of ['12812345678', '1381234567', '+85291234567', '02161234567']) {
      const res = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone } });
      expect(res.statusCode, phone).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
  });

  it('a code for one phone does not sign in another', async () => {
    await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone: '13600004444' } });
    const code = await codeFromOutbox('13600004444');
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/consumer/sessions', payload: { phone: '13600005555', code } });
    expect(res.statusCode).toBe(422);
  });

  it('signs out: the token no longer works, and /me without a token is 401', async () => {
    const { token } = await signIn('13500006666');
    const out = await ctx.app.inject({ method: 'DELETE', url: '/v1/consumer/sessions/current', headers: auth(token) });
    expect(out.statusCode).toBe(204);
    expect((await ctx.app.inject({ url: '/v1/consumer/me', headers: auth(token) })).statusCode).toBe(401);
    expect((await ctx.app.inject({ url: '/v1/consumer/me' })).json().code).toBe('UNAUTHENTICATED');
  });

  it('ends a consumer session after CONSUMER_SESSION_HOURS', async () => {
    const { token } = await signIn('13300007777');
    ctx.clock.advance(24 * 3_600_000);
    const res = await ctx.app.inject({ url: '/v1/consumer/me', headers: auth(token) });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('SESSION_EXPIRED');
  });

  it('does not serve the development outbox in production', async () => {
    const prod = await createTestContext({ env: { NODE_ENV: 'production' } });
    try {
      expect(
        (await prod.app.inject({ method: 'POST', url: '/v1/consumer/sign-in-codes', payload: { phone: '13812345678' } })).statusCode,
      ).toBe(202);
      expect((await prod.app.inject({ url: '/v1/dev/sms-outbox?phone=13812345678' })).statusCode).toBe(404);
    } finally {
      await prod.close();
    }
  });
});
