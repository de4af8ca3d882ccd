import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { createDb, type Db } from './database.js';
import { grantRuntimePrivileges } from './privileges.js';
import { createTestContext, type TestContext } from '../../test/helpers/context.js';
import { recordEvent } from '../platform/events.js';

/** Issue 3 item 5: with a migration role, the runtime role has no UPDATE, DELETE or TRUNCATE on the ledger. */
describe('grantRuntimePrivileges', () => {
  let ctx: TestContext;
  let runtime: Db;
  const role = `wb_rt_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    ctx = await createTestContext();
    await sql`create role ${sql.id(role)} login password 'runtime-test'`.execute(ctx.db);
    await grantRuntimePrivileges(ctx.db, role);
    const u = new URL(ctx.url);
    u.username = role;
    u.password = 'runtime-test';
    runtime = createDb(u.toString(), 2).db;
  });
  afterAll(async () => {
    await runtime?.destroy();
    await ctx?.close();
    // Roles belong to the cluster, not the test database: drop it once the database (and its grants) are gone.
    const admin = new pg.Client({ connectionString: inject('adminUrl') });
    await admin.connect();
    await admin.query(`drop role if exists "${role}"`);
    await admin.end();
  });

  it('M§33 lets the runtime role append and read the ledger and events, but never change or remove them', async () => {
    await runtime.transaction().execute((trx) =>
      recordEvent(trx, {
        type: 'quote.created',
        actor: { type: 'system', id: 'rt' },
        subject: { type: 'quote', id: 'quo_rt' },
        payload: {},
        at: new Date(),
      }),
    );
    expect((await runtime.selectFrom('ledger_queue').select('seq').execute()).length).toBe(1);
    for (const statement of [
      sql`update events set type = 'x'`,
      sql`delete from events`,
      sql`truncate ledger_leaves`,
      sql`update ledger_checkpoints set note = ''`,
      sql`delete from ledger_nodes`,
      sql`alter table events disable trigger all`,
    ])
      await expect(statement.execute(runtime)).rejects.toThrow(/permission denied|must be owner/);
  });

  it('M§33 gives every table a trigger guards the same refusal in privileges: page versions, callback records, signed documents, subject keys', async () => {
    for (const statement of [
      sql`update text_versions set content = ''`,
      sql`delete from text_version_offline`,
      sql`update callback_answers set answer = 'yes'`,
      sql`delete from callback_cases`,
      sql`update policy_documents set pdf = ''::bytea`,
      sql`delete from subject_keys`,
    ])
      await expect(statement.execute(runtime)).rejects.toThrow(/permission denied/);
    // A case's status moves and a key can be destroyed: those updates stay the platform's to make.
    await expect(sql`update callback_cases set status = status where false`.execute(runtime)).resolves.toBeDefined();
    await expect(sql`update subject_keys set key_cipher = null where false`.execute(runtime)).resolves.toBeDefined();
  });

  it('keeps what the platform needs: business rows change, the sequencer empties its queue', async () => {
    await expect(sql`delete from ledger_queue`.execute(runtime)).resolves.toBeDefined();
    await expect(sql`update products set name = name where false`.execute(runtime)).resolves.toBeDefined();
  });
});
