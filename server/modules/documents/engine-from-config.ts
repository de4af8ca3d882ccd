import type { Config } from '../../config.js';
import { createDocumentEngine, type DocumentEngine } from './engine.js';
import { createDocumentSigner } from './signer.js';
import { loadOrCreateDevCa } from './dev-ca.js';

/**
 * The document engine a deployment configures: the signing certificate and key from PEM configuration in
 * production, else the development CA under DOCUMENT_CA_DIR, created on first use. Built lazily, so processes that
 * never sign (the CLI, most tests) never touch the CA. The CA is infrastructure: its certificates are dated by the
 * real time, whatever the injected business clock says.
 */
export function documentEngineFromConfig(
  config: Pick<
    Config,
    | 'DOCUMENT_CA_DIR'
    | 'DOCUMENT_SIGNING_CERT_PEM'
    | 'DOCUMENT_SIGNING_KEY_PEM'
    | 'DOCUMENT_SIGNING_CHAIN_PEM'
    | 'INSURER_NAME'
    | 'NODE_ENV'
  >,
): DocumentEngine {
  let engine: DocumentEngine | undefined;
  const get = (): DocumentEngine => {
    if (engine) return engine;
    if (config.DOCUMENT_SIGNING_CERT_PEM && config.DOCUMENT_SIGNING_KEY_PEM) {
      const signer = createDocumentSigner({
        certPem: config.DOCUMENT_SIGNING_CERT_PEM,
        keyPem: config.DOCUMENT_SIGNING_KEY_PEM,
        chainPems: config.DOCUMENT_SIGNING_CHAIN_PEM ? [config.DOCUMENT_SIGNING_CHAIN_PEM] : [],
      });
      engine = createDocumentEngine({ signer, defaults: { reason: '电子保单签发', location: 'CN' } });
    } else {
      if (config.NODE_ENV === 'production')
        throw new Error(
          'Production needs DOCUMENT_SIGNING_CERT_PEM and DOCUMENT_SIGNING_KEY_PEM: the development CA is for development only',
        );
      const ca = loadOrCreateDevCa(config.DOCUMENT_CA_DIR, { organization: config.INSURER_NAME });
      engine = createDocumentEngine({ signer: ca.signer, defaults: { reason: '电子保单签发（开发环境证书）', location: 'CN' } });
    }
    return engine;
  };
  return {
    render: (model) => get().render(model),
    sign: (pdf, at, options) => get().sign(pdf, at, options),
    get signerCertificateSha256() {
      return get().signerCertificateSha256;
    },
    get signer() {
      return get().signer;
    },
  };
}
