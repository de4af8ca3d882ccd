import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson, type Person } from './helpers/people.js';
import { openCheckpoint } from '../server/ledger/checkpoint.js';
import { verifyInclusion } from '../server/ledger/merkle.js';
import { leafHash } from '../server/ledger/hash.js';
import { normaliseCode, verificationCodeOf } from '../server/modules/documents/verification.service.js';

type Answer = {
  genuine: boolean;
  checkedAt: string;
  policy: Record<string, unknown> | null;
  ledger: { leafIndex: number; entry: string; proof: string[]; checkpoint: string } | null;
};

describe('public policy verification (验真)', () => {
  let ctx: JourneyContext;
  let holder: Person;
  let bought: Awaited<ReturnType<JourneyContext['buy']>>;
  let cancelled: Awaited<ReturnType<JourneyContext['buy']>>;
  let client = 0;
  /** Each check from its own client address unless told, so only the limit under test bites. */
  const ask = (policyNumber: string, code: string, ip = `198.51.100.${++client % 250}`) =>
    ctx.app.inject({
      method: 'POST',
      url: '/v1/public/policy-verifications',
      remoteAddress: ip,
      payload: { policyNumber, code },
    });

  beforeAll(async () => {
    ctx = await createJourneyContext({ env: { VERIFY_PER_CLIENT_PER_MINUTE: '5', VERIFY_FAILURES_PER_NUMBER_PER_HOUR: '3' } });
    holder = makePerson('王喆', '1990-05-17', 'M');
    bought = await ctx.buy({
      productCode: 'TERM_LIFE_20Y',
      termYears: 20,
      paymentMode: 'annual',
      sumInsuredFen: 100_000_000,
      policyholder: holder,
    });
    cancelled = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: makePerson('李堃', '1988-02-11', 'F'),
    });
    const c = await ctx.app.inject({
      method: 'POST',
      url: `/v1/policies/${cancelled.policy.id}/cooling-off-cancellation`,
      headers: { authorization: `Bearer ${bought.token === cancelled.token ? bought.token : cancelled.token}` },
    });
    expect(c.statusCode).toBe(200);
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
  });
  afterAll(async () => ctx?.close());

  it('derives a 10-character code that reads the same whatever the case or separators', () => {
    const key = Buffer.alloc(32, 7);
    const code = verificationCodeOf(key, 'WB2026030200000001Q');
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(verificationCodeOf(key, 'WB2026030200000002Z')).not.toBe(code);
    expect(normaliseCode(code.toLowerCase().replace('-', ' '))).toBe(code);
  });

  it('M§12(6) confirms a genuine policy with its non-sensitive facts and the inclusion proof of its issuance', async () => {
    const res = await ask(bought.policy.policyNumber, ctx.services.verification.codeFor(bought.policy.policyNumber));
    expect(res.statusCode).toBe(200);
    const a = res.json() as Answer;
    expect(a.genuine).toBe(true);
    expect(a.policy).toMatchObject({
      policyNumber: bought.policy.policyNumber,
      standing: 'not_yet_effective',
      policyholder: '王*',
      effectiveDate: bought.policy.effectiveDate,
      endDate: bought.policy.endDate,
    });
    const text = JSON.stringify(a);
    for (const secret of [holder.name, holder.idNumber, holder.phone]) expect(text).not.toContain(secret);
    // The proof checks out with nothing but the answer and the log's public key.
    const entry = Buffer.from(a.ledger!.entry, 'base64');
    expect(JSON.parse(entry.toString('utf8'))).toMatchObject({
      type: 'policy.issued',
      payload: { policyNumber: bought.policy.policyNumber },
    });
    const cp = openCheckpoint(a.ledger!.checkpoint, [ctx.services.ledger.verifier]).checkpoint;
    expect(
      verifyInclusion(
        ctx.config.LEDGER_HASH,
        leafHash(ctx.config.LEDGER_HASH, entry),
        a.ledger!.leafIndex,
        cp.size,
        a.ledger!.proof.map((h) => Buffer.from(h, 'base64')),
        cp.rootHash,
      ),
    ).toBe(true);
  });

  it('M§12(6) reads a code typed in full-width characters (as Chinese input methods give it) as the code itself', async () => {
    const code = ctx.services.verification.codeFor(bought.policy.policyNumber);
    const fullWidth = code.replace(/[0-9A-Z-]/g, (ch) => String.fromCharCode(ch === '-' ? 0xff0d : ch.charCodeAt(0) + 0xfee0));
    expect(fullWidth).not.toBe(code);
    const r = await ask(bought.policy.policyNumber, fullWidth);
    expect(r.statusCode).toBe(200);
    expect(r.json().genuine).toBe(true);
    expect((await ask(bought.policy.policyNumber, `\u3000${code.toLowerCase()}\u3000`)).json().genuine).toBe(true);
  });

  it('M§12(6) answers a code with Chinese characters or odd bytes as a wrong code, never a server error', async () => {
    // Each against a number of its own (unknown numbers are compared all the same), so no number's limit is spent.
    const codes = ['验真码验真码验真码验', '３ＱＨＣ８－验证', 'Ａ\u200bＢ', '\ud800abc', '𪚥'.repeat(5)];
    for (const [i, code] of codes.entries()) {
      const r = await ask(`WB2026010100000${i}`, code);
      expect(r.statusCode).toBe(200);
      expect(r.json().genuine).toBe(false);
    }
    const raw = await ctx.app.inject({
      method: 'POST',
      url: '/v1/public/policy-verifications',
      headers: { 'content-type': 'application/json' },
      remoteAddress: '198.51.100.251',
      payload: Buffer.concat([
        Buffer.from('{"policyNumber":"WB20260101000009","code":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}'),
      ]),
    });
    expect(raw.statusCode).toBeLessThan(500);
    const page = await ctx.app.inject({ url: '/verify?n=WB20260101000010&c=%FF%FE', remoteAddress: '198.51.100.252' });
    expect(page.statusCode).toBeLessThan(500);
    // A NUL is refused for every request, and a code longer than any code by the contract: problems, not crashes.
    const nul = await ask('WB20260101000012', 'Ａ\u0000Ｂ');
    expect(nul.statusCode).toBe(400);
    expect(nul.json().code).toBe('VALIDATION_FAILED');
    const long = await ask('WB20260101000011', 'x'.repeat(64));
    expect(long.statusCode).toBe(400);
    expect(long.json().code).toBe('VALIDATION_FAILED');
  });

  it('M§12(6) answers a wrong code and an unknown number with the very same shape', async () => {
    const wrong = (await ask(bought.policy.policyNumber, 'ABCDE-FGHJK')).json() as Answer;
    const unknown = (await ask('WB2099010100000001A', 'ABCDE-FGHJK')).json() as Answer;
    const strip = (a: Answer) => ({ ...a, checkedAt: 'x' });
    expect(strip(wrong)).toEqual({ genuine: false, checkedAt: 'x', policy: null, ledger: null });
    expect(strip(unknown)).toEqual(strip(wrong));
    expect(Object.keys(unknown)).toEqual(Object.keys(wrong));
  });

  it('M§12(6) says a policy cancelled in the 犹豫期 is genuine but no longer in force', async () => {
    const a = (await ask(cancelled.policy.policyNumber, ctx.services.verification.codeFor(cancelled.policy.policyNumber))).json() as Answer;
    expect(a.genuine).toBe(true);
    expect(a.policy).toMatchObject({ standing: 'cancelled', inForce: false, policyholder: '李*' });
  });

  it('M§12(6) limits checks per client, and wrong codes per number — unknown numbers alike', async () => {
    const ip = '203.0.113.9';
    for (let i = 0; i < 5; i++)
      expect((await ask(bought.policy.policyNumber, ctx.services.verification.codeFor(bought.policy.policyNumber), ip)).statusCode).toBe(
        200,
      );
    const sixth = await ask(bought.policy.policyNumber, ctx.services.verification.codeFor(bought.policy.policyNumber), ip);
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json()).toMatchObject({ code: 'RATE_LIMITED' });

    // The wrong-code test above spent one failure on each number; two more lock both, real or not, the same way.
    for (const n of [bought.policy.policyNumber, 'WB2099010100000001A']) {
      for (let i = 0; i < 2; i++) expect((await ask(n, 'ZZZZZ-ZZZZZ')).statusCode).toBe(200);
      const locked = await ask(n, 'ZZZZZ-ZZZZZ');
      expect(locked.statusCode).toBe(429);
    }
    // Locked even for the right code: guessing cannot go on from new addresses.
    expect((await ask(bought.policy.policyNumber, ctx.services.verification.codeFor(bought.policy.policyNumber))).statusCode).toBe(429);
  });

  it('M§12(6) serves the QR code’s page in Chinese, with no personal data', async () => {
    const code = ctx.services.verification.codeFor(cancelled.policy.policyNumber);
    const res = await ctx.app.inject({
      url: `/verify?n=${cancelled.policy.policyNumber}&c=${code}`,
      remoteAddress: '192.0.2.77',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('验证通过');
    expect(res.body).toContain('已解除');
    const bad = await ctx.app.inject({
      url: `/verify?n=${cancelled.policy.policyNumber}&c=AAAAA-AAAAA`,
      remoteAddress: '192.0.2.78',
    });
    expect(bad.body).toContain('未能验证');
  });
});
