import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Every temporary folder a test makes starts with this, so the global teardown can find what a run left behind. */
export const TEST_TEMP_PREFIX = 'wangbao-test-';

/**
 * Names in the temp folder that this project's tests make: the helper's prefix, and the older `wangbao-…`/`wb-…`
 * prefixes some tests still spell out themselves.
 */
export const PROJECT_TEMP_NAME = /^(wangbao|wb)-/;

/** A new, empty folder under the system temp folder; the caller removes it (afterAll or finally). */
export function makeTempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `${TEST_TEMP_PREFIX}${label}-`));
}

/** The entries of the temp folder that look like this project's tests made them. */
export function projectTempEntries(): string[] {
  return readdirSync(tmpdir()).filter((name) => PROJECT_TEMP_NAME.test(name));
}
