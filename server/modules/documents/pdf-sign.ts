/**
 * PAdES baseline B-B signatures (ETSI EN 319 142-1) on a finished PDF, appended as an incremental update so the
 * rendered bytes stay untouched: a signature dictionary (/SubFilter /ETSI.CAdES.detached, /M the signing time,
 * /ByteRange covering the whole file except /Contents), an invisible signature field on the first page, and the
 * catalog's /AcroForm with /SigFlags 3. /Contents holds the detached CMS SignedData of cms.ts.
 */
import { createDetachedSignature, type CmsSigner } from './cms.js';
import { digest, digestAlgorithmOf } from './certificates.js';
import { nameOf, pdfDate, PdfReader, pdfTextString, refOf, type Spanned } from './pdf-objects.js';

export interface SignPdfOptions {
  /** The claimed signing time, written to /M (the CMS carries no signingTime attribute in PAdES). */
  signedAt: Date;
  /** Why the document is signed, e.g. 电子保险单签章. */
  reason?: string;
  location?: string;
  contactInfo?: string;
  /** The signature field's name; unique by default (Signature1, Signature2, …). */
  fieldName?: string;
}

const BYTE_RANGE_PLACEHOLDER = '[0 ********** ********** **********]';

/** Replaces or adds entries of the dictionary spanning `dict`, leaving every other byte as it was. */
function spliceDict(bytes: Buffer, dict: Spanned, changes: Record<string, string>): Buffer {
  if (dict.value.type !== 'dict') throw new Error('PDF: dictionary expected');
  const entries = dict.value.entries;
  const replaced = Object.entries(changes)
    .flatMap(([key, text]) => {
      const span = entries.get(key);
      return span ? [{ span, text }] : [];
    })
    .sort((a, b) => a.span.start - b.span.start);
  const parts: Buffer[] = [];
  let pos = dict.start;
  for (const { span, text } of replaced) {
    parts.push(bytes.subarray(pos, span.start), Buffer.from(text, 'latin1'));
    pos = span.end;
  }
  const added = Object.entries(changes)
    .filter(([key]) => !entries.has(key))
    .map(([key, text]) => `/${key} ${text}\n`)
    .join('');
  parts.push(bytes.subarray(pos, dict.end - 2), Buffer.from(added, 'latin1'), Buffer.from('>>'));
  return Buffer.concat(parts);
}

/** The array's text with `item` appended. */
function appendToArray(bytes: Buffer, array: Spanned, item: string): string {
  if (array.value.type !== 'array') throw new Error('PDF: array expected');
  const inner = bytes.toString('latin1', array.start + 1, array.end - 1).trim();
  return `[${inner ? `${inner} ` : ''}${item}]`;
}

/**
 * Signs `pdf` for `signer`. The PDF must use a classic cross-reference table (pdfkit's output, or a PDF this
 * function already signed, so a document can carry several signatures).
 */
export async function signPdf(pdf: Buffer, signer: CmsSigner, options: SignPdfOptions): Promise<Buffer> {
  const reader = new PdfReader(pdf);
  const { offsets, trailer, startXref } = reader.crossReference();
  const size = trailer.get('Size');
  const rootRef = refOf(trailer.get('Root'));
  if (size?.value.type !== 'number' || !rootRef) throw new Error('PDF: trailer without /Size or /Root');
  const load = (ref: { num: number }) => {
    const at = offsets.get(ref.num);
    if (at === undefined) throw new Error(`PDF: object ${ref.num} is not in the cross-reference table`);
    return reader.objectAt(at, ref.num);
  };
  const catalog = load(rootRef);
  if (catalog.value.type !== 'dict') throw new Error('PDF: the catalog is not a dictionary');

  // The first page carries the (invisible) signature widget.
  let pageRef = refOf(catalog.value.entries.get('Pages'));
  let page: Spanned | undefined;
  for (let depth = 0; pageRef && depth < 32; depth++) {
    const node = load(pageRef);
    if (node.value.type !== 'dict') break;
    if (nameOf(node.value.entries.get('Type')) === 'Page') {
      page = node;
      break;
    }
    const kids = node.value.entries.get('Kids');
    pageRef = kids?.value.type === 'array' ? refOf(kids.value.items[0]) : undefined;
  }
  if (!page || !pageRef || page.value.type !== 'dict') throw new Error('PDF: no page to attach the signature field to');

  let next = size.value.value;
  const sigNum = next++;
  const widgetNum = next++;
  const objects: Array<{ num: number; gen: number; body: Buffer }> = [];

  // AcroForm: a new one, or the existing one (indirect) with the new field added.
  const acroFormEntry = catalog.value.entries.get('AcroForm');
  const acroFormRef = refOf(acroFormEntry);
  let fieldCount = 0;
  let catalogChanges: Record<string, string> = {};
  if (!acroFormEntry) {
    const acroNum = next++;
    objects.push({ num: acroNum, gen: 0, body: Buffer.from(`<< /Fields [${widgetNum} 0 R] /SigFlags 3 >>`) });
    catalogChanges = { AcroForm: `${acroNum} 0 R` };
  } else {
    const form = acroFormRef ? load(acroFormRef) : acroFormEntry;
    if (form.value.type !== 'dict') throw new Error('PDF: /AcroForm is not a dictionary');
    const fields = form.value.entries.get('Fields');
    if (fields && fields.value.type !== 'array') throw new Error('PDF: indirect /Fields arrays are not supported');
    fieldCount = fields?.value.type === 'array' ? fields.value.items.length : 0;
    const newForm = spliceDict(pdf, form, {
      Fields: fields ? appendToArray(pdf, fields, `${widgetNum} 0 R`) : `[${widgetNum} 0 R]`,
      SigFlags: '3',
    });
    if (acroFormRef) objects.push({ num: acroFormRef.num, gen: acroFormRef.gen, body: newForm });
    else catalogChanges = { AcroForm: newForm.toString('latin1') };
  }
  if (Object.keys(catalogChanges).length > 0) {
    objects.push({ num: rootRef.num, gen: rootRef.gen, body: spliceDict(pdf, catalog, catalogChanges) });
  }

  const annots = page.value.entries.get('Annots');
  if (annots && annots.value.type !== 'array') throw new Error('PDF: indirect /Annots arrays are not supported');
  objects.push({
    num: pageRef.num,
    gen: pageRef.gen,
    body: spliceDict(pdf, page, { Annots: annots ? appendToArray(pdf, annots, `${widgetNum} 0 R`) : `[${widgetNum} 0 R]` }),
  });

  const fieldName = options.fieldName ?? `Signature${fieldCount + 1}`;
  objects.push({
    num: widgetNum,
    gen: 0,
    body: Buffer.from(
      `<< /Type /Annot /Subtype /Widget /FT /Sig /T ${pdfTextString(fieldName)} /V ${sigNum} 0 R /F 132 /Rect [0 0 0 0] /P ${pageRef.num} ${pageRef.gen} R >>`,
    ),
  });

  // The CMS must fit the space reserved before anything is hashed: certificates plus a generous allowance for the
  // signature value, attributes and structure.
  const certBytes = [signer.certificate, ...signer.chain].reduce((n, c) => n + c.der.length, 0);
  const reserved = Math.ceil((certBytes + 2_500) / 1024) * 1024;
  const optional = [
    options.reason ? `/Reason ${pdfTextString(options.reason)}` : '',
    options.location ? `/Location ${pdfTextString(options.location)}` : '',
    options.contactInfo ? `/ContactInfo ${pdfTextString(options.contactInfo)}` : '',
    signer.certificate.subjectCommonName ? `/Name ${pdfTextString(signer.certificate.subjectCommonName)}` : '',
  ].filter(Boolean);
  const sigHead = `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (${pdfDate(options.signedAt)}) ${optional.join(' ')} /ByteRange `;
  const sigBody = Buffer.from(`${sigHead}${BYTE_RANGE_PLACEHOLDER} /Contents <${'0'.repeat(reserved * 2)}> >>`, 'latin1');
  objects.push({ num: sigNum, gen: 0, body: sigBody });

  // Write the update: objects, cross-reference section, trailer.
  objects.sort((a, b) => a.num - b.num);
  const chunks: Buffer[] = [];
  let length = pdf.length;
  const push = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    chunks.push(buf);
    length += buf.length;
  };
  if (pdf[pdf.length - 1] !== 0x0a) push('\n');
  const objectOffsets = new Map<number, number>();
  let sigBodyOffset = -1;
  for (const o of objects) {
    objectOffsets.set(o.num, length);
    push(`${o.num} ${o.gen} obj\n`);
    if (o.num === sigNum) sigBodyOffset = length;
    push(o.body);
    push('\nendobj\n');
  }
  const xrefOffset = length;
  let xref = 'xref\n0 1\n0000000000 65535 f \n';
  // One subsection per run of consecutive object numbers.
  const runs: Array<{ first: number; members: typeof objects }> = [];
  for (const o of objects) {
    const run = runs.at(-1);
    if (run && o.num === run.first + run.members.length) run.members.push(o);
    else runs.push({ first: o.num, members: [o] });
  }
  for (const { first, members } of runs) {
    xref += `${first} ${members.length}\n`;
    for (const o of members) xref += `${String(objectOffsets.get(o.num)).padStart(10, '0')} ${String(o.gen).padStart(5, '0')} n \n`;
  }
  push(xref);
  const raw = (key: string) => {
    const s = trailer.get(key);
    return s ? ` /${key} ${pdf.toString('latin1', s.start, s.end)}` : '';
  };
  push(
    `trailer\n<< /Size ${Math.max(next, size.value.value)} /Root ${rootRef.num} ${rootRef.gen} R${raw('Info')}${raw('ID')} /Prev ${startXref} >>\n`,
  );
  push(`startxref\n${xrefOffset}\n%%EOF\n`);
  const out = Buffer.concat([pdf, ...chunks], length);

  // Fill in /ByteRange, hash everything but /Contents, and put the CMS into /Contents.
  const byteRangeAt = sigBodyOffset + Buffer.byteLength(sigHead, 'latin1');
  const contentsStart = byteRangeAt + BYTE_RANGE_PLACEHOLDER.length + ' /Contents '.length;
  const contentsEnd = contentsStart + 2 + reserved * 2;
  if (out[contentsStart] !== 0x3c || out[contentsEnd - 1] !== 0x3e) throw new Error('PDF: /Contents placeholder misplaced');
  const byteRange = `[0 ${contentsStart} ${contentsEnd} ${out.length - contentsEnd}]`.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' ');
  out.write(byteRange, byteRangeAt, 'latin1');
  const contentDigest = digest(digestAlgorithmOf(signer.algorithm), out.subarray(0, contentsStart), out.subarray(contentsEnd));
  const cms = await createDetachedSignature(signer, contentDigest);
  if (cms.length > reserved) throw new Error(`PDF: the signature (${cms.length} bytes) exceeds the ${reserved} bytes reserved`);
  out.write(cms.toString('hex'), contentsStart + 1, 'latin1');
  return out;
}
