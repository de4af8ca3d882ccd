import type { Config } from '../../config.js';
import type { Db, DbOrTrx } from '../../db/database.js';
import type { Row } from '../../db/schema.js';
import { requireConsumer, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { ageOn, shanghaiDate } from '../../platform/dates.js';
import { AppError, must } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskIdNumber, maskName, maskPhone, type PiiCipher } from '../../platform/pii.js';
import { createSubjectKeys } from '../../platform/subject-keys.js';
import type { FaceProvider } from '../../platform/providers.js';
import { registerTextVersion } from '../../platform/text-versions.js';
import { parseIdNumber } from '../identity/index.js';
import { recordIdentityVerification } from './identity-verification.js';
import type { ProductDefinition } from '../products/index.js';
import {
  assertActiveConsent,
  assertBeneficiaries,
  assertRelationship,
  consentKinds,
  findOption,
  requiredConsents,
  unansweredItems,
  type BeneficiaryInput,
  type ConsentInteraction,
  type ConsentKind,
} from './application.js';
import * as repo from './application.repository.js';
import { consentText } from './consent-texts.js';
import { findProductVersion, loadProductVersion } from '../products/index.js';
import { findConsumerById } from '../consumers/index.js';
import { findQuoteRecord } from '../quotes/index.js';
import { findDecisions } from '../underwriting/index.js';
import type { OtpPort } from './ports.js';

export interface PersonInput {
  name: string;
  idNumber: string;
  phone?: string;
}

export interface StartApplicationInput {
  quoteId: string;
  policyholder: PersonInput & { phone: string };
  insured: { relationship: 'self' } | ({ relationship: 'spouse' | 'child' | 'parent' } & PersonInput);
  beneficiary: BeneficiaryInput;
}

export const OTP_PURPOSE_POLICYHOLDER = 'application_policyholder';
export const OTP_PURPOSE_INSURED = 'application_insured';

/** Loads an application its owner may act on; anyone else is told it does not exist. */
export async function loadOwnedApplication(db: DbOrTrx, actor: Actor, id: string, lock = false) {
  const consumer = requireConsumer(actor);
  const app = lock ? await repo.lockApplication(db, id) : await repo.findApplication(db, id);
  if (!app || app.consumer_id !== consumer.id) throw new AppError('NOT_FOUND', 'No such application');
  const pv = await loadProductVersion(db, app.product_version_id);
  if (!pv) throw new AppError('NOT_FOUND', 'Product version missing');
  return { app, product: { code: pv.code, version: pv.version, definition: pv.definition } };
}

function parseIdentity(idNumber: string, path: string) {
  const parsed = parseIdNumber(idNumber);
  if (!parsed.ok)
    throw new AppError('ID_NUMBER_INVALID', `${path}: ${parsed.reason}`, [{ path, code: 'checksum', message: parsed.reason }]);
  return parsed;
}

/**
 * The application (投保) from the consumer's side: start from a quote, be shown and confirm each text, answer each
 * questionnaire item, prove identity. Submission, signing and payment are their own services.
 */
export function createApplicationService(deps: { db: Db; clock: Clock; config: Config; pii: PiiCipher; otp: OtpPort; face: FaceProvider }) {
  const { db, clock, pii } = deps;
  const subjectKeys = createSubjectKeys({ pii });
  /** Text versions this service has registered, by kind, ref and content: the same text registers once. */
  const textVersionIds = new Map<string, { id: string; contentHash: string }>();
  async function registerText(conn: DbOrTrx, t: { kind: string; ref: string; title: string; content: string; at: Date }) {
    const key = `${t.kind}|${t.ref}|${t.title}|${t.content}`;
    const hit = textVersionIds.get(key);
    if (hit) return hit;
    const tv = await registerTextVersion(conn, t);
    // Only what is committed is remembered: a registration inside a transaction may still roll back.
    if (conn === db) {
      if (textVersionIds.size > 10_000) textVersionIds.clear();
      textVersionIds.set(key, tv);
    }
    return tv;
  }

  function partyRow(
    applicationId: string,
    role: 'policyholder' | 'insured' | 'beneficiary',
    position: number,
    p: PersonInput,
    path: string,
    extra: Partial<Row<'parties'>> = {},
  ) {
    const id = parseIdentity(p.idNumber, `${path}.idNumber`);
    return {
      id: newId('prt'),
      application_id: applicationId,
      role,
      position,
      name_cipher: pii.encrypt('name', p.name.trim()),
      id_number_cipher: pii.encrypt('id_number', p.idNumber.trim().toUpperCase()),
      id_number_index: pii.blindIndex('id_number', p.idNumber),
      phone_cipher: p.phone ? pii.encrypt('phone', p.phone) : null,
      phone_index: p.phone ? pii.blindIndex('phone', p.phone) : null,
      birth_date: id.birthDate,
      gender: id.gender,
      relationship_to_insured: extra.relationship_to_insured ?? null,
      share_bp: extra.share_bp ?? null,
    };
  }

  /** Starts an application from a fresh quote; the parties must be the people the quote priced. */
  async function startApplication(actor: Actor, input: StartApplicationInput) {
    const consumer = requireConsumer(actor);
    const now = clock.now();
    // The session proves the consumer holds the policyholder's phone; the SMS check of M§33 then goes to it.
    const signedInWith = await findConsumerById(db, consumer.id);
    if (signedInWith?.phone_index !== pii.blindIndex('phone', input.policyholder.phone))
      throw new AppError('VALIDATION_FAILED', "The policyholder's phone must be the phone you signed in with", [
        { path: 'policyholder.phone', code: 'not_signed_in_phone', message: 'not the phone of this session' },
      ]);
    const quote = await findQuoteRecord(db, input.quoteId);
    if (!quote) throw new AppError('NOT_FOUND', 'No such quote');
    if (quote.expires_at <= now) throw new AppError('QUOTE_EXPIRED');
    const pv = await findProductVersion(db, quote.product_version_id);
    if (!pv || pv.status !== 'published') throw new AppError('PRODUCT_NOT_ON_SALE');
    const definition = pv.definition as ProductDefinition;
    const options = quote.options as {
      insuredBirthDate: string;
      insuredGender: 'M' | 'F';
      termYears: number;
      paymentMode: string;
      sumInsuredFen: number;
    };

    const applicationId = newId('app', now.getTime());
    const holder = partyRow(applicationId, 'policyholder', 0, input.policyholder, 'policyholder');
    const insured =
      input.insured.relationship === 'self'
        ? { ...holder, id: newId('prt'), role: 'insured' as const }
        : partyRow(applicationId, 'insured', 0, input.insured, 'insured');
    if (insured.birth_date !== options.insuredBirthDate || insured.gender !== options.insuredGender)
      throw new AppError('ID_NUMBER_MISMATCH', "The insured's ID number does not match the birth date and gender quoted", [
        {
          path: input.insured.relationship === 'self' ? 'policyholder.idNumber' : 'insured.idNumber',
          code: 'mismatch',
          message: 'birth date or gender differs from the quote',
        },
      ]);
    if (input.insured.relationship !== 'self' && holder.id_number_index === insured.id_number_index)
      throw new AppError('RELATIONSHIP_NOT_ALLOWED', 'Policyholder and insured are one person: use relationship "self"');
    const today = shanghaiDate(now);
    assertRelationship(definition, input.insured.relationship, ageOn(holder.birth_date, today), ageOn(insured.birth_date, today));
    assertBeneficiaries(definition, input.beneficiary);
    const beneficiaries =
      input.beneficiary.designation === 'named'
        ? input.beneficiary.beneficiaries.map((b, i) =>
            partyRow(applicationId, 'beneficiary', i, { name: b.name, idNumber: b.idNumber }, `beneficiary.beneficiaries.${i}`, {
              relationship_to_insured: b.relationshipToInsured,
              share_bp: b.shareBp,
            }),
          )
        : [];

    await db.transaction().execute(async (trx) => {
      await repo.insertApplication(
        trx,
        {
          id: applicationId,
          consumer_id: consumer.id,
          quote_id: quote.id,
          product_version_id: quote.product_version_id,
          status: 'draft',
          premium_fen: quote.premium_fen,
          sum_insured_fen: options.sumInsuredFen,
          term_years: options.termYears,
          payment_mode: options.paymentMode,
          insured_relationship: input.insured.relationship,
          beneficiary_designation: input.beneficiary.designation,
          created_at: now,
        },
        [holder, insured, ...beneficiaries],
      );
      await recordEvent(trx, {
        type: 'application.created',
        actor,
        subject: { type: 'application', id: applicationId },
        payload: {
          quoteId: quote.id,
          productVersionId: quote.product_version_id,
          productCode: pv.code,
          productVersion: pv.version,
          premiumFen: quote.premium_fen,
          relationship: input.insured.relationship,
          beneficiaryDesignation: input.beneficiary.designation,
        },
        at: now,
      });
      // The ID checksum and its consistency with the quote are the first identity checks (M§33).
      for (const p of [holder, ...(input.insured.relationship === 'self' ? [] : [insured])])
        await recordIdentityVerification(trx, actor, {
          applicationId,
          partyRole: p.role,
          method: 'id_checksum',
          passed: true,
          evidence: {
            standard: 'GB 11643-1999',
            idNumber: await subjectKeys.seal(
              trx,
              { type: 'application', id: applicationId },
              'id_number',
              pii.decrypt('id_number', p.id_number_cipher),
              now,
            ),
          },
          at: now,
        });
    });
    return getApplication(actor, applicationId);
  }

  async function currentConsentText(
    conn: DbOrTrx,
    code: string,
    version: number,
    definition: ProductDefinition,
    kind: ConsentKind,
    at: Date,
  ) {
    const t = consentText(kind, definition);
    const tv = await registerText(conn, {
      kind: 'consent_text',
      ref: `${code}@${version}:${kind}`,
      title: t.title,
      content: t.content,
      at,
    });
    return { ...t, textVersionId: tv.id, contentHash: tv.contentHash };
  }

  /**
   * Shows one confirmation text on its own page and records, with server time, that this exact version was
   * shown. A confirmation is accepted only for a version this application was shown.
   */
  async function showConsentText(actor: Actor, applicationId: string, kind: string) {
    const { app, product } = await loadOwnedApplication(db, actor, applicationId);
    if (!consentKinds.includes(kind as ConsentKind) || !requiredConsents(product.definition).includes(kind as ConsentKind))
      throw new AppError('NOT_FOUND', `No confirmation ${kind} for this product`);
    const now = clock.now();
    const t = await currentConsentText(db, product.code, product.version, product.definition, kind as ConsentKind, now);
    await db.transaction().execute(async (trx) => {
      await repo.recordDisplay(trx, app.id, t.textVersionId, now);
      await recordEvent(trx, {
        type: 'application.text_displayed',
        actor,
        subject: { type: 'application', id: app.id },
        payload: { kind },
        textVersionId: t.textVersionId,
        at: now,
      });
    });
    return {
      kind,
      title: t.title,
      content: t.content,
      textVersionId: t.textVersionId,
      contentHash: t.contentHash,
      displayedAt: now,
      preChecked: false as const,
    };
  }

  /** Records an active confirmation of a shown text version (M§17(5)); a pre-ticked or passive one is refused. */
  async function giveConsent(
    actor: Actor,
    applicationId: string,
    input: { kind: string; textVersionId: string; interaction: ConsentInteraction },
  ) {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const { app, product } = await loadOwnedApplication(trx, actor, applicationId, true);
      if (app.status !== 'draft') throw new AppError('INVALID_STATE', 'Confirmations are given before submission');
      if (!requiredConsents(product.definition).includes(input.kind as ConsentKind))
        throw new AppError('VALIDATION_FAILED', `Unknown confirmation ${input.kind}`);
      assertActiveConsent(input.interaction);
      const display = await repo.findDisplay(trx, app.id, input.textVersionId);
      const current = await currentConsentText(trx, product.code, product.version, product.definition, input.kind as ConsentKind, now);
      if (!display || current.textVersionId !== input.textVersionId)
        throw new AppError('CONSENT_TEXT_UNKNOWN', 'The confirmed text version was not shown to this application');
      const existing = await trx
        .selectFrom('consents')
        .select('id')
        .where('application_id', '=', app.id)
        .where('kind', '=', input.kind)
        .where('given_by', '=', 'policyholder')
        .executeTakeFirst();
      if (existing) return { consentId: existing.id, kind: input.kind, alreadyGiven: true };
      const consentId = newId('con', now.getTime());
      await trx
        .insertInto('consents')
        .values({
          id: consentId,
          application_id: app.id,
          kind: input.kind,
          given_by: 'policyholder',
          text_version_id: input.textVersionId,
          displayed_at: display.displayed_at,
          given_at: now,
          interaction: JSON.stringify(input.interaction),
        })
        .execute();
      await recordEvent(trx, {
        type: 'application.consent_given',
        actor,
        subject: { type: 'application', id: app.id },
        payload: { kind: input.kind, interaction: input.interaction, displayedAt: display.displayed_at.toISOString() },
        textVersionId: input.textVersionId,
        at: now,
      });
      return { consentId, kind: input.kind, alreadyGiven: false };
    });
  }

  /** Records one questionnaire answer, item by item; the answer is stored encrypted (health data is sensitive). */
  async function answerQuestion(
    actor: Actor,
    applicationId: string,
    input: { questionnaireCode: string; itemCode: string; optionCode: string },
  ) {
    const now = clock.now();
    const { app, product } = await loadOwnedApplication(db, actor, applicationId);
    if (app.status !== 'draft') throw new AppError('INVALID_STATE', 'Answers are given before submission');
    const found = findOption(product.definition.questionnaires, input);
    if (!found) throw new AppError('QUESTION_UNKNOWN', `${input.questionnaireCode}.${input.itemCode} = ${input.optionCode}`);
    const tv = await registerText(db, {
      kind: 'questionnaire_item',
      ref: `${product.code}@${product.version}:${input.questionnaireCode}.${input.itemCode}`,
      title: found.questionnaire.title,
      content: `${found.item.text}\n${found.item.options.map((o) => `[${o.code}] ${o.label}`).join('\n')}`,
      at: now,
    });
    const answerId = newId('ans', now.getTime());
    await db.transaction().execute(async (trx) => {
      await repo.lockApplication(trx, app.id);
      await trx
        .insertInto('answers')
        .values({
          id: answerId,
          application_id: app.id,
          questionnaire_code: input.questionnaireCode,
          item_code: input.itemCode,
          answer_cipher: pii.encrypt(found.questionnaire.kind === 'health' ? 'health_answer' : 'answer', input.optionCode),
          text_version_id: tv.id,
          answered_at: now,
        })
        .execute();
      await recordEvent(trx, {
        type: 'application.answer_recorded',
        actor,
        subject: { type: 'application', id: app.id },
        // The answer itself is personal data (health, income): the event names the item, not the answer.
        payload: { questionnaireCode: input.questionnaireCode, itemCode: input.itemCode, answerId },
        textVersionId: tv.id,
        at: now,
      });
    });
    return { answerId, questionnaireCode: input.questionnaireCode, itemCode: input.itemCode };
  }

  async function partyPhone(applicationId: string, role: 'policyholder' | 'insured') {
    const p = await db
      .selectFrom('parties')
      .selectAll()
      .where('application_id', '=', applicationId)
      .where('role', '=', role)
      .executeTakeFirst();
    if (!p?.phone_cipher) throw new AppError('VALIDATION_FAILED', `The ${role} has no phone number on the application`);
    return pii.decrypt('phone', p.phone_cipher);
  }

  /** Sends a code to the policyholder's (or the insured's) own phone: the SMS check of M§33. */
  async function sendIdentityCode(actor: Actor, applicationId: string, party: 'policyholder' | 'insured' = 'policyholder') {
    const { app } = await loadOwnedApplication(db, actor, applicationId);
    if (app.status === 'declined' || app.status === 'issued') throw new AppError('INVALID_STATE');
    if (party === 'insured' && app.insured_relationship === 'self')
      throw new AppError('VALIDATION_FAILED', 'The insured is the policyholder');
    const phone = await partyPhone(app.id, party);
    return deps.otp.sendCode(actor, {
      purpose: party === 'policyholder' ? OTP_PURPOSE_POLICYHOLDER : OTP_PURPOSE_INSURED,
      subjectRef: app.id,
      phone,
      scope: { type: 'application', id: app.id },
    });
  }

  async function refreshIdentityStatus(trx: DbOrTrx, app: Row<'applications'>, definition: ProductDefinition, now: Date) {
    const v = await repo.findVerifications(trx, app.id);
    const passed = (role: string, method: string) => v.some((x) => x.party_role === role && x.method === method && x.result === 'passed');
    const holderDone =
      passed('policyholder', 'id_checksum') &&
      passed('policyholder', 'sms_otp') &&
      (!definition.faceVerificationRequired || passed('policyholder', 'face'));
    if (holderDone && !app.identity_verified_at)
      await trx.updateTable('applications').set({ identity_verified_at: now }).where('id', '=', app.id).execute();
  }

  /** Checks the SMS code sent to the policyholder's phone. */
  async function verifyIdentityCode(actor: Actor, applicationId: string, code: string) {
    const { app, product } = await loadOwnedApplication(db, actor, applicationId);
    const r = await deps.otp.verifyCode(actor, { purpose: OTP_PURPOSE_POLICYHOLDER, subjectRef: app.id, code });
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const locked = must(await repo.lockApplication(trx, app.id), `application ${app.id}`);
      await recordIdentityVerification(trx, actor, {
        applicationId: app.id,
        partyRole: 'policyholder',
        method: 'sms_otp',
        passed: true,
        evidence: { challengeId: r.challengeId },
        at: now,
      });
      await refreshIdentityStatus(trx, locked, product.definition, now);
    });
    return getApplication(actor, applicationId);
  }

  /** Face comparison of the policyholder, for products that require it (M§33). A failed comparison is kept. */
  async function verifyFace(actor: Actor, applicationId: string, imageBase64: string) {
    const { app, product } = await loadOwnedApplication(db, actor, applicationId);
    const holder = await db
      .selectFrom('parties')
      .selectAll()
      .where('application_id', '=', app.id)
      .where('role', '=', 'policyholder')
      .executeTakeFirstOrThrow();
    const result = await deps.face.compare({
      idNumber: pii.decrypt('id_number', holder.id_number_cipher),
      name: pii.decrypt('name', holder.name_cipher),
      imageBase64,
    });
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const locked = must(await repo.lockApplication(trx, app.id), `application ${app.id}`);
      // The capture itself is never stored: only the provider's reference and score (a failed comparison is kept too).
      // The score is kept in basis points: ledger entries hold integers only, never binary floats.
      const evidence = { provider: deps.face.name, providerRef: result.providerRef, scoreBp: Math.round(result.score * 10_000) };
      await recordIdentityVerification(trx, actor, {
        applicationId: app.id,
        partyRole: 'policyholder',
        method: 'face',
        passed: result.passed,
        evidence,
        at: now,
      });
      if (result.passed) await refreshIdentityStatus(trx, locked, product.definition, now);
    });
    if (!result.passed) throw new AppError('FACE_MISMATCH');
    return getApplication(actor, applicationId);
  }

  /** The application as its owner sees it: personal data masked, with what is still to do. */
  async function getApplication(actor: Actor, applicationId: string) {
    const { app, product } = await loadOwnedApplication(db, actor, applicationId);
    const [parties, consents, answers, verifications, signatures, decisions] = await Promise.all([
      repo.findParties(db, app.id),
      repo.findConsents(db, app.id),
      repo.findLatestAnswers(db, app.id),
      repo.findVerifications(db, app.id),
      repo.findSignatures(db, app.id),
      findDecisions(db, app.id),
    ]);
    const required = requiredConsents(product.definition);
    const given = new Set(consents.map((c) => c.kind));
    const unanswered = unansweredItems(
      product.definition.questionnaires,
      answers.map((a) => ({ questionnaireCode: a.questionnaire_code, itemCode: a.item_code, optionCode: '' })),
    );
    const lastDecision = decisions.at(-1);
    return {
      id: app.id,
      status: app.status,
      product: {
        code: product.code,
        version: product.version,
        productVersionId: app.product_version_id,
        name: product.definition.promotionalName,
        line: product.definition.line,
      },
      premiumFen: app.premium_fen,
      sumInsuredFen: app.sum_insured_fen,
      termYears: app.term_years,
      paymentMode: app.payment_mode,
      insuredRelationship: app.insured_relationship,
      beneficiaryDesignation: app.beneficiary_designation,
      parties: parties.map((p) => ({
        role: p.role,
        name: maskName(pii.decrypt('name', p.name_cipher)),
        idNumber: maskIdNumber(pii.decrypt('id_number', p.id_number_cipher)),
        phone: p.phone_cipher ? maskPhone(pii.decrypt('phone', p.phone_cipher)) : null,
        birthDate: p.birth_date,
        gender: p.gender,
        relationshipToInsured: p.relationship_to_insured,
        shareBp: p.share_bp,
      })),
      consents: required.map((kind) => ({ kind, given: given.has(kind) })),
      unansweredItems: unanswered,
      identity: {
        verified: !!app.identity_verified_at,
        faceRequired: product.definition.faceVerificationRequired,
        checks: verifications.map((v) => ({
          partyRole: v.party_role,
          method: v.method,
          result: v.result,
          at: v.verified_at.toISOString(),
        })),
      },
      underwriting: lastDecision
        ? { outcome: lastDecision.outcome, source: lastDecision.source, reasons: lastDecision.reasons as unknown[] }
        : null,
      signatures: signatures.map((s) => ({
        signerRole: s.signer_role,
        signedAt: s.signed_at.toISOString(),
        documentHash: s.document_hash,
      })),
      createdAt: app.created_at.toISOString(),
      submittedAt: app.submitted_at?.toISOString() ?? null,
      issuedAt: app.issued_at?.toISOString() ?? null,
    };
  }

  return {
    startApplication,
    showConsentText,
    giveConsent,
    answerQuestion,
    sendIdentityCode,
    verifyIdentityCode,
    verifyFace,
    getApplication,
  };
}
export type ApplicationService = ReturnType<typeof createApplicationService>;
export type ApplicationView = Awaited<ReturnType<ApplicationService['getApplication']>>;
