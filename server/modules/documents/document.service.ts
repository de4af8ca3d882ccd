import { sql, type Insertable } from 'kysely';
import type { Db, DbOrTrx } from '../../db/database.js';
import type { InvoicesTable } from '../../db/schema.js';
import { requireConsumer, systemActor, type Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../config.js';
import { ageOn, shanghaiDate } from '../../platform/dates.js';
import { AppError, must } from '../../platform/errors.js';
import type { OutboxOutcome } from '../../platform/outbox.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import { maskIdNumber, type PiiCipher } from '../../platform/pii.js';
import type { SmsProvider } from '../../platform/providers.js';
import type { LedgerService } from '../../ledger/ledger.service.js';
import { openCheckpoint } from '../../ledger/checkpoint.js';
import { requireProductVersion } from '../products/index.js';
import { findPaidOrder, findRefund } from '../payments/index.js';
import { findPolicy } from '../policies/index.js';
import { findApplication, findParties, findPolicyholder, partyIn } from '../sales/index.js';
import { ePolicyModel, type EPolicyFacts } from './e-policy.js';
import { invoiceModel, splitTax, taxTreatment } from './invoice.js';
import { certificateToPem } from './certificates.js';
import type { DocumentEngine } from './engine.js';
import * as repo from './document.repository.js';
import type { VerificationService } from './verification.service.js';
import { sha256Hex } from '../../platform/text-versions.js';

export interface DocumentServiceDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'INSURER_NAME' | 'COOLING_OFF_COST_FEN' | 'LEDGER_ORIGIN' | 'INVOICE_SELLER_TAX_ID' | 'INVOICE_REGION_CODE'>;
  pii: PiiCipher;
  sms: SmsProvider;
  ledger: Pick<LedgerService, 'latestCheckpoint' | 'integratePending' | 'publishCheckpoint' | 'verifier'>;
  engine: DocumentEngine;
  /** Verification code and the URL its QR code opens (M§12(6)). */
  verification: Pick<VerificationService, 'codeFor' | 'sealedIssuance'>;
  publicBaseUrl: string;
}

type InvoiceRow = Insertable<InvoicesTable>;

/** What a red invoice's 备注 says of the refund behind it. */
const RED_INVOICE_REASONS: Record<string, string> = {
  cooling_off_cancellation: '犹豫期内解除合同退还保险费',
  misselling_cancellation: '回访发现销售误导，解除合同全额退还保险费',
};

/**
 * Electronic policies and invoices (M§22): rendered from the sale's records, signed, stored byte for byte as a new
 * version (never overwritten), delivered by SMS notice and downloaded by their owner. A policy's PDF waits for the
 * ledger checkpoint that seals its issuance, and prints it (M§33).
 */
export function createDocumentService(deps: DocumentServiceDeps) {
  const { db, clock, config, pii, sms, ledger, engine } = deps;

  function verificationUrl(policyNumber: string) {
    return `${deps.publicBaseUrl.replace(/\/$/, '')}/verify?n=${encodeURIComponent(policyNumber)}&c=${encodeURIComponent(deps.verification.codeFor(policyNumber))}`;
  }

  /** The issuance entry's leaf and the latest checkpoint that covers it, if one does yet. */
  async function sealOf(policyId: string): Promise<EPolicyFacts['seal']> {
    const sealed = await deps.verification.sealedIssuance(policyId);
    if (!sealed) return null;
    const cp = openCheckpoint(sealed.checkpoint.note, [ledger.verifier]).checkpoint;
    return { origin: cp.origin, leafIndex: sealed.leafIndex, treeSize: cp.size, rootBase64: cp.rootHash.toString('base64') };
  }

  async function ePolicyFacts(
    policyId: string,
    seal: EPolicyFacts['seal'],
    now: Date,
  ): Promise<{ facts: EPolicyFacts; phoneCipher: string | null }> {
    const p = await findPolicy(db, policyId);
    if (!p) throw new AppError('NOT_FOUND', 'No such policy');
    const app = await findApplication(db, p.application_id);
    if (!app) throw new Error(`Policy ${policyId} names unknown application ${p.application_id}`);
    const pv = await requireProductVersion(db, p.product_version_id);
    const parties = await findParties(db, p.application_id);
    const holder = partyIn(parties, 'policyholder');
    const insured = parties.find((x) => x.role === 'insured') ?? holder;
    const person = (x: typeof holder) => ({
      name: pii.decrypt('name', x.name_cipher),
      idNumberMasked: maskIdNumber(pii.decrypt('id_number', x.id_number_cipher)),
      birthDate: x.birth_date,
      gender: x.gender,
    });
    const bens = parties.filter((x) => x.role === 'beneficiary');
    return {
      phoneCipher: holder.phone_cipher,
      facts: {
        policyNumber: p.policy_number,
        verificationCode: deps.verification.codeFor(p.policy_number),
        verificationUrl: verificationUrl(p.policy_number),
        definition: pv.definition,
        premiumFen: p.premium_fen,
        sumInsuredFen: p.sum_insured_fen,
        termYears: p.term_years,
        paymentMode: p.payment_mode as EPolicyFacts['paymentMode'],
        effectiveDate: p.effective_date,
        endDate: p.end_date,
        coolingOffEndDate: p.cooling_off_end_date,
        receivedDate: shanghaiDate(p.received_at),
        waitingPeriodEndDate: p.waiting_period_end_date,
        issuedAt: p.issued_at,
        status: p.status,
        policyholder: person(holder),
        insured: {
          ...person(insured),
          relationship: app.insured_relationship,
          ageAtIssue: ageOn(insured.birth_date, shanghaiDate(p.issued_at)),
        },
        beneficiaries:
          app.beneficiary_designation === 'named' && bens.length
            ? bens.map((b) => ({ name: pii.decrypt('name', b.name_cipher), shareBp: b.share_bp ?? 0 }))
            : 'legal',
        seal,
        coolingOffCostFen: config.COOLING_OFF_COST_FEN,
        generatedAt: now,
      },
    };
  }

  /** Stores one signed PDF as the next version, under a per-document lock so concurrent generators never collide. */
  async function store(
    trx: DbOrTrx,
    d: { policyId: string; kind: 'e_policy' | 'invoice'; invoiceId: string | null; pdf: Buffer; sealedBy: number | null; now: Date },
  ) {
    await repo.lockDocument(trx, d);
    const version = (await repo.lastVersion(trx, d)) + 1;
    const id = newId('doc', d.now.getTime());
    const contentHash = sha256Hex(d.pdf);
    await repo.insertDocument(trx, {
      id,
      policy_id: d.policyId,
      kind: d.kind,
      invoice_id: d.invoiceId,
      version,
      content_hash: contentHash,
      pdf: d.pdf,
      signer_certificate_sha256: engine.signerCertificateSha256,
      sealed_by_tree_size: d.sealedBy,
      created_at: d.now,
    });
    await recordEvent(trx, {
      type: 'document.issued',
      actor: systemActor,
      subject: { type: 'policy', id: d.policyId },
      payload: {
        documentId: id,
        kind: d.kind,
        invoiceId: d.invoiceId,
        version,
        contentHash,
        bytes: d.pdf.length,
        signerCertificateSha256: engine.signerCertificateSha256,
        sealedByTreeSize: d.sealedBy,
      },
      at: d.now,
    });
    return { id, version, contentHash };
  }

  /**
   * Renders, signs and stores the e-policy of a policy whose issuance is sealed by a checkpoint, and sends the SMS
   * notice with the first version. Returns null when no checkpoint covers the issuance yet. With `firstOnly`, a
   * policy that has its e-policy already gets no second version: 'exists' is returned instead.
   */
  async function generateEPolicy(policyId: string, opts: { firstOnly?: boolean } = {}) {
    const now = clock.now();
    const key = { policyId, kind: 'e_policy' as const, invoiceId: null };
    if (opts.firstOnly && (await repo.lastVersion(db, key)) > 0) return 'exists' as const;
    const seal = await sealOf(policyId);
    if (!seal) return null;
    const { facts, phoneCipher } = await ePolicyFacts(policyId, seal, now);
    const pdf = await engine.sign(await engine.render(ePolicyModel(facts)), now);
    return db.transaction().execute(async (trx) => {
      if (opts.firstOnly) {
        // Under the document's lock: another worker, or a download, may have made it meanwhile.
        await repo.lockDocument(trx, key);
        if ((await repo.lastVersion(trx, key)) > 0) return 'exists' as const;
      }
      const stored = await store(trx, { ...key, pdf, sealedBy: seal.treeSize, now });
      if (stored.version === 1 && phoneCipher) {
        const phone = pii.decrypt('phone', phoneCipher);
        const body = `【${config.INSURER_NAME}】您的电子保单${facts.policyNumber}已签发，可登录网保平台查看下载，验真码${facts.verificationCode}。`;
        await sms.send(
          { phone, template: 'e_policy_issued', params: { policyNumber: facts.policyNumber, code: facts.verificationCode }, body },
          now,
        );
        await recordEvent(trx, {
          type: 'document.delivered',
          actor: systemActor,
          subject: { type: 'policy', id: policyId },
          payload: { documentId: stored.id, channel: 'sms', provider: sms.name },
          at: now,
        });
      }
      return { ...stored, pdf };
    });
  }

  /** Issues the electronic invoice of the premium payment of a policy, once, and its signed PDF. */
  async function issueInvoice(policyId: string) {
    const now = clock.now();
    const p = await findPolicy(db, policyId);
    if (!p) return null;
    // The order that paid for the policy: its application's paid order.
    const order = await findPaidOrder(db, p.application_id);
    if (!order) return null;
    const pv = await requireProductVersion(db, p.product_version_id);
    const holder = await findPolicyholder(db, p.application_id);
    if (!holder) throw new Error(`Policy ${policyId} has no policyholder`);
    const tax = taxTreatment(pv.definition.line, p.term_years);
    const split = splitTax(order.amount_fen, tax.rateBp);
    return db.transaction().execute(async (trx) => {
      await lockInvoicesOf(trx, order.id);
      if (
        await trx.selectFrom('invoices').select('id').where('payment_order_id', '=', order.id).where('kind', '=', 'blue').executeTakeFirst()
      )
        return null;
      const invoiceNumber = await nextInvoiceNumber(trx, now);
      const id = newId('inv', now.getTime());
      const sellerName = pv.definition.insurer.name;
      const row = {
        id,
        invoice_number: invoiceNumber,
        payment_order_id: order.id,
        policy_id: policyId,
        buyer_name_cipher: holder.name_cipher,
        seller_name: sellerName,
        seller_tax_id: pv.definition.insurer.unifiedSocialCreditCode ?? config.INVOICE_SELLER_TAX_ID,
        item_name: '*保险服务*保险费',
        amount_fen: order.amount_fen,
        amount_excl_tax_fen: split.amountExclTaxFen,
        tax_rate_bp: tax.rateBp,
        tax_fen: split.taxFen,
        tax_exempt: tax.exempt,
        issued_at: now,
      };
      await trx.insertInto('invoices').values(row).execute();
      await recordEvent(trx, {
        type: 'invoice.issued',
        actor: systemActor,
        subject: { type: 'policy', id: policyId },
        payload: {
          invoiceId: id,
          invoiceNumber,
          orderId: order.id,
          amountFen: row.amount_fen,
          amountExclTaxFen: row.amount_excl_tax_fen,
          taxRateBp: row.tax_rate_bp,
          taxFen: row.tax_fen,
          taxExempt: row.tax_exempt,
        },
        at: now,
      });
      const stored = await storeInvoicePdf(trx, { ...row, policyNumber: p.policy_number }, now);
      return { invoiceId: id, invoiceNumber, ...stored };
    });
  }

  /** Blue and red invoices of one payment are issued one at a time. */
  async function lockInvoicesOf(trx: DbOrTrx, orderId: string) {
    await sql`select pg_advisory_xact_lock(hashtext(${`invoice:${orderId}`}))`.execute(trx);
  }

  /** The next 全电发票号码: 20 digits — year, region, then a sequence. */
  async function nextInvoiceNumber(trx: DbOrTrx, now: Date) {
    const seq = await sql<{ n: string }>`select nextval('invoice_number_seq') as n`.execute(trx);
    const { n } = must(seq.rows[0], 'the next invoice number');
    return `${shanghaiDate(now).slice(2, 4)}${config.INVOICE_REGION_CODE}${String(n).padStart(16, '0')}`;
  }

  /** Renders, signs and stores the PDF of an invoice row. */
  async function storeInvoicePdf(
    trx: DbOrTrx,
    row: Omit<InvoiceRow, 'kind'> & { policyNumber: string; offsets?: { invoiceNumber: string; reason: string } },
    now: Date,
  ) {
    const model = invoiceModel({
      invoiceNumber: row.invoice_number,
      issuedAt: now,
      buyerName: pii.decrypt('name', row.buyer_name_cipher),
      sellerName: row.seller_name,
      sellerTaxId: row.seller_tax_id,
      itemName: row.item_name,
      policyNumber: row.policyNumber,
      amountFen: row.amount_fen,
      amountExclTaxFen: row.amount_excl_tax_fen,
      taxFen: row.tax_fen,
      taxRateBp: row.tax_rate_bp,
      taxExempt: row.tax_exempt,
      verificationUrl: verificationUrl(row.policyNumber),
      offsets: row.offsets,
    });
    const pdf = await engine.sign(await engine.render(model), now);
    return store(trx, { policyId: row.policy_id, kind: 'invoice', invoiceId: row.id, pdf, sealedBy: null, now });
  }

  /**
   * Issues the red-letter invoice (红字发票) of a refund of premium: the refunded amount, negative, at the blue
   * invoice's tax rate, naming the blue invoice. Once per refund; null when the payment has no blue invoice yet.
   */
  async function issueRedInvoice(refundId: string) {
    const now = clock.now();
    const refund = await findRefund(db, refundId);
    if (!refund?.policy_id || refund.amount_fen <= 0) return null;
    const policyId = refund.policy_id;
    return db.transaction().execute(async (trx) => {
      await lockInvoicesOf(trx, refund.order_id);
      const blue = await trx
        .selectFrom('invoices')
        .selectAll()
        .where('payment_order_id', '=', refund.order_id)
        .where('kind', '=', 'blue')
        .executeTakeFirst();
      if (!blue) return null;
      if (await trx.selectFrom('invoices').select('id').where('refund_id', '=', refund.id).executeTakeFirst()) return null;
      const reds = await trx
        .selectFrom('invoices')
        .select((eb) => eb.fn.sum<string>('amount_fen').as('sum'))
        .where('original_invoice_id', '=', blue.id)
        .executeTakeFirst();
      // Never offset more than was invoiced: a red invoice stops at what the blue one still carries.
      const left = blue.amount_fen + Number(reds?.sum ?? 0);
      if (refund.amount_fen > left)
        throw new AppError('CONFLICT', `Refund ${refund.id} exceeds what invoice ${blue.invoice_number} still carries`);
      const policy = await findPolicy(trx, policyId);
      if (!policy) throw new Error(`Refund ${refund.id} names unknown policy ${policyId}`);
      const split = splitTax(-refund.amount_fen, blue.tax_rate_bp);
      const invoiceNumber = await nextInvoiceNumber(trx, now);
      const id = newId('inv', now.getTime());
      const row = {
        id,
        invoice_number: invoiceNumber,
        payment_order_id: refund.order_id,
        policy_id: policyId,
        buyer_name_cipher: blue.buyer_name_cipher,
        seller_name: blue.seller_name,
        seller_tax_id: blue.seller_tax_id,
        item_name: blue.item_name,
        amount_fen: -refund.amount_fen,
        amount_excl_tax_fen: split.amountExclTaxFen,
        tax_rate_bp: blue.tax_rate_bp,
        tax_fen: split.taxFen,
        tax_exempt: blue.tax_exempt,
        issued_at: now,
        original_invoice_id: blue.id,
        refund_id: refund.id,
      };
      await trx
        .insertInto('invoices')
        .values({ ...row, kind: 'red' })
        .execute();
      await recordEvent(trx, {
        type: 'invoice.red_issued',
        actor: systemActor,
        subject: { type: 'policy', id: policyId },
        payload: {
          invoiceId: id,
          invoiceNumber,
          originalInvoiceId: blue.id,
          originalInvoiceNumber: blue.invoice_number,
          refundId: refund.id,
          reason: refund.reason,
          amountFen: row.amount_fen,
          amountExclTaxFen: row.amount_excl_tax_fen,
          taxRateBp: row.tax_rate_bp,
          taxFen: row.tax_fen,
        },
        at: now,
      });
      const stored = await storeInvoicePdf(
        trx,
        {
          ...row,
          policyNumber: policy.policy_number,
          offsets: { invoiceNumber: blue.invoice_number, reason: RED_INVOICE_REASONS[refund.reason] ?? '退还保险费' },
        },
        now,
      );
      return { invoiceId: id, invoiceNumber, ...stored };
    });
  }

  /**
   * Work after commit (the outbox): the e-policy of an issued policy, once, when a checkpoint seals its issuance.
   * A retried item finds the e-policy made and makes no second one, and sends no second SMS.
   */
  async function makeEPolicy(policyId: string): Promise<OutboxOutcome> {
    const made = await generateEPolicy(policyId, { firstOnly: true });
    if (made === null) return 'not_ready';
    return made === 'exists' ? 'skipped' : 'done';
  }

  /** Work after commit: the invoice of the premium paid for a policy; a second try finds it issued and does nothing. */
  async function makeInvoice(policyId: string): Promise<OutboxOutcome> {
    return (await issueInvoice(policyId)) ? 'done' : 'skipped';
  }

  /**
   * Work after commit: the red-letter invoice of a refund of premium. Not ready while the payment's blue invoice is
   * still to be issued; once per refund.
   */
  async function makeRedInvoice(refundId: string): Promise<OutboxOutcome> {
    const refund = await findRefund(db, refundId);
    if (!refund?.policy_id || refund.amount_fen <= 0) return 'skipped';
    const blue = await db
      .selectFrom('invoices')
      .select('id')
      .where('payment_order_id', '=', refund.order_id)
      .where('kind', '=', 'blue')
      .executeTakeFirst();
    if (!blue) return 'not_ready';
    return (await issueRedInvoice(refundId)) ? 'done' : 'skipped';
  }

  async function ownedPolicy(actor: Actor, policyId: string) {
    const consumer = requireConsumer(actor);
    const p = await findPolicy(db, policyId);
    if (!p || p.consumer_id !== consumer.id) throw new AppError('NOT_FOUND', 'No such policy');
    return p;
  }

  /**
   * The latest e-policy for its owner (M§22). Generated on demand when the job has not got to it yet: the sequencer
   * and checkpoint are nudged first, so the document still carries its seal.
   */
  async function downloadEPolicy(actor: Actor, policyId: string) {
    const p = await ownedPolicy(actor, policyId);
    const latest = await repo.latestEPolicy(db, p.id);
    if (latest) return { fileName: `电子保单-${p.policy_number}.pdf`, ...latest };
    await ledger.integratePending();
    await ledger.publishCheckpoint();
    const made = await generateEPolicy(p.id, { firstOnly: true });
    if (!made) throw new AppError('DOCUMENT_NOT_READY', 'The e-policy is being prepared; try again shortly');
    if (made === 'exists') return downloadEPolicy(actor, policyId);
    return { fileName: `电子保单-${p.policy_number}.pdf`, pdf: made.pdf, version: made.version, content_hash: made.contentHash };
  }

  async function listInvoices(actor: Actor, policyId: string) {
    const p = await ownedPolicy(actor, policyId);
    const rows = await repo.invoicesOfPolicy(db, p.id);
    const numbers = new Map(rows.map((r) => [r.id, r.invoice_number]));
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      invoiceNumber: r.invoice_number,
      offsetsInvoiceNumber: r.original_invoice_id ? (numbers.get(r.original_invoice_id) ?? null) : null,
      issuedAt: r.issued_at.toISOString(),
      amountFen: r.amount_fen,
      amountExclTaxFen: r.amount_excl_tax_fen,
      taxRateBp: r.tax_rate_bp,
      taxFen: r.tax_fen,
      taxExempt: r.tax_exempt,
      itemName: r.item_name,
      sellerName: r.seller_name,
      sellerTaxId: r.seller_tax_id,
    }));
  }

  async function downloadInvoice(actor: Actor, invoiceId: string) {
    const consumer = requireConsumer(actor);
    const inv = await repo.findInvoice(db, invoiceId);
    const policy = inv && (await findPolicy(db, inv.policy_id));
    if (!inv || !policy || policy.consumer_id !== consumer.id) throw new AppError('NOT_FOUND', 'No such invoice');
    const doc = await repo.latestInvoicePdf(db, inv.id);
    return { fileName: `电子发票-${inv.invoice_number}.pdf`, ...doc };
  }

  /**
   * The certificates that sign the insurer's documents, for anyone checking a PDF's signature on their own: the
   * signing certificate first, then its issuers. Public: certificates carry no secret.
   */
  function signingCertificates() {
    const { certificate, chain } = engine.signer;
    return [certificate, ...chain].map((c, i) => ({
      role: i === 0 ? ('signing' as const) : ('issuer' as const),
      subjectCommonName: c.subjectCommonName ?? null,
      sha256: sha256Hex(c.der),
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      isCa: c.isCa,
      pem: certificateToPem(c),
    }));
  }

  return {
    signingCertificates,
    generateEPolicy,
    issueInvoice,
    issueRedInvoice,
    makeEPolicy,
    makeInvoice,
    makeRedInvoice,
    downloadEPolicy,
    listInvoices,
    downloadInvoice,
    verificationUrl,
  };
}
export type DocumentService = ReturnType<typeof createDocumentService>;
