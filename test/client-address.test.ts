import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';

/**
 * Who the client is decides per-client limits (验真) and what audit records say. A forwarding header is a claim
 * any client can make; only a proxy the operator named is believed.
 */
describe('the client address', () => {
  const verify = (ctx: JourneyContext, from: string, forwardedFor?: string) =>
    ctx.app.inject({
      method: 'POST',
      url: '/v1/public/policy-verifications',
      remoteAddress: from,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      payload: { policyNumber: 'WB2026010100000X', code: 'AAAAA-AAAAA' },
    });

  describe('with no proxy configured (the default)', () => {
    let ctx: JourneyContext;
    beforeAll(async () => {
      ctx = await createJourneyContext({ env: { VERIFY_PER_CLIENT_PER_MINUTE: '2', VERIFY_FAILURES_PER_NUMBER_PER_HOUR: '100' } });
    });
    afterAll(async () => ctx?.close());

    it('M§12(6) keeps limiting a client that names another address in X-Forwarded-For', async () => {
      expect((await verify(ctx, '198.51.100.20')).statusCode).toBe(200);
      expect((await verify(ctx, '198.51.100.20')).statusCode).toBe(200);
      expect((await verify(ctx, '198.51.100.20')).statusCode).toBe(429);
      for (const spoofed of ['203.0.113.9', '203.0.113.10, 10.0.0.1']) {
        expect((await verify(ctx, '198.51.100.20', spoofed)).statusCode).toBe(429);
      }
      // Another connection is another client.
      expect((await verify(ctx, '198.51.100.21')).statusCode).toBe(200);
    });
  });

  describe('behind a proxy named in TRUSTED_PROXIES', () => {
    let ctx: JourneyContext;
    beforeAll(async () => {
      ctx = await createJourneyContext({
        env: { TRUSTED_PROXIES: '10.0.0.5, 192.0.2.0/24', VERIFY_PER_CLIENT_PER_MINUTE: '1', VERIFY_FAILURES_PER_NUMBER_PER_HOUR: '100' },
      });
    });
    afterAll(async () => ctx?.close());

    it('M§12(6) believes the proxy about the client, and no one else', async () => {
      // Through the proxy, two clients are two.
      expect((await verify(ctx, '10.0.0.5', '203.0.113.1')).statusCode).toBe(200);
      expect((await verify(ctx, '192.0.2.9', '203.0.113.2')).statusCode).toBe(200);
      expect((await verify(ctx, '10.0.0.5', '203.0.113.1')).statusCode).toBe(429);
      // Straight from the internet, the header is a claim: the connection is the client.
      expect((await verify(ctx, '198.51.100.30', '203.0.113.3')).statusCode).toBe(200);
      expect((await verify(ctx, '198.51.100.30', '203.0.113.4')).statusCode).toBe(429);
    });
  });

  it('refuses a TRUSTED_PROXIES entry that is not an address or a range, naming the setting', () => {
    expect(() => loadConfig({ TRUSTED_PROXIES: 'nginx.local' })).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/TRUSTED_PROXIES/);
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).TRUSTED_PROXIES).toEqual(['10.0.0.0/8', '::1']);
  });
});
