import type { DbOrTrx, Trx } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';
import type { SealScope } from '../../platform/subject-keys.js';

/** What the sale needs of the one-time-code service (M§33). */
export interface OtpPort {
  sendCode(
    actor: Actor,
    i: { purpose: string; subjectRef: string; phone: string; scope?: SealScope },
  ): Promise<{ challengeId: string; expiresAt: Date; maskedPhone: string }>;
  verifyCode(actor: Actor, i: { purpose: string; subjectRef: string; code: string }): Promise<{ challengeId: string }>;
}

/** What the sale needs of the payment service (M§19, M§40). */
export interface PaymentPort {
  openOrder(
    trx: Trx,
    i: { applicationId: string; amountFen: number; expectedPayer: { name: string; idNumber: string }; description: string },
  ): Promise<{ orderId: string; payUrl: string; expiresAt: Date }>;
  refundOrder(trx: Trx, i: { orderId: string; policyId: string; amountFen: number; reason: string }): Promise<{ refundId: string }>;
}

/**
 * What the sale needs of the policies (M§18, the cumulative limit): the sum insured of each in-force policy of the
 * insured of a blind index, with its product version. A port, because policies are issued from the sale.
 */
export type InForceCover = (db: DbOrTrx, insuredIdIndex: string) => Promise<Array<{ product_version_id: string; sum_insured_fen: number }>>;
