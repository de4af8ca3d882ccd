import type { Db } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import type { LedgerService } from '../../ledger/ledger.service.js';
import { leavesOfSale } from '../../ledger/ledger.repository.js';
import { shownTextVersion } from '../../ledger/entry.js';
import { findPolicyByNumber } from '../policies/index.js';
import * as repo from './records.repository.js';

/** The self-contained bundle an auditor checks offline with `verifier/verify-bundle.mjs` (issue 3, item 10). */
export interface LedgerBundle {
  origin: string;
  hash: 'sha256' | 'sm3';
  checkpoint: string;
  public_key: string;
  entries: Array<{ index: number; data: string; proof: string[] }>;
  snapshots: Array<{ id: string; content_hash: string; title: string; content: string }>;
}

/**
 * Every ledger entry of one policy's sale and life — its application, payment orders and the policy itself —
 * with inclusion proofs against the latest signed checkpoint, and the page snapshots the entries name.
 */
export async function exportPolicyBundle(
  db: Db,
  ledger: LedgerService,
  policyNumber: string,
  reader: { actor: Actor; at: Date },
): Promise<LedgerBundle> {
  const policy = await findPolicyByNumber(db, policyNumber);
  if (!policy) throw new AppError('NOT_FOUND', `No policy ${policyNumber}`);
  const leaves = await leavesOfSale(db, await repo.refsOfSale(db, policy.application_id, policy.id));
  const checkpoint = await ledger.latestCheckpoint();
  const covered = leaves.filter((l) => l.leaf_index < checkpoint.treeSize);
  if (covered.length < leaves.length)
    throw new AppError('INVALID_STATE', 'Some entries are not yet under a signed checkpoint; run the sequencer and publish first');
  const entries = [];
  for (const l of covered) {
    const p = await ledger.inclusionProof(l.leaf_index, checkpoint.treeSize);
    entries.push({ index: l.leaf_index, data: l.entry.toString('base64'), proof: p.proof.map((h) => h.toString('base64')) });
  }
  // An export reads a sale's trace records: 调阅, an entry of its own like every other read (M§33), after the checkpoint it used.
  await recordEvent(db, {
    type: 'staff.trace_read',
    actor: reader.actor,
    subject: { type: 'application', id: policy.application_id },
    payload: { policyNumber, record: 'ledger_export', entries: entries.length, checkpointTreeSize: checkpoint.treeSize },
    at: reader.at,
  });
  const textIds = [...new Set(covered.map((l) => shownTextVersion(l.entry)?.id).filter((x): x is string => !!x))];
  const texts = textIds.length
    ? await db
        .selectFrom('text_versions')
        .select(['id', 'content_hash', 'title', 'content'])
        .where('id', 'in', textIds)
        .orderBy('id')
        .execute()
    : [];
  return {
    origin: ledger.origin,
    hash: ledger.suite,
    checkpoint: checkpoint.note,
    public_key: ledger.verifier.publicKeyPem,
    entries,
    snapshots: texts.map((t) => ({ id: t.id, content_hash: t.content_hash, title: t.title, content: t.content })),
  };
}
