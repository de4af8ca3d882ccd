import { renderDocument } from './pdf-render.js';
import { signPdf, type SignPdfOptions } from './pdf-sign.js';
import type { DocumentModel } from './document-model.js';
import type { DocumentSigner } from './signer.js';

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
