import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/**
 * Which part of the server owns each table. A module reads and writes its own tables only; what it needs of
 * another's it asks through that module's face (`index.ts`), in the caller's transaction. The import rules are
 * checked by `npm run check:boundaries`; this checks the SQL, which an import check cannot see.
 */
const owners: Record<string, readonly string[]> = {
  platform: ['events', 'text_versions', 'text_version_offline', 'outbox_items', 'subject_keys'],
  ledger: ['ledger_meta', 'ledger_queue', 'ledger_leaves', 'ledger_nodes', 'ledger_tree_heads', 'ledger_checkpoints'],
  'modules/products': ['products', 'product_versions'],
  'modules/quotes': ['quotes'],
  'modules/sales': ['applications', 'parties', 'text_displays', 'consents', 'answers', 'identity_verifications', 'signatures'],
  'modules/underwriting': ['underwriting_decisions'],
  'modules/payments': ['payment_orders', 'payment_notifications', 'refunds', 'dev_gateway_transactions', 'dev_gateway_refunds'],
  'modules/policies': ['policies', 'cancellations'],
  'modules/identity': ['sms_outbox', 'otp_challenges'],
  'modules/consumers': ['consumers', 'consumer_sessions'],
  'modules/staff': ['staff_accounts', 'staff_sessions'],
  'modules/documents': ['invoices', 'policy_documents', 'verification_attempts'],
  'modules/records': ['disputes'],
  'modules/callbacks': [], // every callback_* table, below
};

/**
 * The record every part shares: events and the text versions consumers were shown. Any part may read them (replay,
 * documents and callbacks show what was shown); only the platform writes them (`recordEvent`, `registerTextVersion`).
 */
const sharedForReading = new Set(['events', 'text_versions', 'text_version_offline']);

/** Known crossings, each with its reason. */
const allowed: Record<string, readonly string[]> = {
  // Sessions are resolved for every request before any module is asked: the platform reads both kinds and whose they are.
  'platform/sessions.ts': ['consumer_sessions', 'staff_sessions', 'consumers', 'staff_accounts'],
  // An event and its ledger entry are one statement, one round trip (decision 0004).
  'platform/events.ts': ['ledger_queue'],
};

const schema = readFileSync(path.join(root, 'server/db/schema.ts'), 'utf8');
const tables = [...schema.matchAll(/^\s{2}([a-z_]+): [A-Za-z]+Table;$/gm)].map((m) => m[1]!);

function ownerOf(table: string): string | undefined {
  if (table.startsWith('callback_')) return 'modules/callbacks';
  return Object.entries(owners).find(([, t]) => t.includes(table))?.[0];
}

function partOf(file: string): string {
  const rel = path.relative(path.join(root, 'server'), file).split(path.sep);
  return rel[0] === 'modules' ? `modules/${rel[1]}` : rel[0]!;
}

/** Production source files of the parts that own tables (tests and test fixtures may build any state they need). */
function sourceFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['server/modules', 'server/flows', 'server/platform', 'server/ledger']) {
    for (const e of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts') || e.name.endsWith('.test.ts') || e.name.endsWith('.fixtures.ts')) continue;
      out.push(path.join(e.parentPath, e.name));
    }
  }
  return out.sort();
}

/** The tables a file reads and writes in Kysely calls and in raw SQL, comments left out. */
function tablesNamedIn(source: string, only: 'all' | 'writes' = 'all'): Set<string> {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const named = new Set<string>();
  const known = tables.join('|');
  const calls =
    only === 'writes'
      ? 'insertInto|updateTable|deleteFrom|mergeInto'
      : 'selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|fullJoin|mergeInto';
  const words = only === 'writes' ? 'insert\\s+into|update|delete\\s+from|truncate' : 'from|join|into|update|table|truncate';
  const kysely = new RegExp(`\\b(?:${calls})\\(\\s*'(${known})(?:\\s+as\\s+\\w+)?'`, 'g');
  const raw = new RegExp(`\\b(?:${words})\\s+(${known})\\b`, 'gi');
  for (const m of code.matchAll(kysely)) named.add(m[1]!);
  for (const m of code.matchAll(raw)) named.add(m[1]!);
  return named;
}

describe('table ownership', () => {
  it('knows the owner of every table in the schema', () => {
    expect(tables.length).toBeGreaterThan(50);
    expect(tables.filter((t) => !ownerOf(t))).toEqual([]);
  });

  it('finds a crossing when there is one', () => {
    expect(
      [...tablesNamedIn(`db.selectFrom('payment_orders as o').innerJoin('applications as a', 'a.id', 'o.application_id')`)].sort(),
    ).toEqual(['applications', 'payment_orders']);
    expect([...tablesNamedIn('sql`select 1 from refunds r join policies p on p.id = r.policy_id`')].sort()).toEqual([
      'policies',
      'refunds',
    ]);
    expect([...tablesNamedIn('// read from policies\nconst x = 1;')]).toEqual([]);
    expect([...tablesNamedIn("db.selectFrom('events'); sql`insert into text_versions values (1)`", 'writes')]).toEqual(['text_versions']);
  });

  it('no module, flow or platform file reads or writes another part’s tables', () => {
    const crossings: string[] = [];
    for (const file of sourceFiles()) {
      const rel = path.relative(path.join(root, 'server'), file);
      const part = partOf(file);
      const source = readFileSync(file, 'utf8');
      const writes = tablesNamedIn(source, 'writes');
      for (const table of tablesNamedIn(source)) {
        const owner = ownerOf(table);
        if (owner === part || allowed[rel]?.includes(table)) continue;
        if (sharedForReading.has(table) && !writes.has(table)) continue;
        crossings.push(`${rel} ${writes.has(table) ? 'writes' : 'reads'} ${table} (owned by ${owner})`);
      }
    }
    expect(crossings).toEqual([]);
  });
});
