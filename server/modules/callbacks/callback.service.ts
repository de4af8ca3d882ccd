import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../platform/clock.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { FaceProvider, SmsProvider } from '../../platform/providers.js';
import type { OtpService } from '../identity/index.js';
import { createCallbackCaseService } from './callback-cases.service.js';
import { createCallbackSteps } from './callback-steps.js';
import { createCallbackTaskService } from './callback-tasks.service.js';
import { createElectronicCallbackService } from './electronic-callback.service.js';
import { createProblemCaseService } from './problem-case.service.js';
import type { CancelForMisselling } from './ports.js';

/**
 * The electronic callback (电子化回访, CB; requirements §2.7) and its fallbacks, as one service: cases, the
 * policyholder's electronic callback, the agents' phone and letter/visit tasks, and problem cases. A case opens in the
 * issuing transaction (the purchase flow) and closes in the cancelling one (the cancellation flow).
 */
export function createCallbackService(deps: {
  db: Db;
  clock: Clock;
  config: Config;
  pii: PiiCipher;
  sms: SmsProvider;
  face: FaceProvider;
  otp: Pick<OtpService, 'sendCode' | 'verifyCode'>;
  cancelForMisselling: CancelForMisselling;
}) {
  const { db, clock, config, pii } = deps;
  const steps = createCallbackSteps({ config });
  const cases = createCallbackCaseService({ db, clock, config, pii, sms: deps.sms, steps });
  const electronic = createElectronicCallbackService({ db, clock, config, pii, otp: deps.otp, face: deps.face, steps, cases });
  const tasks = createCallbackTaskService({ db, clock, config, pii, steps });
  const problems = createProblemCaseService({ db, clock, pii, cancelForMisselling: deps.cancelForMisselling, cases });
  return { ...cases, ...electronic, ...tasks, ...problems };
}
export type CallbackService = ReturnType<typeof createCallbackService>;
