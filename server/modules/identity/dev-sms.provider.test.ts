import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers/context.js';
import { createDevSmsProvider, readDevOutbox } from './dev-sms.provider.js';

describe('the development SMS outbox', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  it('reads newest first even when messages were sent in the same millisecond', async () => {
    const sms = createDevSmsProvider({ db: ctx.db, pii: ctx.platform.pii });
    const at = ctx.clock.now();
    for (let i = 0; i < 30; i++) await sms.send({ phone: '13712340000', template: 'otp', params: {}, body: `message ${i}` }, at);
    const read = await readDevOutbox({ db: ctx.db, pii: ctx.platform.pii }, '13712340000', 30);
    expect(read.map((m) => m.body)).toEqual(Array.from({ length: 30 }, (_, i) => `message ${29 - i}`));
  });
});
