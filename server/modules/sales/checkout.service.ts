import type { Db } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import type { PiiCipher } from '../../platform/pii.js';
import { loadOwnedApplication } from './application.service.js';
import type { PaymentPort } from './ports.js';

/** Opens the payment of a signed application: the premium goes to the dedicated premium account (M§19). */
export function createCheckoutService(deps: { db: Db; clock: Clock; pii: PiiCipher; payments: PaymentPort }) {
  const { db, clock, pii } = deps;

  async function openPayment(actor: Actor, applicationId: string) {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      const { app, product } = await loadOwnedApplication(trx, actor, applicationId, true);
      if (app.status !== 'awaiting_payment') throw new AppError('INVALID_STATE', `An application in status ${app.status} cannot be paid`);
      const holder = await trx
        .selectFrom('parties')
        .selectAll()
        .where('application_id', '=', app.id)
        .where('role', '=', 'policyholder')
        .executeTakeFirstOrThrow();
      const order = await deps.payments.openOrder(trx, {
        applicationId: app.id,
        amountFen: app.premium_fen,
        // M§40: only the policyholder's own account may pay.
        expectedPayer: { name: pii.decrypt('name', holder.name_cipher), idNumber: pii.decrypt('id_number', holder.id_number_cipher) },
        description: `${product.definition.promotionalName} 保险费`,
      });
      void now;
      return { orderId: order.orderId, payUrl: order.payUrl, amountFen: app.premium_fen, expiresAt: order.expiresAt };
    });
  }

  return { openPayment };
}
export type CheckoutService = ReturnType<typeof createCheckoutService>;
