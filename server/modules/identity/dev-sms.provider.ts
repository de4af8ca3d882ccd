import type { Db } from '../../db/database.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { SmsProvider } from '../../platform/providers.js';

/**
 * The development SMS provider: instead of a carrier, an outbox table, readable through the development API and
 * `wangbao sms outbox`. Phone and body are encrypted like any other personal data (the body holds C3 codes).
 */
export function createDevSmsProvider(deps: { db: Db; pii: PiiCipher }): SmsProvider {
  return {
    name: 'dev-outbox',
    async send(message, at) {
      // newId is monotonic, so "newest first" holds even for messages sent in one millisecond.
      const id = newId('sms', at.getTime());
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
