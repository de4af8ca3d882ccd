import type { Platform } from '../../platform/context.js';
import type { DocumentEngine } from '../documents/index.js';
import { createCallbackFiguresService } from './callback-figures.service.js';
import { createFirstUseReportService } from './first-use-report.service.js';
import { createSamplingService } from './sampling.service.js';

/** Quality sampling, figures and the first-use report of the callback (CB, requirements §2.7), built together. */
export function createCallbackReportServices(
  platform: Pick<Platform, 'db' | 'clock' | 'config' | 'pii' | 'sms' | 'face'>,
  documents: { engine: Pick<DocumentEngine, 'sign'> },
) {
  const { db, clock, config, pii } = platform;
  const callbackSampling = createSamplingService({ db, clock, config, pii });
  return {
    callbackSampling,
    callbackFigures: createCallbackFiguresService({ db }),
    callbackReports: createFirstUseReportService({
      db,
      clock,
      config,
      sampling: callbackSampling,
      providers: { sms: platform.sms.name, face: platform.face.name },
      sign: (pdf, at) => documents.engine.sign(pdf, at, { reason: '首次使用电子化回访报告' }),
    }),
  };
}
