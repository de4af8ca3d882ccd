import type { Db } from '../../db/database.js';
import { requireRole, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskIdNumber, maskName, type PiiCipher } from '../../platform/pii.js';
import { assertTransition } from '../sales/application.js';
import { loadProductVersion } from '../products/index.js';
import * as repo from '../sales/application.repository.js';

/** The underwriter's queue: referred applications wait here; a decision needs the underwriter role and reasons (M§18). */
export function createUnderwritingService(deps: { db: Db; clock: Clock; pii: PiiCipher }) {
  const { db, clock, pii } = deps;

  async function listReferrals(actor: Actor) {
    requireRole(actor, 'underwriter');
    const rows = await db
      .selectFrom('applications')
      .innerJoin('product_versions', 'product_versions.id', 'applications.product_version_id')
      .innerJoin('products', 'products.id', 'product_versions.product_id')
      .select(['applications.id', 'applications.referred_at', 'applications.sum_insured_fen', 'applications.premium_fen', 'products.code'])
      .where('applications.status', '=', 'referred')
      .orderBy('applications.referred_at')
      .execute();
    return rows.map((r) => ({ applicationId: r.id, productCode: r.code, referredAt: r.referred_at!.toISOString(), sumInsuredFen: r.sum_insured_fen, premiumFen: r.premium_fen }));
  }

  /**
   * A referred application in full for the underwriter: health answers decrypted because the role needs them;
   * the read itself is recorded (调阅).
   */
  async function getReferral(actor: Actor, applicationId: string) {
    const staff = requireRole(actor, 'underwriter');
    const app = await repo.findApplication(db, applicationId);
    if (!app) throw new AppError('NOT_FOUND');
    const pv = (await loadProductVersion(db, app.product_version_id))!;
    const d = pv.definition;
    const [parties, answers, decisions] = await Promise.all([repo.findParties(db, app.id), repo.findLatestAnswers(db, app.id), repo.findDecisions(db, app.id)]);
    const now = clock.now();
    await recordEvent(db, { type: 'staff.personal_data_read', actor: staff, subject: { type: 'application', id: app.id }, payload: { fields: ['answers'] }, at: now });
    return {
      applicationId: app.id,
      status: app.status,
      productCode: pv.code,
      sumInsuredFen: app.sum_insured_fen,
      parties: parties.map((p) => ({ role: p.role, name: maskName(pii.decrypt('name', p.name_cipher)), idNumber: maskIdNumber(pii.decrypt('id_number', p.id_number_cipher)), birthDate: p.birth_date, gender: p.gender })),
      answers: answers.map((a) => {
        const q = d.questionnaires.find((x) => x.code === a.questionnaire_code);
        const optionCode = pii.decrypt(q?.kind === 'health' ? 'health_answer' : 'answer', a.answer_cipher);
        const item = q?.items.find((i) => i.code === a.item_code);
        return { questionnaire: a.questionnaire_code, item: a.item_code, question: item?.text ?? '', answer: item?.options.find((o) => o.code === optionCode)?.label ?? optionCode };
      }),
      decisions: decisions.map((x) => ({ source: x.source, outcome: x.outcome, reasons: x.reasons, decidedAt: x.decided_at.toISOString() })),
    };
  }

  async function decideReferral(actor: Actor, applicationId: string, input: { outcome: 'accept' | 'decline'; reasons: string[] }) {
    const staff = requireRole(actor, 'underwriter');
    if (input.reasons.length === 0 || input.reasons.some((r) => !r.trim())) throw new AppError('VALIDATION_FAILED', 'A decision records its reasons');
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const app = await repo.lockApplication(trx, applicationId);
      if (!app) throw new AppError('NOT_FOUND');
      const to = input.outcome === 'accept' ? 'awaiting_signature' : 'declined';
      assertTransition(app.status, to);
      await trx
        .updateTable('applications')
        .set({ status: to, underwriting_outcome: input.outcome, ...(to === 'declined' ? { declined_at: now } : { accepted_at: now }) })
        .where('id', '=', app.id)
        .where('status', '=', 'referred')
        .execute();
      await trx
        .insertInto('underwriting_decisions')
        .values({ id: newId('uw', now.getTime()), application_id: app.id, source: 'underwriter', outcome: input.outcome, reasons: JSON.stringify(input.reasons.map((message) => ({ code: 'UNDERWRITER', outcome: input.outcome, message }))), decided_by: staff.id, decided_at: now })
        .execute();
      await recordEvent(trx, { type: 'underwriting.decided', actor: staff, subject: { type: 'application', id: app.id }, payload: { source: 'underwriter', outcome: input.outcome, reasonCount: input.reasons.length }, at: now });
      return { applicationId: app.id, status: to };
    });
  }

  return { listReferrals, getReferral, decideReferral };
}
export type UnderwritingService = ReturnType<typeof createUnderwritingService>;
