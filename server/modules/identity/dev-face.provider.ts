import { createHash } from 'node:crypto';
import type { FaceProvider } from '../../platform/providers.js';

/**
 * The development face-comparison provider. A real provider compares the live capture with the authoritative
 * photo of the ID; this one has no photos, so it decides from the capture itself: a capture whose bytes begin
 * with `MISMATCH` fails, an empty one fails, anything else passes. Deterministic, so tests can take either path.
 */
export function createDevFaceProvider(): FaceProvider {
  return {
    name: 'dev-face',
    async compare(req) {
      const bytes = Buffer.from(req.imageBase64, 'base64');
      const ref = `face_${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
      if (bytes.length === 0) return { passed: false, score: 0, providerRef: ref };
      if (bytes.subarray(0, 8).toString('latin1') === 'MISMATCH') return { passed: false, score: 0.31, providerRef: ref };
      return { passed: true, score: 0.97, providerRef: ref };
    },
  };
}
