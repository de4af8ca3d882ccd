import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';

/** Every operation the OpenAPI document marks as needing a bearer session, from the route table itself. */
async function securedOperations(ctx: TestContext): Promise<Array<{ method: string; path: string }>> {
  const spec = (await ctx.app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  const ops: Array<{ method: string; path: string }> = [];
  for (const [path, methods] of Object.entries(spec.paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(methods)) if (op.security?.length) ops.push({ method: method.toUpperCase(), path });
  }
  return ops;
}

describe('authentication comes first', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  it('M§38 answers 401 to every secured operation asked with no session, before reading its body or parameters', async () => {
    const ops = await securedOperations(ctx);
    expect(ops.length).toBeGreaterThan(50);
    const wrong: string[] = [];
    for (const { method, path } of ops) {
      const res = await ctx.app.inject({
        method: method as 'GET',
        url: path.replace(/\{[^}]+\}/g, 'not-an-id'),
        ...(method === 'GET' || method === 'DELETE' ? {} : { payload: { unexpected: ['body'] } }),
      });
      const body = res.json() as { code?: string };
      if (res.statusCode !== 401 || body.code !== 'UNAUTHENTICATED' || !String(res.headers['content-type']).includes('problem+json'))
        wrong.push(`${method} ${path} → ${res.statusCode} ${body.code}`);
    }
    expect(wrong).toEqual([]);
  });
});
