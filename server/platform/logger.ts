import pino, { type Logger } from 'pino';

/**
 * Log lines never carry personal data (M§38): request bodies are not logged, and any field whose name says it
 * holds an ID number, phone, account, name, code or answer is censored wherever it appears.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'idNumber',
  '*.idNumber',
  '*.*.idNumber',
  'phone',
  '*.phone',
  '*.*.phone',
  'accountNo',
  '*.accountNo',
  '*.*.accountNo',
  'name',
  '*.name',
  'code',
  '*.code',
  'password',
  '*.password',
  'totp',
  '*.totp',
  'answer',
  '*.answer',
  'token',
  '*.token',
];

/**
 * URLs are logged with every query value of a personal-data parameter censored, and any run of 11 or more
 * digits (a phone, an ID, an account) masked, wherever it appears.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&](?:phone|idNumber|id_number|accountNo|name|code|token)=)[^&#]*/gi, '$1[redacted]')
    .replace(/\d{11,}[\dXx]?/g, (m) => `${m.slice(0, 3)}***${m.slice(-2)}`);
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: {
        // Replaces Fastify's request serializer: the same fields, with the URL redacted.
        req: (req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
          method: req.method,
          url: redactUrl(req.url ?? ''),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
      base: { service: 'wangbao' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
export type { Logger };
