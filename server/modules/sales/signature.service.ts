import type { Db, DbOrTrx } from '../../db/database.js';
import type { Row } from '../../db/schema.js';
import type { Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { ageOn, shanghaiDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { formatYuan } from '../../platform/money.js';
import { maskIdNumber, maskName, type PiiCipher } from '../../platform/pii.js';
import { registerTextVersion, sha256Hex } from '../../platform/text-versions.js';
import type { ProductDefinition } from '../products/index.js';
import { assertTransition, partyIn } from './application.js';
import * as repo from './application.repository.js';
import { loadOwnedApplication, OTP_PURPOSE_INSURED } from './application.service.js';
import type { OtpPort } from './ports.js';
import { recordIdentityVerification } from './identity-verification.js';

const PAYMENT_MODE_ZH: Record<string, string> = { single: '趸交', annual: '年交', monthly: '月交' };
const RELATIONSHIP_ZH: Record<string, string> = { self: '本人', spouse: '配偶', child: '子女', parent: '父母' };

/** Who must sign: the policyholder always; the insured too when an adult other than the policyholder. */
export function requiredSigners(app: Row<'applications'>, insured: Row<'parties'>, today: string): Array<'policyholder' | 'insured'> {
  if (app.insured_relationship === 'self') return ['policyholder'];
  return ageOn(insured.birth_date, today) >= 18 ? ['policyholder', 'insured'] : ['policyholder'];
}

/**
 * Signing: the application confirmation document (投保单) is rendered from the application, registered as a text
 * version, shown, and signed by each required party after proving who they are. The evidence kept is who, the
 * hash of the document version signed, when, and how identity was verified.
 */
export function createSignatureService(deps: { db: Db; clock: Clock; pii: PiiCipher; otp: OtpPort }) {
  const { db, clock, pii } = deps;

  /** The document text. Personal data appears masked: the document is kept in the clear as evidence. */
  async function renderDocument(trx: DbOrTrx, app: Row<'applications'>, code: string, version: number, d: ProductDefinition) {
    const [parties, consents, answers] = await Promise.all([
      repo.findParties(trx, app.id),
      repo.findConsents(trx, app.id),
      repo.findLatestAnswers(trx, app.id),
    ]);
    const person = (p: Row<'parties'>) =>
      `${maskName(pii.decrypt('name', p.name_cipher))}  证件号码 ${maskIdNumber(pii.decrypt('id_number', p.id_number_cipher))}  出生日期 ${p.birth_date}  性别 ${p.gender === 'M' ? '男' : '女'}`;
    const holder = partyIn(parties, 'policyholder');
    const insured = partyIn(parties, 'insured');
    const bens = parties.filter((p) => p.role === 'beneficiary');
    // Answers are bound by a commitment, not printed: the document is stored in the clear, health data is not.
    const answerCommitment = sha256Hex(answers.map((a) => `${a.id}:${a.answer_cipher}`).join('\n'));
    const lines = [
      `${d.insurer.name}  电子投保单`,
      `投保单号：${app.id}`,
      `产品：${d.promotionalName}（${d.clauseName}）  产品版本：${code}@${version}`,
      `${d.regulatory.kind === 'approval' ? '审批文号' : '备案编号'}：${d.regulatory.number}  条款编码：${d.regulatory.clauseCode}`,
      `投保人：${person(holder)}`,
      `被保险人：${person(insured)}  与投保人关系：${RELATIONSHIP_ZH[app.insured_relationship] ?? app.insured_relationship}`,
      app.beneficiary_designation === 'legal'
        ? '身故受益人：法定继承人'
        : `身故受益人：${bens.map((b) => `${maskName(pii.decrypt('name', b.name_cipher))}（${(b.share_bp ?? 0) / 100}%）`).join('、')}`,
      `保险金额：${formatYuan(app.sum_insured_fen)}  保险期间：${app.term_years}年  缴费方式：${PAYMENT_MODE_ZH[app.payment_mode] ?? app.payment_mode}`,
      `每期保险费：${formatYuan(app.premium_fen)}`,
      `犹豫期：${d.coolingOffDays}日  等待期：${d.waitingPeriodDays}日`,
      '已阅读并确认：',
      ...consents.map((c) => `  ${c.kind}  文本版本 ${c.text_version_id}  确认时间 ${c.given_at.toISOString()}`),
      `健康及其他告知：共${answers.length}项，告知内容摘要 ${answerCommitment}`,
      '投保人声明：本人已阅读保险条款、产品说明和投保须知，了解责任免除、犹豫期、退保损失等重要内容，并如实告知。',
    ];
    const content = lines.join('\n');
    const tv = await registerTextVersion(trx, { kind: 'application_document', ref: app.id, title: '电子投保单', content, at: clock.now() });
    return { textVersionId: tv.id, documentHash: tv.contentHash, content };
  }

  async function showDocument(actor: Actor, applicationId: string) {
    const { app, product } = await loadOwnedApplication(db, actor, applicationId);
    if (app.status !== 'awaiting_signature')
      throw new AppError('INVALID_STATE', 'The document is signed after underwriting accepts the application');
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const doc = await renderDocument(trx, app, product.code, product.version, product.definition);
      await repo.recordDisplay(trx, app.id, doc.textVersionId, now);
      await recordEvent(trx, {
        type: 'application.document_displayed',
        actor,
        subject: { type: 'application', id: app.id },
        payload: { documentHash: doc.documentHash },
        textVersionId: doc.textVersionId,
        at: now,
      });
      const insured = partyIn(await repo.findParties(trx, app.id), 'insured');
      return { ...doc, requiredSigners: requiredSigners(app, insured, shanghaiDate(now)) };
    });
  }

  /**
   * Signs the shown document as the policyholder (identity already proven by SMS code, and face where required)
   * or as the insured (proving it with a code sent to the insured's own phone).
   */
  async function sign(
    actor: Actor,
    applicationId: string,
    input: { signer: 'policyholder' | 'insured'; textVersionId: string; documentHash: string; code?: string },
  ) {
    const pre = await loadOwnedApplication(db, actor, applicationId);
    let insuredChallengeId: string | undefined;
    if (input.signer === 'insured') {
      if (!input.code) throw new AppError('VALIDATION_FAILED', "The insured signs with a code sent to the insured's phone");
      insuredChallengeId = (await deps.otp.verifyCode(actor, { purpose: OTP_PURPOSE_INSURED, subjectRef: pre.app.id, code: input.code }))
        .challengeId;
    }
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const { app, product } = await loadOwnedApplication(trx, actor, applicationId, true);
      if (app.status !== 'awaiting_signature')
        throw new AppError('INVALID_STATE', `An application in status ${app.status} is not awaiting signature`);
      const doc = await renderDocument(trx, app, product.code, product.version, product.definition);
      const shown = await repo.findDisplay(trx, app.id, input.textVersionId);
      if (doc.textVersionId !== input.textVersionId || doc.documentHash !== input.documentHash || !shown)
        throw new AppError('SIGNATURE_DOCUMENT_MISMATCH');
      const insured = partyIn(await repo.findParties(trx, app.id), 'insured');
      const signers = requiredSigners(app, insured, shanghaiDate(now));
      if (!signers.includes(input.signer)) throw new AppError('VALIDATION_FAILED', `The ${input.signer} does not sign this application`);
      if (input.signer === 'policyholder' && !app.identity_verified_at) throw new AppError('IDENTITY_NOT_VERIFIED');
      const existing = await repo.findSignatures(trx, app.id);
      if (existing.some((s) => s.signer_role === input.signer))
        throw new AppError('INVALID_STATE', `The ${input.signer} has already signed`);
      const identityMethod =
        input.signer === 'policyholder' ? (product.definition.faceVerificationRequired ? 'sms_otp+face' : 'sms_otp') : 'sms_otp';
      if (insuredChallengeId) {
        // The insured proved, with a code sent to their own phone, that they sign themselves (CB item 2).
        await recordIdentityVerification(trx, actor, {
          applicationId: app.id,
          partyRole: 'insured',
          method: 'sms_otp',
          passed: true,
          evidence: { challengeId: insuredChallengeId },
          at: now,
        });
        await trx.updateTable('applications').set({ insured_identity_verified_at: now }).where('id', '=', app.id).execute();
      }
      const signatureId = newId('sig', now.getTime());
      await trx
        .insertInto('signatures')
        .values({
          id: signatureId,
          application_id: app.id,
          signer_role: input.signer,
          document_text_version_id: doc.textVersionId,
          document_hash: doc.documentHash,
          identity_method: identityMethod,
          signed_at: now,
          client_ip: actor.type === 'consumer' ? (actor.ip ?? null) : null,
          user_agent: actor.type === 'consumer' ? (actor.userAgent ?? null) : null,
        })
        .execute();
      await recordEvent(trx, {
        type: 'application.signed',
        actor,
        subject: { type: 'application', id: app.id },
        payload: { signer: input.signer, documentHash: doc.documentHash, identityMethod },
        textVersionId: doc.textVersionId,
        at: now,
      });
      const done = signers.every((s) => s === input.signer || existing.some((e) => e.signer_role === s));
      if (done) {
        assertTransition(app.status, 'awaiting_payment');
        await trx
          .updateTable('applications')
          .set({ status: 'awaiting_payment', signed_at: now })
          .where('id', '=', app.id)
          .where('status', '=', 'awaiting_signature')
          .execute();
      }
      return {
        signatureId,
        signer: input.signer,
        status: done ? 'awaiting_payment' : 'awaiting_signature',
        remainingSigners: signers.filter((s) => s !== input.signer && !existing.some((e) => e.signer_role === s)),
      };
    });
  }

  return { showDocument, sign };
}
export type SignatureService = ReturnType<typeof createSignatureService>;
