import { z } from 'zod';
import { policyStandings } from '../common.js';

/** Public policy verification (M§12(6)) and the certificates that sign documents: no session. */

export const verificationBody = z
  .object({ policyNumber: z.string().min(1).max(40), code: z.string().min(1).max(20) })
  .meta({ id: 'PolicyVerificationRequest' });
export const verificationAnswer = z
  .object({
    genuine: z.boolean(),
    checkedAt: z.string(),
    policy: z
      .object({
        policyNumber: z.string(),
        insurer: z.string(),
        productName: z.string(),
        filingNumber: z.string(),
        standing: z.enum(policyStandings),
        inForce: z.boolean(),
        effectiveDate: z.string(),
        endDate: z.string(),
        issuedDate: z.string(),
        cancelledDate: z.string().nullable(),
        policyholder: z.string(),
      })
      .nullable(),
    ledger: z.object({ leafIndex: z.number(), entry: z.string(), proof: z.array(z.string()), checkpoint: z.string() }).nullable(),
  })
  .meta({ id: 'PolicyVerification' });
/** The query string of the page the QR code on a policy opens: policy number and verification code. */
export const verifyPageQuery = z.object({ n: z.string().min(1).max(40), c: z.string().min(1).max(20) });

export const documentCertificates = z
  .object({
    items: z.array(
      z.object({
        role: z.enum(['signing', 'issuer']),
        subjectCommonName: z.string().nullable(),
        sha256: z.string(),
        notBefore: z.string(),
        notAfter: z.string(),
        isCa: z.boolean(),
        pem: z.string(),
      }),
    ),
  })
  .meta({ id: 'DocumentCertificates' });
