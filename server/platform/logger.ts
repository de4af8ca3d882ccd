import pino, { type Logger } from 'pino';

/**
 * Log lines never carry personal data (M§38): request bodies are not logged, and any field whose name says it
 * holds an ID number, phone, account, name, code or answer is censored wherever it appears.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'idNumber', '*.idNumber', '*.*.idNumber',
  'phone', '*.phone', '*.*.phone',
  'accountNo', '*.accountNo', '*.*.accountNo',
  'name', '*.name',
  'code', '*.code',
  'password', '*.password',
  'totp', '*.totp',
  'answer', '*.answer',
  'token', '*.token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { service: 'wangbao' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
export type { Logger };
