import type { Db, DbOrTrx } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { ageOn, shanghaiDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { PaymentMode } from '../products/index.js';
import { insertDecision, underwrite } from '../underwriting/index.js';
import { assertTransition, partyIn, assessSuitability, requiredConsents, unansweredItems, type QuestionAnswer } from './application.js';
import * as repo from './application.repository.js';
import { loadOwnedApplication } from './application.service.js';
import { loadProductVersion } from '../products/index.js';
import type { InForceCover } from './ports.js';

/**
 * The insured's sum insured of one line on in-force policies and on applications still on their way to issue,
 * found through the blind index of the insured's ID number (M§18: the cumulative limit), this application left out.
 */
async function existingSumInsured(
  inForceCover: InForceCover,
  trx: DbOrTrx,
  insuredIdIndex: string,
  line: string,
  excludeApplicationId: string,
): Promise<number> {
  const cover = [...(await inForceCover(trx, insuredIdIndex)), ...(await repo.pendingCoverOf(trx, insuredIdIndex, excludeApplicationId))];
  let total = 0;
  for (const c of cover) if ((await loadProductVersion(trx, c.product_version_id))?.definition.line === line) total += c.sum_insured_fen;
  return total;
}

/**
 * Submission: every confirmation given, every item answered, identity proven; then suitability (M§17) and the
 * product's underwriting rules (M§18) decide accept, decline or refer — the decision and its reasons are kept
 * whatever it is.
 */
export function createSubmissionService(deps: { db: Db; clock: Clock; pii: PiiCipher; inForceCover: InForceCover }) {
  const { db, clock, pii } = deps;

  async function submitApplication(actor: Actor, applicationId: string) {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const { app, product } = await loadOwnedApplication(trx, actor, applicationId, true);
      const d = product.definition;
      assertTransition(app.status, 'awaiting_signature');

      const consents = await repo.findConsents(trx, app.id);
      const missing = requiredConsents(d).filter((k) => !consents.some((c) => c.kind === k));
      if (missing.length)
        throw new AppError(
          'CONSENT_MISSING',
          `Not yet confirmed: ${missing.join(', ')}`,
          missing.map((k) => ({ path: `consents.${k}`, code: 'missing', message: `${k} not confirmed` })),
        );

      const answerRows = await repo.findLatestAnswers(trx, app.id);
      const answers: QuestionAnswer[] = answerRows.map((a) => ({
        questionnaireCode: a.questionnaire_code,
        itemCode: a.item_code,
        optionCode: pii.decrypt(
          d.questionnaires.find((q) => q.code === a.questionnaire_code)?.kind === 'health' ? 'health_answer' : 'answer',
          a.answer_cipher,
        ),
      }));
      const unanswered = unansweredItems(d.questionnaires, answers);
      if (unanswered.length)
        throw new AppError(
          'QUESTIONNAIRE_INCOMPLETE',
          `Unanswered: ${unanswered.join(', ')}`,
          unanswered.map((k) => ({ path: `answers.${k}`, code: 'missing', message: 'not answered' })),
        );

      if (!app.identity_verified_at)
        throw new AppError(
          'IDENTITY_NOT_VERIFIED',
          d.faceVerificationRequired ? 'SMS code and face comparison are both required' : 'The SMS code has not been verified',
        );

      const suitability = assessSuitability(d, app.premium_fen, app.payment_mode as PaymentMode, answers);
      if (!suitability.suitable)
        throw new AppError(
          'SUITABILITY_MISMATCH',
          suitability.findings.map((f) => f.message).join('; '),
          suitability.findings.map((f) => ({ code: f.code, message: f.message })),
        );
      await recordEvent(trx, {
        type: 'application.suitability_assessed',
        actor,
        subject: { type: 'application', id: app.id },
        payload: { suitable: true, riskLevel: suitability.riskLevel ?? null, productRiskLevel: d.riskLevel },
        at: now,
      });

      const insured = partyIn(await repo.findParties(trx, app.id), 'insured');
      const existing = await existingSumInsured(deps.inForceCover, trx, insured.id_number_index, d.line, app.id);
      const result = underwrite(d, {
        insuredAge: ageOn(insured.birth_date, shanghaiDate(now)),
        sumInsuredFen: app.sum_insured_fen,
        answers,
        existingSumInsuredFen: existing,
      });
      const status = result.outcome === 'accept' ? 'awaiting_signature' : result.outcome === 'decline' ? 'declined' : 'referred';
      const updated = await trx
        .updateTable('applications')
        .set({
          status,
          submitted_at: now,
          underwriting_outcome: result.outcome,
          suitability: JSON.stringify(suitability),
          ...(status === 'awaiting_signature' ? { accepted_at: now } : status === 'declined' ? { declined_at: now } : { referred_at: now }),
        })
        .where('id', '=', app.id)
        .where('status', '=', 'draft')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT');
      await insertDecision(trx, {
        id: newId('uw', now.getTime()),
        application_id: app.id,
        source: 'rules',
        outcome: result.outcome,
        reasons: JSON.stringify(result.reasons),
        decided_by: null,
        decided_at: now,
      });
      await recordEvent(trx, { type: 'application.submitted', actor, subject: { type: 'application', id: app.id }, payload: {}, at: now });
      await recordEvent(trx, {
        type: 'underwriting.decided',
        actor: { type: 'system', id: 'underwriting-rules' },
        subject: { type: 'application', id: app.id },
        payload: { source: 'rules', outcome: result.outcome, reasons: result.reasons.map((r) => ({ code: r.code, outcome: r.outcome })) },
        at: now,
      });
      return { status, outcome: result.outcome, reasons: result.reasons };
    });
  }

  return { submitApplication };
}
export type SubmissionService = ReturnType<typeof createSubmissionService>;
