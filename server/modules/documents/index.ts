/**
 * Documents: the engine, the e-policy and invoice services, and public verification. Nothing else of this folder
 * is imported from outside it.
 *
 * The document engine (engine.ts): renders structured documents (e-policies, invoices) to PDF and signs them PAdES B-B.
 * Pure: no database, no clock of its own (times come in as arguments), no global configuration.
 *
 *   const ca = loadOrCreateDevCa('./data/documents-ca');               // development; or, in production:
 *   const signer = createDocumentSigner({ certPem, keyPem, chainPems });
 *   const engine = createDocumentEngine({ signer: ca.signer });
 *   const pdf = await engine.sign(await engine.render(model), clock.now());
 *   verifySignedPdf(pdf, { trustedRoots: [ca.root] })[0].valid;        // true
 */
export { renderDocument, assertPrintable } from './pdf-render.js';
export { documentModelSchema, printedStrings, type DocumentModel, type ParsedDocumentModel, type DocumentBlock } from './document-model.js';
export { fontCoverage, documentFonts, type FontCoverage } from './fonts.js';
export { signPdf, type SignPdfOptions } from './pdf-sign.js';
export { verifySignedPdf, type PdfSignatureReport } from './pdf-verify.js';
export { createDocumentSigner, signerFromKey, type DocumentSigner, type DocumentSignerConfig } from './signer.js';
export { loadOrCreateDevCa, type DevCa, type DevCaOptions } from './dev-ca.js';
export { parseSignedData, verifyDetachedSignature, CMS_OID, type CmsVerification, type ParsedSignedData } from './cms.js';
export {
  certificatesFromPem,
  parseCertificate,
  SIGNATURE_ALGORITHMS,
  type ParsedCertificate,
  type SignatureAlgorithm,
} from './certificates.js';
// The document services: e-policies, invoices and their verification (M§12(6), M§22).
export { createDocumentService, type DocumentService, type DocumentServiceDeps } from './document.service.js';
export { createVerificationService, type VerificationService } from './verification.service.js';
export { documentEngineFromConfig } from './engine-from-config.js';
export { createDocumentEngine, type DocumentEngine } from './engine.js';
