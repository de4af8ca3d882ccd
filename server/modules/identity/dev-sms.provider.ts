import type { Db } from '../../db/database.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { SmsProvider } from '../../platform/providers.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastId = '';

/**
 * Outbox ids increase strictly, even for messages sent in the same millisecond (a test's manual clock sends
 * several at one instant), so "newest first" is well defined: the ULID monotonic rule, +1 on the random part.
 */
function monotonicSmsId(at: number): string {
  let id = newId('sms', at);
  if (id <= lastId && id.slice(0, 14) === lastId.slice(0, 14)) {
    const chars = lastId.split('');
    for (let i = chars.length - 1; i >= 14; i--) {
      const v = CROCKFORD.indexOf(chars[i]!);
      if (v < 31) {
        chars[i] = CROCKFORD[v + 1]!;
        break;
      }
      chars[i] = '0';
    }
    id = chars.join('');
  }
  lastId = id;
  return id;
}

/**
 * The development SMS provider: instead of a carrier, an outbox table, readable through the development API and
 * `wangbao sms outbox`. Phone and body are encrypted like any other personal data (the body holds C3 codes).
 */
export function createDevSmsProvider(deps: { db: Db; pii: PiiCipher }): SmsProvider {
  return {
    name: 'dev-outbox',
    async send(message, at) {
      const id = monotonicSmsId(at.getTime());
      await deps.db
        .insertInto('sms_outbox')
        .values({
          id,
          phone_index: deps.pii.blindIndex('phone', message.phone),
          phone_cipher: deps.pii.encrypt('phone', message.phone),
          template: message.template,
          body_cipher: deps.pii.encrypt('sms_body', message.body),
          provider: 'dev-outbox',
          sent_at: at,
        })
        .execute();
      return { providerMessageId: id };
    },
  };
}

/** Reads the development outbox for one phone, newest first. */
export async function readDevOutbox(deps: { db: Db; pii: PiiCipher }, phone: string, limit = 10) {
  const rows = await deps.db
    .selectFrom('sms_outbox')
    .selectAll()
    .where('phone_index', '=', deps.pii.blindIndex('phone', phone))
    .orderBy('sent_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, template: r.template, body: deps.pii.decrypt('sms_body', r.body_cipher), sentAt: r.sent_at }));
}
