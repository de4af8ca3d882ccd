/** Identity: one-time codes over SMS (M§33), ID numbers, the development SMS and face providers. */
export { createOtpService, type OtpService } from './otp.service.js';
export { parseIdNumber, assertIdMatches, isValidIdNumber, isValidSocialCreditCode } from './id-number.js';
export { createDevSmsProvider, readDevOutbox } from './dev-sms.provider.js';
export { createDevFaceProvider } from './dev-face.provider.js';
export { listChallengeIdsFor } from './otp.repository.js';
