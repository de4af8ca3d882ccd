import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makePerson } from './helpers/people.js';

import { staffRoles } from '../server/platform/actor.js';
import { signedInStaff } from './helpers/staff.js';

/**
 * Malformed input never yields a 5xx: every route in the OpenAPI document is fed generated bodies, path
 * parameters and query strings, as anonymous, as a consumer with real records, and as staff holding every role.
 */
describe('every route under generated input', () => {
  let ctx: JourneyContext;
  const tokens: Array<string | undefined> = [undefined];
  const ids: string[] = [];
  beforeAll(async () => {
    ctx = await createJourneyContext();
    const r = await ctx.buy({
      productCode: 'ACCIDENT_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 50_000_000,
      policyholder: makePerson('模糊', '1990-05-17', 'M'),
    });
    const draft = await ctx.buy({
      productCode: 'MEDICAL_1Y',
      termYears: 1,
      paymentMode: 'single',
      sumInsuredFen: 200_000_000,
      policyholder: makePerson('草稿', '1988-11-02', 'F'),
      until: 'consents',
    });
    tokens.push(r.token, draft.token);
    ids.push(r.application.id, r.policy.id, draft.application.id, r.order?.orderId ?? 'pay_x', 'ACCIDENT_1Y');
    tokens.push((await signedInStaff(ctx, staffRoles, 'fuzz')).token);
  });
  afterAll(async () => ctx?.close());

  it('M§38 answers every generated request to every route with no 5xx, and every error as problem+json', async () => {
    const spec = (await ctx.app.inject({ url: '/openapi.json' })).json();
    const routes: Array<{ method: string; path: string; props: string[] }> = [];
    for (const [path, ops] of Object.entries<any>(spec.paths))
      for (const [method, op] of Object.entries<any>(ops)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        routes.push({ method: method.toUpperCase(), path, props: Object.keys(schema?.properties ?? {}) });
      }
    expect(routes.length).toBeGreaterThan(20);

    const json = fc.jsonValue({ maxDepth: 3 });
    const failures: string[] = [];
    for (const route of routes) {
      const body = fc.oneof(
        json,
        fc.dictionary(route.props.length ? fc.constantFrom(...route.props) : fc.string(), json),
        fc.string().map((s) => ({ raw: s })),
      );
      await fc.assert(
        fc.asyncProperty(
          body,
          fc.oneof(fc.constantFrom(...ids), fc.string({ maxLength: 80 }), fc.constant('%00'), fc.constant('../../etc')),
          fc.constantFrom(...tokens),
          fc.constantFrom('json', 'raw', 'form', 'none'),
          async (b, id, token, encoding) => {
            const url = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(id));
            const headers: Record<string, string> = {};
            if (token) headers.authorization = `Bearer ${token}`;
            let payload: string | undefined;
            if (route.method !== 'GET' && route.method !== 'DELETE') {
              if (encoding !== 'none')
                headers['content-type'] = encoding === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
              if (encoding === 'json') payload = JSON.stringify(b);
              if (encoding === 'raw') payload = JSON.stringify(b).slice(0, -1) + '}{';
              if (encoding === 'form') payload = 'a=1&b=%ZZ';
            }
            const res = await ctx.app.inject({ method: route.method as 'GET', url, headers, payload });
            if (res.statusCode >= 500) failures.push(`${route.method} ${url} ${encoding} → ${res.statusCode} ${res.body.slice(0, 200)}`);
            if (res.statusCode >= 400 && !String(res.headers['content-type']).includes('application/problem+json'))
              failures.push(`${route.method} ${url} → ${res.statusCode} not problem+json`);
            return true;
          },
        ),
        { numRuns: 25, seed: 20261122 },
      );
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
