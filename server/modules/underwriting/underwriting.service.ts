import type { Db } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskIdNumber, maskName, type PiiCipher } from '../../platform/pii.js';
import { requireProductVersion } from '../products/index.js';
import type { ReferredApplications } from './ports.js';
import * as repo from './underwriting.repository.js';

/** The underwriter's queue: referred applications wait here; a decision needs the underwriter role and reasons (M§18). */
export function createUnderwritingService(deps: { db: Db; clock: Clock; pii: PiiCipher; applications: ReferredApplications }) {
  const { db, clock, pii, applications } = deps;

  async function listReferrals(actor: Actor) {
    requireRole(actor, 'underwriter');
    const rows = await applications.listReferred(db);
    return Promise.all(
      rows.map(async (r) => ({
        applicationId: r.id,
        productCode: (await requireProductVersion(db, r.product_version_id)).code,
        referredAt: must(r.referred_at, `the referral time of ${r.id}`).toISOString(),
        sumInsuredFen: r.sum_insured_fen,
        premiumFen: r.premium_fen,
      })),
    );
  }

  /**
   * A referred application in full for the underwriter: health answers decrypted because the role needs them;
   * the read itself is recorded (调阅).
   */
  async function getReferral(actor: Actor, applicationId: string) {
    const staff = requireRole(actor, 'underwriter');
    const app = await applications.findApplication(db, applicationId);
    if (!app) throw new AppError('NOT_FOUND');
    const pv = await requireProductVersion(db, app.product_version_id);
    const d = pv.definition;
    const [parties, answers, decisions] = await Promise.all([
      applications.findParties(db, app.id),
      applications.findLatestAnswers(db, app.id),
      repo.findDecisions(db, app.id),
    ]);
    const now = clock.now();
    await recordEvent(db, {
      type: 'staff.personal_data_read',
      actor: staff,
      subject: { type: 'application', id: app.id },
      payload: { fields: ['answers'] },
      at: now,
    });
    return {
      applicationId: app.id,
      status: app.status,
      productCode: pv.code,
      sumInsuredFen: app.sum_insured_fen,
      parties: parties.map((p) => ({
        role: p.role,
        name: maskName(pii.decrypt('name', p.name_cipher)),
        idNumber: maskIdNumber(pii.decrypt('id_number', p.id_number_cipher)),
        birthDate: p.birth_date,
        gender: p.gender,
      })),
      answers: answers.map((a) => {
        const q = d.questionnaires.find((x) => x.code === a.questionnaire_code);
        const optionCode = pii.decrypt(q?.kind === 'health' ? 'health_answer' : 'answer', a.answer_cipher);
        const item = q?.items.find((i) => i.code === a.item_code);
        return {
          questionnaire: a.questionnaire_code,
          item: a.item_code,
          question: item?.text ?? '',
          answer: item?.options.find((o) => o.code === optionCode)?.label ?? optionCode,
        };
      }),
      decisions: decisions.map((x) => ({
        source: x.source,
        outcome: x.outcome,
        reasons: x.reasons,
        decidedAt: x.decided_at.toISOString(),
      })),
    };
  }

  async function decideReferral(actor: Actor, applicationId: string, input: { outcome: 'accept' | 'decline'; reasons: string[] }) {
    const staff = requireRole(actor, 'underwriter');
    if (input.reasons.length === 0 || input.reasons.some((r) => !r.trim()))
      throw new AppError('VALIDATION_FAILED', 'A decision records its reasons');
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const app = await applications.lockApplication(trx, applicationId);
      if (!app) throw new AppError('NOT_FOUND');
      const to = input.outcome === 'accept' ? 'awaiting_signature' : 'declined';
      await applications.decideReferred(trx, app.id, { from: app.status, to, outcome: input.outcome, at: now });
      await repo.insertDecision(trx, {
        id: newId('uw', now.getTime()),
        application_id: app.id,
        source: 'underwriter',
        outcome: input.outcome,
        reasons: JSON.stringify(input.reasons.map((message) => ({ code: 'UNDERWRITER', outcome: input.outcome, message }))),
        decided_by: staff.id,
        decided_at: now,
      });
      await recordEvent(trx, {
        type: 'underwriting.decided',
        actor: staff,
        subject: { type: 'application', id: app.id },
        payload: { source: 'underwriter', outcome: input.outcome, reasonCount: input.reasons.length },
        at: now,
      });
      return { applicationId: app.id, status: to };
    });
  }

  return { listReferrals, getReferral, decideReferral };
}
export type UnderwritingService = ReturnType<typeof createUnderwritingService>;
