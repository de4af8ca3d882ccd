import type { Db } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import type { LedgerService } from '../../ledger/ledger.service.js';
import { leavesOfSale, pendingEntriesOf } from '../../ledger/ledger.repository.js';
import type { LedgerEntry } from '../../ledger/entry.js';
import * as repo from './records.repository.js';
import type { PiiCipher } from '../../platform/pii.js';
import { createSubjectKeys, replaceSealed, sealedValuesIn } from '../../platform/subject-keys.js';

/** Who may replay a sale (调阅): compliance reviews it, auditors and regulators read it. */
const REPLAY_ROLES = ['compliance_officer', 'auditor'] as const;

/**
 * Replay of a sale as the consumer lived it (M§33, 可回溯): every entry of the application, its payment orders and
 * its policy in log order — the page or text shown with its full snapshot, each action with the element, the value
 * (personal data is sealed in entries; shown here masked, or as destroyed once its key is shredded), server time
 * and time on the page — and beside each entry
 * its inclusion proof against the latest checkpoint. The read itself is an entry of the log.
 */
export function createReplayService(deps: { db: Db; clock: Clock; ledger: LedgerService; pii: PiiCipher }) {
  const { db, clock, ledger } = deps;
  const subjectKeys = createSubjectKeys({ pii: deps.pii });

  async function replay(actor: Actor, target: { applicationId?: string; policyNumber?: string }) {
    const staff = requireRole(actor, ...REPLAY_ROLES);
    const sale = await repo.findSale(db, target);
    if (!sale) throw new AppError('NOT_FOUND', 'No such application or policy');

    // 调阅 is recorded before anything is shown, in the log it reads.
    await recordEvent(db, {
      type: 'staff.trace_read',
      actor: staff,
      subject: { type: 'application', id: sale.applicationId },
      payload: { policyNumber: sale.policyNumber },
      at: clock.now(),
    });

    const refs = await repo.refsOfSale(db, sale.applicationId, sale.policyId);
    const leaves = await leavesOfSale(db, refs);
    // Entries not yet sequenced are shown too, without a proof.
    const pending = await pendingEntriesOf(db, refs);

    let checkpoint: Awaited<ReturnType<LedgerService['latestCheckpoint']>> | undefined;
    try {
      checkpoint = await ledger.latestCheckpoint();
    } catch {
      checkpoint = undefined;
    }
    const entries: LedgerEntry[] = [
      ...leaves.map((l) => JSON.parse(l.entry.toString('utf8')) as LedgerEntry),
      ...pending.map((q) => JSON.parse(q.entry.toString('utf8')) as LedgerEntry),
    ];
    const textIds = [...new Set(entries.map((e) => e.textVersion?.id).filter((x): x is string => !!x))];
    const texts = textIds.length
      ? await db
          .selectFrom('text_versions')
          .leftJoin('text_version_offline', 'text_version_offline.text_version_id', 'text_versions.id')
          .select(['text_versions.id', 'kind', 'title', 'content', 'content_hash', 'online_at', 'text_version_offline.offline_at'])
          .where('text_versions.id', 'in', textIds)
          .execute()
      : [];

    const revealed = await subjectKeys.revealMasked(
      db,
      entries.flatMap((e) => sealedValuesIn(e.payload)),
    );

    const shownAt = new Map<string, number>();
    const timeline = [];
    for (const [i, e] of entries.entries()) {
      const leaf = leaves[i];
      const at = Date.parse(e.at);
      if (e.type === 'application.text_displayed' || e.type === 'application.document_displayed') shownAt.set(e.textVersion?.id ?? '', at);
      const shown = e.textVersion ? shownAt.get(e.textVersion.id) : undefined;
      const interaction = (e.payload as { interaction?: { elementId?: string; action?: string; initialState?: string; dwellMs?: number } })
        .interaction;
      const proof =
        leaf && checkpoint && leaf.leaf_index < checkpoint.treeSize
          ? await ledger.inclusionProof(leaf.leaf_index, checkpoint.treeSize)
          : undefined;
      timeline.push({
        leafIndex: leaf?.leaf_index ?? null,
        at: e.at,
        type: e.type,
        actor: e.actor,
        subject: e.subject,
        element: interaction?.elementId ?? null,
        action: interaction?.action ?? null,
        // Sealed personal data is opened only to be shown masked (M§38); a shredded value says so.
        value: replaceSealed(e.payload, (s) => ({
          sealed: s.$sealed.field,
          ...must(revealed.get(s.$sealed.ct), 'a revealed sealed value'),
        })),
        textVersion: e.textVersion,
        timeOnPageMs:
          shown !== undefined && e.type !== 'application.text_displayed' && e.type !== 'application.document_displayed' ? at - shown : null,
        clientDwellMs: interaction?.dwellMs ?? null,
        proof: proof
          ? { treeSize: proof.treeSize, leafHash: proof.leafHash.toString('base64'), hashes: proof.proof.map((h) => h.toString('base64')) }
          : null,
      });
    }
    return {
      applicationId: sale.applicationId,
      policyNumber: sale.policyNumber,
      checkpoint: checkpoint ? { treeSize: checkpoint.treeSize, note: checkpoint.note } : null,
      timeline,
      snapshots: texts.map((t) => ({
        id: t.id,
        kind: t.kind,
        title: t.title,
        content: t.content,
        contentHash: t.content_hash,
        onlineAt: t.online_at.toISOString(),
        offlineAt: t.offline_at?.toISOString() ?? null,
      })),
    };
  }

  return { replay };
}
export type ReplayService = ReturnType<typeof createReplayService>;
