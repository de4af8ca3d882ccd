import type { Db } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { shanghaiDate } from '../../platform/dates.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import { createSubjectKeys } from '../../platform/subject-keys.js';
import { saleRetentions, type RetentionRules } from './retention.js';
import * as repo from './records.repository.js';

import type { DisputeKind } from '@wangbao/contracts/console';

export { disputeKinds as DISPUTE_KINDS, type DisputeKind } from '@wangbao/contracts/console';

/** Who may put a sale under dispute: the handlers of claims and complaints, and compliance. */
const DISPUTE_ROLES = ['claims_handler', 'complaint_handler', 'compliance_officer'] as const;

/**
 * The records of a sale over their life (requirements §2.4, M§33): disputes that hold them, and crypto-shredding of
 * their sealed personal data once retention has passed. Nothing here deletes a row or touches a ledger entry.
 */
export function createRecordsService(deps: { db: Db; clock: Clock; pii: PiiCipher; rules: RetentionRules }) {
  const { db, clock, rules } = deps;
  const subjectKeys = createSubjectKeys({ pii: deps.pii });

  async function findSale(target: { applicationId?: string; policyNumber?: string }) {
    const sale = await repo.findSale(db, target);
    if (!sale) throw new AppError('NOT_FOUND', 'No such application or policy');
    return sale;
  }

  /** Puts a sale under dispute (a claim or complaint contested, a lawsuit): its records are held until it ends. */
  async function openDispute(actor: Actor, input: { applicationId?: string; policyNumber?: string; kind: DisputeKind; reference: string }) {
    const staff = requireRole(actor, ...DISPUTE_ROLES);
    const sale = await findSale(input);
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const id = newId('dsp', now.getTime());
      await repo.insertDispute(trx, {
        id,
        application_id: sale.applicationId,
        policy_id: sale.policyId,
        kind: input.kind,
        reference: input.reference,
        opened_at: now,
        opened_by: staff.id,
      });
      await recordEvent(trx, {
        type: 'dispute.opened',
        actor: staff,
        subject: { type: 'application', id: sale.applicationId },
        payload: { disputeId: id, kind: input.kind, reference: input.reference },
        at: now,
      });
      return { disputeId: id, applicationId: sale.applicationId, policyNumber: sale.policyNumber, openedAt: now };
    });
  }

  /** Ends a dispute; ending one twice is refused. */
  async function endDispute(actor: Actor, disputeId: string) {
    const staff = requireRole(actor, ...DISPUTE_ROLES);
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const r = await repo.endOpenDispute(trx, disputeId, { at: now, by: staff.id });
      if (!r) {
        const exists = await repo.findDispute(trx, disputeId);
        throw exists ? new AppError('INVALID_STATE', 'The dispute has already ended') : new AppError('NOT_FOUND', 'No such dispute');
      }
      await recordEvent(trx, {
        type: 'dispute.ended',
        actor: staff,
        subject: { type: 'application', id: r.application_id },
        payload: { disputeId },
        at: now,
      });
      return { disputeId, endedAt: now };
    });
  }

  /** A sale's retention as of now. */
  async function retentionOf(actor: Actor, target: { applicationId?: string; policyNumber?: string }) {
    requireRole(actor, 'compliance_officer', 'auditor');
    const sale = await findSale(target);
    const [r] = await saleRetentions(db, rules, [sale.applicationId]);
    return must(r, `the retention of application ${sale.applicationId}`);
  }

  /**
   * Destroys the data key of a sale whose retention has passed (PIPL Art. 47): the personal data sealed in its
   * ledger entries and events becomes unreadable for good, while the entries' bytes, proofs and checkpoints stay
   * valid. Refused while a dispute is open or before the retention end; done once.
   */
  async function shredSale(actor: Actor, input: { applicationId?: string; policyNumber?: string; reason: string }) {
    const staff = requireRole(actor, 'compliance_officer');
    const sale = await findSale(input);
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      // Serialises against a dispute being opened at the same moment.
      await repo.lockSale(trx, sale.applicationId);
      const [r] = await saleRetentions(trx, rules, [sale.applicationId]);
      if (!r || r.heldByOpenDispute)
        throw new AppError('RETENTION_NOT_ENDED', 'The sale is under dispute: its records are held until the dispute ends');
      if (r.retentionEnd === null || r.retentionEnd >= shanghaiDate(now))
        throw new AppError('RETENTION_NOT_ENDED', `The records are kept until ${r.retentionEnd}`);
      const destroyed = await subjectKeys.destroy(trx, { type: 'application', id: sale.applicationId }, staff.id, input.reason, now);
      if (!destroyed) {
        if (await subjectKeys.destroyedAt(trx, { type: 'application', id: sale.applicationId }))
          throw new AppError('INVALID_STATE', 'The records were already shredded');
      }
      await recordEvent(trx, {
        type: 'records.shredded',
        actor: staff,
        subject: { type: 'application', id: sale.applicationId },
        payload: { policyNumber: sale.policyNumber, retentionEnd: r.retentionEnd, reason: input.reason, keyDestroyed: destroyed },
        at: now,
      });
      return { applicationId: sale.applicationId, policyNumber: sale.policyNumber, retentionEnd: r.retentionEnd, shreddedAt: now };
    });
  }

  return { openDispute, endDispute, retentionOf, shredSale };
}
export type RecordsService = ReturnType<typeof createRecordsService>;
