import type { DbOrTrx } from '../db/database.js';
import { canonicalBytes } from './canonical-json.js';

/**
 * What one ledger entry says: one event, as RFC 8785 canonical JSON, with the content hash of the text version
 * the consumer was shown so the snapshot can be checked against the entry years later. Entries carry no personal
 * data in plaintext (events never do), so destroying a subject's key later breaks nothing in the tree.
 */
export interface LedgerEntry {
  v: 1;
  id: string;
  type: string;
  at: string;
  actor: { type: string; id: string | null };
  subject: { type: string; id: string };
  payload: Record<string, unknown>;
  textVersion: { id: string; contentHash: string } | null;
}

const TEXT_VERSION_MARK = Buffer.from('"textVersion":{"contentHash"');
const TEXT_VERSION = /"textVersion":\{"contentHash":"([0-9a-f]{64})","id":"([^"\\]+)"\}/;

/**
 * The text version an entry says was shown, read from its canonical bytes without parsing the whole entry (most
 * entries name none, and a full verify reads a million of them).
 */
export function shownTextVersion(entry: Buffer): { id: string; contentHash: string } | undefined {
  if (!entry.includes(TEXT_VERSION_MARK)) return undefined;
  const m = TEXT_VERSION.exec(entry.toString('utf8'));
  const [, contentHash, id] = m ?? [];
  return contentHash && id ? { contentHash, id } : undefined;
}

/** Text versions never change: their content hashes are read once per process. */
const contentHashes = new Map<string, string>();

async function contentHashOf(db: DbOrTrx, textVersionId: string): Promise<string> {
  const hit = contentHashes.get(textVersionId);
  if (hit) return hit;
  const row = await db.selectFrom('text_versions').select('content_hash').where('id', '=', textVersionId).executeTakeFirstOrThrow();
  if (contentHashes.size > 50_000) contentHashes.clear();
  contentHashes.set(textVersionId, row.content_hash);
  return row.content_hash;
}

/** The ledger queue row of an entry: its canonical bytes, with the content hash of any text version it names. */
export async function ledgerQueueRow(db: DbOrTrx, e: Omit<LedgerEntry, 'v' | 'textVersion'> & { textVersionId: string | null }) {
  const entry: LedgerEntry = {
    v: 1,
    id: e.id,
    type: e.type,
    at: e.at,
    actor: e.actor,
    subject: e.subject,
    payload: e.payload,
    textVersion: e.textVersionId ? { id: e.textVersionId, contentHash: await contentHashOf(db, e.textVersionId) } : null,
  };
  return { entry_id: e.id, entry: canonicalBytes(entry), ref_type: e.subject.type, ref_id: e.subject.id, queued_at: new Date(e.at) };
}
