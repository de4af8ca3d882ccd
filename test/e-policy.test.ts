import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyContext, type JourneyContext } from './helpers/journey-context.js';
import { makeIdNumber, makePerson, type Person } from './helpers/people.js';
import { lacks } from './helpers/system-tools.js';
import { makeTempDir } from './helpers/temp.js';
import { fontCoverage } from '../server/modules/documents/fonts.js';

const work = makeTempDir('e-policy');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function toFile(name: string, pdf: Buffer): string {
  const file = path.join(work, name);
  writeFileSync(file, pdf);
  return file;
}
const pdfText = (pdf: Buffer, name: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', toFile(name, pdf), '-'], { encoding: 'utf8' });
const pdfsig = (pdf: Buffer, name: string) => spawnSync('pdfsig', [toFile(name, pdf)], { encoding: 'utf8' }).stdout;

describe.skipIf(lacks('pdftotext', 'pdfsig', 'openssl'))(
  'electronic policies and invoices (poppler-utils required: .ci/run installs it)',
  () => {
    let ctx: JourneyContext;
    let holder: Person;
    let child: Person;
    let bought: Awaited<ReturnType<JourneyContext['buy']>>;
    /** The first stored e-policy of a policy. */
    const ePolicyOf = (policyId: string) =>
      ctx.db
        .selectFrom('policy_documents')
        .select('pdf')
        .where('policy_id', '=', policyId)
        .where('kind', '=', 'e_policy')
        .executeTakeFirstOrThrow();
    let accident: Awaited<ReturnType<JourneyContext['buy']>>;
    const beneficiaries = [
      { name: '李堃', idNumber: makeIdNumber('1962-04-03', 'M'), relationshipToInsured: 'other', shareBp: 5_000 },
      { name: '𠮷野', idNumber: makeIdNumber('1965-09-30', 'F'), relationshipToInsured: 'other', shareBp: 5_000 },
    ];

    beforeAll(async () => {
      ctx = await createJourneyContext();
      holder = makePerson('王喆', '1986-05-17', 'M');
      child = makePerson('赵赟', '1991-03-09', 'F');
      bought = await ctx.buy({
        productCode: 'TERM_LIFE_20Y',
        termYears: 20,
        paymentMode: 'annual',
        sumInsuredFen: 100_000_000,
        policyholder: holder,
        beneficiary: { designation: 'named', beneficiaries },
      });
      accident = await ctx.buy({
        productCode: 'ACCIDENT_1Y',
        termYears: 1,
        paymentMode: 'single',
        sumInsuredFen: 50_000_000,
        policyholder: makePerson('钱赟', '1990-01-01', 'M'),
        insured: { relationship: 'spouse', person: child },
      });
    });
    afterAll(async () => ctx?.close());
    const drainDocuments = () => ctx.services.outbox.drain({ kinds: ['e_policy', 'invoice', 'red_invoice'] });

    it('M§33 waits for the checkpoint that seals the issuance before printing the e-policy', async () => {
      expect(await ctx.services.documents.generateEPolicy(bought.policy.id)).toBeNull();
      await ctx.services.ledger.integratePending();
      await ctx.services.ledger.publishCheckpoint();
      const made = await drainDocuments();
      expect(made.byKind).toEqual({
        e_policy: { done: 2, skipped: 0, notReady: 0, failed: 0 },
        invoice: { done: 2, skipped: 0, notReady: 0, failed: 0 },
      });
      expect((await drainDocuments()).handled).toBe(0);
    });

    it('M§22 prints every name as written, outside GB2312 and outside the BMP too', async () => {
      const doc = await ePolicyOf(bought.policy.id);
      const text = pdfText(doc.pdf, 'policy.pdf');
      for (const name of ['王喆', '李堃', '𠮷野', bought.policy.policyNumber, '电子保险单', '责任免除', '现金价值表', '犹豫期'])
        expect(text).toContain(name);
      // IDs masked as the display rules say; never in full.
      expect(text).not.toContain(holder.idNumber);
      expect(text).toContain(`${holder.idNumber.slice(0, 3)}`);
      const child = await ctx.db
        .selectFrom('policy_documents')
        .select('pdf')
        .where('policy_id', '=', accident.policy.id)
        .where('kind', '=', 'e_policy')
        .executeTakeFirstOrThrow();
      expect(pdfText(child.pdf, 'accident.pdf')).toContain('赵赟');
    });

    it('M§22 embeds a font that covers every character of every field it printed', async () => {
      const docs = await ctx.db.selectFrom('policy_documents').select(['pdf', 'kind']).execute();
      expect(docs).toHaveLength(4);
      for (const d of docs) {
        const text = pdfText(d.pdf, `${d.kind}.pdf`).replace(/\s/g, '');
        const coverage = fontCoverage(text);
        expect(coverage.missing).toEqual([]);
      }
    });

    it('M§22 signs the e-policy (PAdES B-B) so pdfsig reports it valid, and invalid after one changed byte', async () => {
      const doc = await ctx.db
        .selectFrom('policy_documents')
        .select(['pdf', 'content_hash'])
        .where('policy_id', '=', bought.policy.id)
        .where('kind', '=', 'e_policy')
        .executeTakeFirstOrThrow();
      const report = pdfsig(doc.pdf, 'signed.pdf');
      expect(report).toContain('Signature is Valid.');
      expect(report).toMatch(/ETSI\.CAdES\.detached|PAdES/);
      // Change one byte inside the signed range: the first text object after the header.
      const tampered = Buffer.from(doc.pdf);
      const at = tampered.indexOf('/Producer');
      expect(at).toBeGreaterThan(0);
      tampered[at + 2] = tampered[at + 2]! ^ 0x01;
      expect(pdfsig(tampered, 'tampered.pdf')).not.toContain('Signature is Valid.');
    });

    it('M§22 sends the SMS notice with the verification code, once', async () => {
      const outbox = await ctx.db
        .selectFrom('sms_outbox')
        .select(['template'])
        .where('phone_index', '=', ctx.platform.pii.blindIndex('phone', holder.phone))
        .execute();
      expect(outbox.filter((m) => m.template === 'e_policy_issued')).toHaveLength(1);
      const delivered = await ctx.db
        .selectFrom('events')
        .select('type')
        .where('subject_id', '=', bought.policy.id)
        .where('type', 'in', ['document.issued', 'document.delivered', 'invoice.issued'])
        .execute();
      expect(delivered.map((e) => e.type).sort()).toEqual(['document.delivered', 'document.issued', 'document.issued', 'invoice.issued']);
    });

    it('M§22 lets the owner download the e-policy and the invoice, and nobody else', async () => {
      const res = await ctx.app.inject({
        url: `/v1/policies/${bought.policy.id}/e-policy`,
        headers: { authorization: `Bearer ${bought.token}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      const stored = await ctx.db
        .selectFrom('policy_documents')
        .select('content_hash')
        .where('policy_id', '=', bought.policy.id)
        .where('kind', '=', 'e_policy')
        .executeTakeFirstOrThrow();
      expect(res.headers['x-content-sha256']).toBe(stored.content_hash);

      const other = await ctx.app.inject({
        url: `/v1/policies/${bought.policy.id}/e-policy`,
        headers: { authorization: `Bearer ${accident.token}` },
      });
      expect(other.statusCode).toBe(404);
      const anonymous = await ctx.app.inject({ url: `/v1/policies/${bought.policy.id}/e-policy` });
      expect(anonymous.statusCode).toBe(401);

      const list = await ctx.app.inject({
        url: `/v1/policies/${bought.policy.id}/invoices`,
        headers: { authorization: `Bearer ${bought.token}` },
      });
      expect(list.statusCode).toBe(200);
      const [inv] = list.json().items;
      expect(inv).toMatchObject({
        amountFen: bought.policy.premiumFen,
        taxExempt: true,
        taxRateBp: 0,
        taxFen: 0,
        itemName: '*保险服务*保险费',
      });
      expect(inv.invoiceNumber).toMatch(/^\d{20}$/);
      const pdf = await ctx.app.inject({ url: `/v1/invoices/${inv.id}/pdf`, headers: { authorization: `Bearer ${bought.token}` } });
      expect(pdf.statusCode).toBe(200);
      const text = pdfText(pdf.rawPayload, 'invoice.pdf');
      expect(text).toContain('王喆');
      expect(text).toContain(inv.invoiceNumber);
      expect(text).toContain('免税');
      expect(pdfsig(pdf.rawPayload, 'invoice.pdf')).toContain('Signature is Valid.');
      const stranger = await ctx.app.inject({ url: `/v1/invoices/${inv.id}/pdf`, headers: { authorization: `Bearer ${accident.token}` } });
      expect(stranger.statusCode).toBe(404);
    });

    it('M§22 charges VAT on accident premiums and the amounts add up', async () => {
      const [inv] = (
        await ctx.app.inject({ url: `/v1/policies/${accident.policy.id}/invoices`, headers: { authorization: `Bearer ${accident.token}` } })
      ).json().items;
      expect(inv).toMatchObject({ taxExempt: false, taxRateBp: 600, amountFen: accident.policy.premiumFen });
      expect(inv.amountExclTaxFen + inv.taxFen).toBe(inv.amountFen);
    });

    it('M§22 offsets the invoice with a red-letter invoice when the premium goes back in the 犹豫期, once, naming the original', async () => {
      const cancelled = await ctx.app.inject({
        method: 'POST',
        url: `/v1/policies/${accident.policy.id}/cooling-off-cancellation`,
        headers: { authorization: `Bearer ${accident.token}` },
      });
      expect(cancelled.statusCode).toBe(200);
      const refundFen = cancelled.json().cancellation.refundFen;
      expect(refundFen).toBe(accident.policy.premiumFen - 1000);
      expect((await drainDocuments()).byKind).toEqual({ red_invoice: { done: 1, skipped: 0, notReady: 0, failed: 0 } });
      expect((await drainDocuments()).handled).toBe(0);

      const items = (
        await ctx.app.inject({ url: `/v1/policies/${accident.policy.id}/invoices`, headers: { authorization: `Bearer ${accident.token}` } })
      ).json().items;
      expect(items.map((i: { kind: string }) => i.kind)).toEqual(['blue', 'red']);
      const [blue, red] = items;
      // The refund at the blue invoice's rate, every amount negative and adding up; 6% on accident premiums.
      expect(red).toMatchObject({ amountFen: -refundFen, taxRateBp: 600, taxExempt: false, offsetsInvoiceNumber: blue.invoiceNumber });
      expect(red.amountExclTaxFen + red.taxFen).toBe(red.amountFen);
      expect(red.taxFen).toBe(-(refundFen - Math.round(refundFen / 1.06)));
      expect(red.invoiceNumber).toMatch(/^\d{20}$/);
      expect(red.invoiceNumber).not.toBe(blue.invoiceNumber);

      const pdf = await ctx.app.inject({ url: `/v1/invoices/${red.id}/pdf`, headers: { authorization: `Bearer ${accident.token}` } });
      const text = pdfText(pdf.rawPayload, 'red-invoice.pdf');
      expect(text).toContain('红字');
      expect(text).toContain(`被红冲蓝字发票号码 ${blue.invoiceNumber}`);
      expect(text).toContain('犹豫期内解除合同退还保险费');
      expect(text).toContain('（负数）');
      expect(pdfsig(pdf.rawPayload, 'red-invoice.pdf')).toContain('Signature is Valid.');
      const events = await ctx.db
        .selectFrom('events')
        .select('payload')
        .where('type', '=', 'invoice.red_issued')
        .where('subject_id', '=', accident.policy.id)
        .execute();
      expect(events.map((e) => e.payload)).toEqual([
        expect.objectContaining({ invoiceNumber: red.invoiceNumber, originalInvoiceNumber: blue.invoiceNumber, amountFen: -refundFen }),
      ]);
    });

    it('M§22 keeps invoices as issued: the database refuses a red invoice without its original, a positive one, and any change', async () => {
      const blue = await ctx.db
        .selectFrom('invoices')
        .selectAll()
        .where('policy_id', '=', accident.policy.id)
        .where('kind', '=', 'blue')
        .executeTakeFirstOrThrow();
      const refund = await ctx.db.selectFrom('refunds').select('id').where('policy_id', '=', accident.policy.id).executeTakeFirstOrThrow();
      const base = {
        ...blue,
        id: 'inv_test_red',
        invoice_number: '26310000000099999999',
        kind: 'red' as const,
        amount_fen: -100,
        amount_excl_tax_fen: -94,
        tax_fen: -6,
        refund_id: null,
        original_invoice_id: blue.id,
      };
      await expect(
        ctx.db
          .insertInto('invoices')
          .values({ ...base, original_invoice_id: null })
          .execute(),
      ).rejects.toThrow(/invoices_kind_shape/);
      await expect(
        ctx.db
          .insertInto('invoices')
          .values({ ...base, amount_fen: 100, amount_excl_tax_fen: 94, tax_fen: 6 })
          .execute(),
      ).rejects.toThrow(/invoices_kind_shape/);
      // A second red invoice for the same refund, and a second blue one for the same payment.
      await expect(
        ctx.db
          .insertInto('invoices')
          .values({ ...base, refund_id: refund.id })
          .execute(),
      ).rejects.toThrow(/duplicate key/);
      await expect(
        ctx.db
          .insertInto('invoices')
          .values({ ...blue, id: 'inv_test_blue', invoice_number: '26310000000099999998' })
          .execute(),
      ).rejects.toThrow(/invoices_one_blue_per_order/);
      await expect(sql`update invoices set amount_fen = 1`.execute(ctx.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from invoices`.execute(ctx.db)).rejects.toThrow(/append-only/);
    });

    it('M§12(6) publishes the certificates that sign the documents, so anyone can check a signature on their own', async () => {
      const res = await ctx.app.inject({ url: '/v1/public/document-certificates' });
      expect(res.statusCode).toBe(200);
      const items = res.json().items as Array<{ role: string; sha256: string; pem: string; isCa: boolean }>;
      expect(items.map((c) => c.role)).toEqual(['signing', ...items.slice(1).map(() => 'issuer')]);
      const stored = await ctx.db.selectFrom('policy_documents').select('signer_certificate_sha256').distinct().execute();
      expect(stored.map((d) => d.signer_certificate_sha256)).toEqual([items[0]!.sha256]);
      // openssl, knowing nothing of wangbao, chains the signing certificate to the published root.
      const root = items.at(-1)!;
      expect(root.isCa).toBe(true);
      const check = spawnSync(
        'openssl',
        ['verify', '-CAfile', toFile('root.pem', Buffer.from(root.pem)), toFile('signing.pem', Buffer.from(items[0]!.pem))],
        { encoding: 'utf8' },
      );
      expect(check.stdout.trim()).toMatch(/signing\.pem: OK$/);
    });

    it('M§33 keeps every signed document byte for byte: stored PDFs cannot be changed or deleted', async () => {
      await expect(sql`update policy_documents set pdf = '\\x00'::bytea`.execute(ctx.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from policy_documents`.execute(ctx.db)).rejects.toThrow(/append-only/);
    });

    it('M§12(6) prints the verification code that the public verification accepts', async () => {
      const doc = await ePolicyOf(bought.policy.id);
      const code = /验真码\s*([0-9A-Z]{5}-[0-9A-Z]{5})/.exec(pdfText(doc.pdf, 'code.pdf'))?.[1];
      expect(code).toBeDefined();
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/public/policy-verifications',
        payload: { policyNumber: bought.policy.policyNumber, code },
      });
      expect(res.json()).toMatchObject({ genuine: true, policy: { policyNumber: bought.policy.policyNumber } });
    });

    // Last: the policy it leaves behind keeps failing on every later run, as it should.
    it('M§22 one document that cannot be printed holds up no other, and waits in the outbox with its error', async () => {
      // A name with a CJK Extension G ideograph, which no embedded font has (生僻字 beyond the font).
      const rare = await ctx.buy({
        productCode: 'ACCIDENT_1Y',
        termYears: 1,
        paymentMode: 'single',
        sumInsuredFen: 50_000_000,
        policyholder: makePerson('王\u{30000}', '1990-02-02', 'M'),
      });
      const plain = await ctx.buy({
        productCode: 'ACCIDENT_1Y',
        termYears: 1,
        paymentMode: 'single',
        sumInsuredFen: 50_000_000,
        policyholder: makePerson('孙平', '1990-03-03', 'F'),
      });
      await ctx.services.ledger.integratePending();
      await ctx.services.ledger.publishCheckpoint();
      const run = await drainDocuments();
      expect(run.byKind).toEqual({
        e_policy: { done: 1, skipped: 0, notReady: 0, failed: 1 },
        invoice: { done: 1, skipped: 0, notReady: 0, failed: 1 },
      });
      const waiting = await ctx.db
        .selectFrom('outbox_items')
        .select(['kind', 'status', 'attempts', 'last_error'])
        .where('subject_id', '=', rare.policy.id)
        .orderBy('kind')
        .execute();
      expect(waiting).toEqual([
        { kind: 'e_policy', status: 'pending', attempts: 1, last_error: expect.stringMatching(/^VALIDATION_FAILED: /) },
        { kind: 'invoice', status: 'pending', attempts: 1, last_error: expect.stringMatching(/^VALIDATION_FAILED: /) },
      ]);
      // The error names the field, never the character: it is part of a name.
      for (const w of waiting) expect(w.last_error).not.toContain('\u{30000}');
      const made = await ctx.db
        .selectFrom('policy_documents')
        .select(['policy_id', 'kind'])
        .where('policy_id', 'in', [rare.policy.id, plain.policy.id])
        .orderBy('kind')
        .execute();
      expect(made).toEqual([
        { policy_id: plain.policy.id, kind: 'e_policy' },
        { policy_id: plain.policy.id, kind: 'invoice' },
      ]);
      // Nothing half-written for the one that failed: no invoice row without its PDF.
      expect(await ctx.db.selectFrom('invoices').select('id').where('policy_id', '=', rare.policy.id).execute()).toEqual([]);
    });
  },
);
