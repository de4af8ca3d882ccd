import { z } from 'zod';

/** The ledger's public face (M§33): proofs anyone may check with an RFC 9162 implementation. */

const count = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const inclusionProofQuery = z.object({ index: count, treeSize: count.optional() });
export const consistencyProofQuery = z.object({ from: count, to: count });
export const inclusionProof = z
  .object({ index: z.number(), treeSize: z.number(), leafHash: z.string(), proof: z.array(z.string()), root: z.string() })
  .meta({ id: 'InclusionProof', description: 'Hashes in base64.' });
export const consistencyProof = z
  .object({ from: z.number(), to: z.number(), proof: z.array(z.string()), rootFrom: z.string(), rootTo: z.string() })
  .meta({ id: 'ConsistencyProof', description: 'Hashes in base64.' });
export const ledgerPublicKey = z
  .object({
    origin: z.string(),
    hash: z.enum(['sha256', 'sm3']),
    algorithm: z.enum(['ed25519', 'sm2']),
    keyName: z.string(),
    keyId: z.string().regex(/^[0-9a-f]{8}$/),
    publicKeyPem: z.string(),
    verifierKey: z.string(),
  })
  .meta({ id: 'LedgerPublicKey', description: 'The key that signs checkpoints, to pin: PEM and the C2SP signed-note verifier key.' });
