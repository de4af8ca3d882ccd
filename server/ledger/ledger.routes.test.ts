import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/helpers/context.js';
import { openCheckpoint } from './checkpoint.js';
import { parseVerifierKey, verifierFromPem } from './signer.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const get = async (url: string) => {
  const res = await ctx.app.inject({ method: 'GET', url });
  expect(res.statusCode).toBe(200);
  return res;
};

describe('GET /v1/ledger/public-key', () => {
  it('publishes the key that signs the checkpoints, so an auditor can pin it', async () => {
    const key = (await get('/v1/ledger/public-key')).json();
    expect(key).toMatchObject({
      origin: ctx.config.LEDGER_ORIGIN,
      hash: ctx.config.LEDGER_HASH,
      algorithm: 'ed25519',
      keyName: ctx.config.LEDGER_ORIGIN,
    });
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/);
    // The verifier key line is the C2SP form `<name>+<key ID>+<base64(type ‖ key)>` of that same key.
    expect(key.verifierKey).toBe(`${key.keyName}+${key.keyId}+${key.verifierKey.split('+').slice(2).join('+')}`);
    const fromVkey = parseVerifierKey(key.verifierKey);
    const fromPem = verifierFromPem(key.keyName, key.publicKeyPem);
    expect(fromVkey.keyHash.toString(16).padStart(8, '0')).toBe(key.keyId);
    expect(fromPem.vkey).toBe(key.verifierKey);

    // A checkpoint checks out against the pinned key alone: by the C2SP rules, and with plain node:crypto Ed25519.
    await ctx.services.ledger.integratePending();
    await ctx.services.ledger.publishCheckpoint();
    const note = (await get('/v1/ledger/checkpoint')).body;
    expect(openCheckpoint(note, [fromPem], { origin: key.origin }).checkpoint.origin).toBe(key.origin);
    const [body, sigLine] = [note.slice(0, note.lastIndexOf('\n\n') + 1), note.slice(note.lastIndexOf('\n\n') + 2).trim()];
    expect(sigLine.startsWith(`— ${key.keyName} `)).toBe(true);
    const raw = Buffer.from(sigLine.split(' ').at(-1)!, 'base64');
    expect(raw.subarray(0, 4).toString('hex')).toBe(key.keyId);
    expect(verify(null, Buffer.from(body, 'utf8'), createPublicKey(key.publicKeyPem), raw.subarray(4))).toBe(true);
  });

  it('is not the signing key: nothing private is published', async () => {
    const res = await get('/v1/ledger/public-key');
    expect(res.body).not.toMatch(/PRIVATE KEY/);
  });
});

describe('proofs asked beyond the log', () => {
  it('M§33 answers a proof for a tree larger than the log with a 404 problem in Chinese and English, not a 500', async () => {
    await ctx.services.ledger.integratePending();
    const size = (await ctx.services.ledger.publishCheckpoint()).treeSize;
    for (const url of [
      `/v1/ledger/proofs/inclusion?index=0&treeSize=${size + 1000}`,
      `/v1/ledger/proofs/inclusion?index=${size + 5}&treeSize=${Number.MAX_SAFE_INTEGER}`,
      `/v1/ledger/proofs/consistency?from=0&to=${size + 1}`,
      `/v1/ledger/proofs/consistency?from=1&to=${Number.MAX_SAFE_INTEGER}`,
    ]) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
      expect(res.json().title ?? res.json().detail).toBeTruthy();
    }
  });
});
