import { z } from 'zod';
import { isoDateTime } from '../common.js';

/** Consumer sign-in by phone and SMS code (M§33). */

const phone = z.string().trim().min(1).max(20).describe('Mainland China mobile number, 11 digits');

export const signInCodeBody = z.object({ phone }).strict().meta({ id: 'SignInCodeRequest' });
export const signInCodeSent = z.object({ expiresAt: isoDateTime, maskedPhone: z.string() }).meta({ id: 'SignInCodeSent' });
export const signInBody = z
  .object({
    phone,
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/),
  })
  .strict()
  .meta({ id: 'ConsumerSignIn' });
export const consumerSession = z
  .object({ token: z.string(), consumerId: z.string(), expiresAt: isoDateTime })
  .meta({ id: 'ConsumerSession' });
export const consumerMe = z.object({ consumerId: z.string(), maskedPhone: z.string(), since: isoDateTime }).meta({ id: 'ConsumerMe' });
