import { createTestContext, type TestContext } from './context.js';
import { buyPolicy, injectSender, type JourneyInput, type Send } from './journey.js';
import { seedDemo } from '../../server/demo.js';

export interface JourneyContext extends TestContext {
  send: Send;
  buy(input: JourneyInput): ReturnType<typeof buyPolicy>;
  /** The full definition of the product on sale, with underwriting outcomes and scores the public page omits. */
  definition(code: string): Promise<any>;
}

/** A test platform with the demo products and staff, and a consumer client over app.inject. */
export async function createJourneyContext(opts: Parameters<typeof createTestContext>[0] = {}): Promise<JourneyContext> {
  const ctx = await createTestContext({ ...opts, env: { OTP_RESEND_SECONDS: '0', ...opts.env } });
  await seedDemo(ctx.platform, ctx.services);
  const send = injectSender(ctx.app);
  const definition = async (code: string) => (await ctx.services.products.getOnSale(code)).definition;
  return Object.assign(ctx, {
    send,
    definition,
    buy: (input: JourneyInput) => buyPolicy(send, input, { deliverNotifications: () => ctx.deliverNotifications(), definition }),
  });
}
