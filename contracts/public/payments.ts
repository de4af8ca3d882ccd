import { z } from 'zod';

/** A payment gateway's notification: the raw body, since the signature covers its exact bytes. */
export const gatewayNotificationBody = z.string().max(65_536);
export const gatewayNotificationAck = z.object({ result: z.literal('success') }).meta({ id: 'GatewayNotificationAck' });
