import type { TestProject } from 'vitest/node';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../server/db/embedded.js';
import { migrateToLatest } from '../server/db/migrator.js';
import { withDatabase } from '../server/db/database.js';
import { describeMissing, inCI, missingTools } from './helpers/system-tools.js';
import { projectTempEntries } from './helpers/temp.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

let embedded: EmbeddedDatabase | undefined;
let adminUrl: string;
let template: string;
let privateDir: string | undefined;
let tempBefore: Set<string> | undefined;

/**
 * One PostgreSQL for the run: the server DATABASE_URL points at, or an embedded one under ./data/test-pg. The
 * schema is migrated once into a template database; each test file then gets its own database cloned from it.
 */
export async function setup(project: TestProject) {
  checkSystemTools();
  tempBefore = new Set(projectTempEntries());
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const port = Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54330);
    try {
      embedded = await startEmbeddedPostgres({ dir: './data/test-pg', port });
    } catch (e) {
      // Another test run on this machine holds the shared test database: run on a private one of our own.
      if (!String((e as Error).message).includes('is in use by process')) throw e;
      privateDir = `./data/test-pg-${process.pid}`;
      embedded = await startEmbeddedPostgres({ dir: privateDir, port: port + 1 + (process.pid % 1000) });
    }
    adminUrl = embedded.url;
  }
  template = `wb_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  await admin.query(`create database ${template}`);
  await admin.end();
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: withDatabase(adminUrl, template), max: 1 }) }),
  });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', template);
}

export async function teardown() {
  try {
    if (adminUrl) await dropTemplateAndStop();
  } finally {
    checkTempLeftovers();
  }
}

/**
 * The programs the tests shell out to (README: "What the tests need from the system"). Under CI=true a missing one
 * fails the run before anything starts; elsewhere the tests that need it are skipped, and this says so once.
 */
function checkSystemTools(): void {
  const missing = missingTools();
  if (missing.length === 0) return;
  if (inCI()) throw new Error(`CI=true and programs the tests need are missing: ${describeMissing(missing)}. .ci/run installs them.`);
  console.warn(`SKIPPED: tests that need ${describeMissing(missing)} do not run on this machine.`);
}

/** A run leaves nothing in the temp folder: what a test made there and did not remove is named (and fails CI). */
function checkTempLeftovers(): void {
  const before = tempBefore;
  if (!before) return;
  const left = projectTempEntries().filter((name) => !before.has(name));
  if (left.length === 0) return;
  const message = `tests left ${left.length} entries in ${tmpdir()} (or another test run on this machine made them): ${left.join(', ')}`;
  if (inCI()) throw new Error(message);
  console.warn(`WARNING: ${message}`);
}

async function dropTemplateAndStop() {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  await admin.end();
  await embedded?.stop();
  if (privateDir) rmSync(privateDir, { recursive: true, force: true });
}
