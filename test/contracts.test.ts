import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as common from '@wangbao/contracts/common';
import * as staffContract from '@wangbao/contracts/console';
import * as product from '../server/modules/products/product.js';
import { staffRoles } from '../server/platform/actor.js';
import { DISPUTE_KINDS } from '../server/modules/records/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

describe('the contracts package', () => {
  it('bundles the consumer entry without a single staff schema', async () => {
    const result = await build({
      entryPoints: [join(root, 'contracts/consumer.ts')],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.includes('contracts/consumer/'))).toBe(true);
    expect(inputs.filter((f) => /contracts\/console(\/|\.ts)/.test(f))).toEqual([]);
    // Nor anything of the server: a web bundle carries schemas, not code.
    expect(inputs.filter((f) => f.startsWith('server/') || f.includes('/server/'))).toEqual([]);
  });

  it('is what every route parses and answers with: no route file defines its own zod schema', () => {
    const routeFiles = filesUnder('server', '.routes.ts');
    expect(routeFiles.length).toBeGreaterThan(10);
    const offenders = routeFiles.filter((f) => {
      const src = readFileSync(join(root, f), 'utf8');
      return (
        /\bz\.(object|string|number|enum|array|union|intersection|date|literal|coerce)\(/.test(src) ||
        /import \{[^}]*\bz\b[^}]*\} from 'zod'/.test(src)
      );
    });
    expect(offenders).toEqual([]);
  });

  it('never imports a contract by relative path: the package name resolves it', () => {
    const offenders = [...filesUnder('server', '.ts'), ...filesUnder('test', '.ts')].filter((f) =>
      /from '(\.\.\/)+contracts\//.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('answers instants as ISO 8601 strings, never as z.date()', () => {
    const offenders = filesUnder('contracts', '.ts').filter((f) => /z\.date\(/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('is where the server takes its enums and the product definition from: one object, not a copy', () => {
    expect(product.productLines).toBe(common.productLines);
    expect(product.paymentModes).toBe(common.paymentModes);
    expect(product.relationships).toBe(common.relationships);
    expect(product.genders).toBe(common.genders);
    expect(product.productDefinitionSchema).toBe(staffContract.productDefinitionBody);
    expect(staffRoles).toBe(staffContract.staffRoles);
    expect(DISPUTE_KINDS).toBe(staffContract.disputeKinds);
  });
});
