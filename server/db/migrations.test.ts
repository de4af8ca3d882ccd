import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const migrationsDir = path.join(here, 'migrations');
const listFile = path.join(here, 'migrations.sha256');

/** sha256 of a migration as committed: line endings normalised, so a checkout with CRLF hashes the same. */
const checksum = (file: string) =>
  createHash('sha256')
    .update(readFileSync(path.join(migrationsDir, file), 'utf8').replace(/\r\n/g, '\n'))
    .digest('hex');

/** The committed list, in `sha256sum` format: `<hex>  <file>` per line. */
function committed(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(listFile, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line.trim());
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

const HOW_TO_ADD =
  'A new migration is added to server/db/migrations.sha256 with: (cd server/db/migrations && sha256sum NNNN_name.ts) >> server/db/migrations.sha256';

describe('migrations', () => {
  const files = readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const list = committed();

  it('are never edited once landed: each file has the checksum committed in migrations.sha256', () => {
    const edited = files.filter((f) => list.has(f) && list.get(f) !== checksum(f));
    expect(
      edited,
      `Landed migrations were edited: ${edited.join(', ')}. A landed migration is never changed (it has run on databases ` +
        'that will not run it again): restore it, and write the change as a new migration file.',
    ).toEqual([]);
  });

  it('are all in the committed list, and the list names no missing file', () => {
    const unlisted = files.filter((f) => !list.has(f));
    expect(unlisted, `Migrations not in server/db/migrations.sha256: ${unlisted.join(', ')}. ${HOW_TO_ADD}`).toEqual([]);
    const missing = [...list.keys()].filter((f) => !files.includes(f));
    expect(
      missing,
      `server/db/migrations.sha256 lists files that are gone: ${missing.join(', ')}. A landed migration is never removed.`,
    ).toEqual([]);
  });

  it('are named NNNN_name.ts, so the migrator runs them all, in order', () => {
    expect(files.filter((f) => !/^\d{4}_[a-z0-9_]+\.ts$/.test(f))).toEqual([]);
  });
});
