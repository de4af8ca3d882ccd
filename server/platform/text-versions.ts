import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { must } from './errors.js';
import { newId } from './ids.js';

export function sha256Hex(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Registers a text a consumer is shown (notice, clause, warning, questionnaire item, document) and returns its
 * version id. The same content registers once: the content hash is the identity, so a version can be shown
 * exactly as it was years later.
 */
export async function registerTextVersion(
  db: DbOrTrx,
  t: { kind: string; ref: string; title: string; content: string; at: Date },
): Promise<{ id: string; contentHash: string }> {
  const contentHash = sha256Hex(`${t.title}\n\n${t.content}`);
  const find = () =>
    db
      .selectFrom('text_versions')
      .select('id')
      .where('kind', '=', t.kind)
      .where('ref', '=', t.ref)
      .where('content_hash', '=', contentHash)
      .executeTakeFirst();
  const existing = await find();
  if (existing) return { id: existing.id, contentHash };
  const id = newId('txt', t.at.getTime());
  const inserted = await db
    .insertInto('text_versions')
    .values({
      id,
      kind: t.kind,
      ref: t.ref,
      title: t.title,
      content: t.content,
      content_hash: contentHash,
      online_at: t.at,
      created_at: t.at,
    })
    .onConflict((oc) => oc.columns(['kind', 'ref', 'content_hash']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, contentHash };
  // Another transaction inserted the same text first: its row is there now.
  const raced = must(await find(), `text version ${t.kind} ${t.ref} after a concurrent insert`);
  return { id: raced.id, contentHash };
}

/**
 * Takes the texts of the given kinds whose ref starts with `prefix` offline (a product version withdrawn or
 * replaced): each text's offline time is written once and never changed, so replay shows when it stopped being shown.
 */
export async function takeTextVersionsOffline(db: DbOrTrx, t: { kinds: readonly string[]; refPrefix: string; at: Date }): Promise<void> {
  await sql`
    insert into text_version_offline (text_version_id, offline_at)
    select id, ${t.at} from text_versions
     where kind in (${sql.join([...t.kinds])}) and starts_with(ref, ${t.refPrefix})
    on conflict (text_version_id) do nothing`.execute(db);
}
