import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalog } from '@wangbao/contracts/errors';
import { createTestContext, type TestContext } from './helpers/context.js';

type Operation = {
  summary?: string;
  tags?: string[];
  responses?: Record<
    string,
    { content?: Record<string, { schema?: { allOf?: Array<{ $ref?: string; properties?: { code?: { enum?: string[] } } }> } }> }
  >;
};

describe('/openapi.json', () => {
  let ctx: TestContext;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas?: Record<string, unknown> } };
  const operations: Array<{ name: string; op: Operation }> = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    const res = await ctx.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) operations.push({ name: `${method.toUpperCase()} ${path}`, op });
  });
  afterAll(() => ctx?.close());

  it('names its schemas in components, the problem body among them', () => {
    expect(Object.keys(doc.components.schemas ?? {}).length).toBeGreaterThan(10);
    expect(doc.components.schemas).toHaveProperty('Problem');
    expect(doc.components.schemas).toHaveProperty('Application');
  });

  it('gives every operation a summary and a tag', () => {
    expect(operations.length).toBeGreaterThan(80);
    expect(operations.filter(({ op }) => !op.summary?.trim()).map((o) => o.name)).toEqual([]);
    expect(operations.filter(({ op }) => !op.tags?.length).map((o) => o.name)).toEqual([]);
  });

  it('documents the error responses of every operation as problem+json with catalogue codes of the right status', () => {
    const missing: string[] = [];
    const wrong: string[] = [];
    for (const { name, op } of operations) {
      const errors = Object.entries(op.responses ?? {}).filter(([status]) => Number(status) >= 400);
      if (!errors.some(([status]) => status === '500')) missing.push(name);
      for (const [status, response] of errors) {
        const schema = response.content?.['application/problem+json']?.schema;
        if (schema?.allOf?.[0]?.$ref !== '#/components/schemas/Problem') wrong.push(`${name} ${status}: not the problem body`);
        const codes = schema?.allOf?.[1]?.properties?.code?.enum ?? [];
        if (codes.length === 0) wrong.push(`${name} ${status}: no code`);
        for (const code of codes) {
          const entry = (errorCatalog as Record<string, { status: number }>)[code];
          if (!entry) wrong.push(`${name} ${status}: ${code} is not in the catalogue`);
          else if (String(entry.status) !== status) wrong.push(`${name} ${status}: ${code} answers ${entry.status}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(wrong).toEqual([]);
  });

  it('documents the body of every successful JSON answer', () => {
    // Answers with no JSON body, each named with what it answers instead.
    const notJson = new Set([
      'GET /v1/ledger/checkpoint', // the signed note, text/plain
      'GET /verify', // the verification page, text/html
      'GET /v1/policies/{id}/e-policy', // application/pdf
      'GET /v1/invoices/{id}/pdf', // application/pdf
      'GET /v1/console/callback-reports/{id}/pdf', // application/pdf
      'GET /v1/console/callbacks/{id}/media/{mediaId}', // a recording or scan, byte for byte
      'DELETE /v1/consumer/sessions/current', // 204
      'DELETE /v1/staff/sessions/current', // 204
    ]);
    expect([...notJson].filter((name) => !operations.some((o) => o.name === name))).toEqual([]);
    const missing: string[] = [];
    for (const { name, op } of operations) {
      if (notJson.has(name)) continue;
      const success = Object.entries(op.responses ?? {}).filter(([status]) => status.startsWith('2') && status !== '204');
      if (!success.some(([, response]) => response.content?.['application/json']?.schema)) missing.push(name);
    }
    expect(missing).toEqual([]);
  });

  it('documents instants as ISO 8601 strings, never as dates the client must guess', () => {
    expect(JSON.stringify(doc)).not.toMatch(/"type":"object","format":"date/);
    const quote = JSON.stringify(doc.components.schemas?.Quote);
    expect(quote).toContain('"expiresAt":{"type":"string","format":"date-time"');
  });
});
