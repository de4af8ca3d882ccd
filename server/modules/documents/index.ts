/**
 * The document engine: renders structured documents (e-policies, invoices) to PDF and signs them PAdES B-B.
 * Pure: no database, no clock of its own (times come in as arguments), no global configuration.
 *
 *   const ca = loadOrCreateDevCa('./data/documents-ca');               // development; or, in production:
 *   const signer = createDocumentSigner({ certPem, keyPem, chainPems });
 *   const engine = createDocumentEngine({ signer: ca.signer });
 *   const pdf = await engine.sign(await engine.render(model), clock.now());
 *   verifySignedPdf(pdf, { trustedRoots: [ca.root] })[0].valid;        // true
 */
import { renderDocument } from './pdf-render.js';
import { signPdf, type SignPdfOptions } from './pdf-sign.js';
import type { DocumentModel } from './document-model.js';
import type { DocumentSigner } from './signer.js';

export { renderDocument, assertPrintable } from './pdf-render.js';
export { documentModelSchema, printedStrings, type DocumentModel, type ParsedDocumentModel, type DocumentBlock } from './document-model.js';
export { fontCoverage, documentFonts, type FontCoverage } from './fonts.js';
export { signPdf, type SignPdfOptions } from './pdf-sign.js';
export { verifySignedPdf, type PdfSignatureReport } from './pdf-verify.js';
export { createDocumentSigner, signerFromKey, type DocumentSigner, type DocumentSignerConfig } from './signer.js';
export { loadOrCreateDevCa, type DevCa, type DevCaOptions } from './dev-ca.js';
export { parseSignedData, verifyDetachedSignature, CMS_OID, type CmsVerification, type ParsedSignedData } from './cms.js';
export { certificatesFromPem, parseCertificate, SIGNATURE_ALGORITHMS, type ParsedCertificate, type SignatureAlgorithm } from './certificates.js';

export interface DocumentEngine {
  /** Validates and renders a model to an unsigned PDF (AppError VALIDATION_FAILED for a bad model or missing glyph). */
  render(model: DocumentModel): Promise<Buffer>;
  /** Signs a rendered PDF at `signedAt` (the injected clock's now). */
  sign(pdf: Buffer, signedAt: Date, options?: Omit<SignPdfOptions, 'signedAt'>): Promise<Buffer>;
  /** SHA-256 (hex) of the signing certificate's DER, to store beside each signed document. */
  signerCertificateSha256: string;
  signer: DocumentSigner;
}

/** Render and sign with one signer; `defaults` (reason, location, contact) apply to every signature. */
export function createDocumentEngine(deps: { signer: DocumentSigner; defaults?: Omit<SignPdfOptions, 'signedAt'> }): DocumentEngine {
  return {
    render: (model) => renderDocument(model),
    sign: (pdf, signedAt, options) => signPdf(pdf, deps.signer, { ...deps.defaults, ...options, signedAt }),
    signerCertificateSha256: deps.signer.certificateSha256,
    signer: deps.signer,
  };
}
