import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const fixture = 'test/fixtures/boundaries/server';

/** Runs the boundary check as `npm run check:boundaries` does, on `target`: its exit status and report. */
function checkBoundaries(target: string, extra: string[] = []) {
  const r = spawnSync(process.execPath, [depcruise, '--config', '.dependency-cruiser.cjs', ...extra, target], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status, report: `${r.stdout}${r.stderr}` };
}

describe('the boundary check', () => {
  it('fails on a module importing another module’s repository, a module importing a flow, and the cycle that makes', () => {
    const r = checkBoundaries(fixture);
    expect(r.status).not.toBe(0);
    expect(r.report).toContain(
      `error module-through-its-index: ${fixture}/modules/payments/payment.service.ts → ${fixture}/modules/sales/application.repository.ts`,
    );
    expect(r.report).toContain(`error no-flows-below: ${fixture}/modules/policies/policy.service.ts → ${fixture}/flows/purchase.ts`);
    expect(r.report).toContain('error no-circular:');
  });

  it('passes on server/', () => {
    const r = checkBoundaries('server');
    expect(r.report).toContain('no dependency violations found');
    expect(r.status).toBe(0);
  });
});
