/**
 * Reads back the signatures of a signed PDF and verifies them without poppler or NSS: the byte range must be the
 * whole file except exactly the /Contents value, and the CMS must verify over it (cms.ts). This is what checks SM2
 * signatures, which poppler cannot, and what a verification page can run on a stored document.
 */
import { verifyDetachedSignature, type CmsVerification } from './cms.js';
import type { ParsedCertificate } from './certificates.js';
import { nameOf, PdfReader, refOf, type Spanned } from './pdf-objects.js';

export interface PdfSignatureReport {
  fieldName: string | undefined;
  subFilter: string | undefined;
  /** /M as written, e.g. D:20250301021200Z. */
  signingTime: string | undefined;
  byteRange: number[];
  /** The byte range is [0, a, b, n-b] around exactly the /Contents value: nothing else is left unsigned. */
  byteRangeSound: boolean;
  /** The signed range reaches the end of the file: nothing was appended after this signature. */
  coversWholeDocument: boolean;
  /** The DER CMS taken from /Contents. */
  cms: Buffer;
  verification: CmsVerification;
  /** Sound byte range and a valid CMS. */
  valid: boolean;
}

function decodeString(s: Spanned | undefined): Buffer | undefined {
  if (s?.value.type !== 'string') return undefined;
  const raw = s.value.raw;
  if (raw[0] === 0x3c) return Buffer.from(raw.toString('latin1', 1, raw.length - 1).replace(/\s+/g, ''), 'hex');
  return Buffer.from(raw.toString('latin1', 1, raw.length - 1), 'latin1');
}

function textOf(s: Spanned | undefined): string | undefined {
  const b = decodeString(s);
  if (!b) return undefined;
  if (b[0] === 0xfe && b[1] === 0xff) return Buffer.from(b.subarray(2)).swap16().toString('utf16le');
  return b.toString('latin1');
}

/** Every signature field's signature, in field order, verified. Throws only if the file cannot be read as a PDF. */
export function verifySignedPdf(pdf: Buffer, options: { trustedRoots?: ParsedCertificate[]; at?: Date } = {}): PdfSignatureReport[] {
  const reader = new PdfReader(pdf);
  const { offsets, trailer } = reader.crossReference();
  const load = (s: Spanned | undefined): Spanned | undefined => {
    const ref = refOf(s);
    if (!ref) return s;
    const at = offsets.get(ref.num);
    return at === undefined ? undefined : reader.objectAt(at, ref.num);
  };
  const catalog = load(trailer.get('Root'));
  if (catalog?.value.type !== 'dict') return [];
  const form = load(catalog.value.entries.get('AcroForm'));
  if (form?.value.type !== 'dict') return [];
  const fields = load(form.value.entries.get('Fields'));
  if (fields?.value.type !== 'array') return [];
  const reports: PdfSignatureReport[] = [];
  for (const item of fields.value.items) {
    const field = load(item);
    if (field?.value.type !== 'dict' || nameOf(field.value.entries.get('FT')) !== 'Sig') continue;
    const sig = load(field.value.entries.get('V'));
    if (sig?.value.type !== 'dict') continue;
    const contents = sig.value.entries.get('Contents');
    const range = sig.value.entries.get('ByteRange');
    const byteRange = range?.value.type === 'array' ? range.value.items.map((i) => (i.value.type === 'number' ? i.value.value : NaN)) : [];
    const [a, b, c, d] = byteRange;
    const sound =
      byteRange.length === 4 &&
      a === 0 &&
      contents !== undefined &&
      b === contents.start &&
      c === contents.end &&
      d !== undefined &&
      c + d <= pdf.length &&
      pdf[contents.start] === 0x3c
        ? { b, c, d }
        : undefined;
    const byteRangeSound = sound !== undefined;
    const cms = decodeString(contents) ?? Buffer.alloc(0);
    const signed = sound ? [pdf.subarray(0, sound.b), pdf.subarray(sound.c, sound.c + sound.d)] : [];
    const verification = verifyDetachedSignature(cms, signed, options);
    if (!byteRangeSound) verification.problems.push('the byte range does not cover the file around exactly /Contents');
    reports.push({
      fieldName: textOf(field.value.entries.get('T')),
      subFilter: nameOf(sig.value.entries.get('SubFilter')),
      signingTime: textOf(sig.value.entries.get('M')),
      byteRange,
      byteRangeSound,
      coversWholeDocument: sound !== undefined && sound.c + sound.d === pdf.length,
      cms,
      verification,
      valid: byteRangeSound && verification.valid,
    });
  }
  return reports;
}
