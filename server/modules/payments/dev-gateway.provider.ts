import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { payerInputBody } from '@wangbao/contracts/dev';
import type { Db } from '../../db/database.js';
import type { Row } from '../../db/schema.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { PaymentNotification, PaymentProvider, PaymentRequest } from '../../platform/providers.js';

export interface DevGatewayDeps {
  db: Db;
  pii: PiiCipher;
  clock: Clock;
  privateKeyPem: string;
  publicKeyPem: string;
  /** Base URL the consumer's browser reaches the gateway's payment page on. */
  baseUrl: string;
  /** Delivers a signed notification to the platform; by default an HTTP POST to the notify URL. */
  deliver?: (notification: { body: string; headers: Record<string, string> }) => Promise<void>;
}

export const GATEWAY_TIMESTAMP_HEADER = 'x-gateway-timestamp';
export const GATEWAY_SIGNATURE_HEADER = 'x-gateway-signature';
/** A notification signed longer ago than this is refused: a captured one cannot be replayed later. */
export const NOTIFICATION_MAX_AGE_MS = 10 * 60_000;
/** Clocks drift; a timestamp this far in the future is still accepted. */
const NOTIFICATION_MAX_SKEW_MS = 5 * 60_000;
/** Retries of the default HTTP delivery, as delays after the previous attempt. */
const DELIVERY_RETRY_DELAYS_MS = [0, 2_000, 10_000, 60_000, 300_000];

/** The notification body exactly as the gateway sends it. */
export const gatewayNotificationSchema = z.object({
  txnId: z.string().min(1).max(64),
  merchantOrderId: z.string().min(1).max(64),
  status: z.literal('paid'),
  amountFen: z.number().int().positive(),
  payeeAccountNo: z.string().min(1).max(40),
  payer: z.object({
    accountNo: z.string().min(1).max(40),
    name: z.string().min(1).max(100),
    idNumber: z.string().min(1).max(40),
  }),
  paidAt: z.iso.datetime(),
});
export type GatewayNotificationBody = z.infer<typeof gatewayNotificationSchema>;

/** What a payer types on the gateway's page: the contract's body, as the page sends it. */
export type PayerInput = z.output<typeof payerInputBody>;

/**
 * Signs a notification body the way the gateway does: Ed25519 over `${timestamp}.${body}`, timestamp in Unix
 * seconds. Exported so tests can play a gateway that sends what the page would never produce.
 */
export function signGatewayNotification(privateKey: KeyObject | string, body: string, at: Date): Record<string, string> {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}.${body}`, 'utf8'), key).toString('base64');
  return { 'content-type': 'application/json', [GATEWAY_TIMESTAMP_HEADER]: timestamp, [GATEWAY_SIGNATURE_HEADER]: signature };
}

/** A transaction as the gateway shows it: the stored status, or `refunded` once refunds reach the amount paid. */
export type GatewayTxnStatus = Row<'dev_gateway_transactions'>['status'] | 'refunded';

export interface GatewayTxnView {
  txnId: string;
  merchantOrderId: string;
  status: GatewayTxnStatus;
  amountFen: number;
  refundedFen: number;
  payeeAccountNo: string;
  description: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  paidAt: Date | null;
}

export interface DevPaymentGateway extends PaymentProvider {
  readonly name: 'dev-gateway';
  /** The gateway's view of one transaction (for its payment page); null when unknown. */
  describeTransaction(txnId: string): Promise<GatewayTxnView | null>;
  /** The payer pays on the gateway's page: recorded, marked paid, and the merchant is notified asynchronously. */
  pay(txnId: string, payer: PayerInput): Promise<GatewayTxnView>;
  /** Every transaction the gateway holds for a merchant order (its query API). */
  listTransactions(merchantOrderId: string): Promise<GatewayTxnView[]>;
}

export function isDevPaymentGateway(p: PaymentProvider): p is DevPaymentGateway {
  return p.name === 'dev-gateway' && typeof (p as Partial<DevPaymentGateway>).pay === 'function';
}

type TxnRow = {
  id: string;
  merchant_order_id: string;
  amount_fen: number;
  payee_account_no: string;
  status: Row<'dev_gateway_transactions'>['status'];
  description: string | null;
  created_at: Date;
  expires_at: Date | null;
  paid_at: Date | null;
  refunded_fen: number;
};

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
}

/**
 * The development payment gateway: an external system simulated in-process, with its own books
 * (`dev_gateway_transactions`, `dev_gateway_refunds`), a real HTML payment page, and Ed25519-signed asynchronous
 * notifications. Like a 实名支付 gateway it collects from the payer's own account, but it reports exactly what the
 * payer entered and checks nothing against the policyholder: that is the platform's job (M§40).
 */
export function createDevPaymentGateway(deps: DevGatewayDeps): DevPaymentGateway {
  const { db, pii, clock } = deps;
  const privateKey = createPrivateKey(deps.privateKeyPem);
  const publicKey = createPublicKey(deps.publicKeyPem);
  const notifyUrl = `${deps.baseUrl}/v1/payments/notifications/dev-gateway`;

  const view = (t: TxnRow, now: Date): GatewayTxnView => {
    let status: GatewayTxnStatus = t.status === 'paid' ? 'paid' : 'pending';
    if (t.status === 'paid' && t.refunded_fen >= t.amount_fen) status = 'refunded';
    if (t.status === 'pending' && t.expires_at && t.expires_at <= now) status = 'closed';
    if (t.status === 'closed') status = 'closed';
    return {
      txnId: t.id,
      merchantOrderId: t.merchant_order_id,
      status,
      amountFen: t.amount_fen,
      refundedFen: t.refunded_fen,
      payeeAccountNo: t.payee_account_no,
      description: t.description,
      createdAt: t.created_at,
      expiresAt: t.expires_at,
      paidAt: t.paid_at,
    };
  };

  const txnColumns = [
    'id',
    'merchant_order_id',
    'amount_fen',
    'payee_account_no',
    'status',
    'description',
    'created_at',
    'expires_at',
    'paid_at',
    'refunded_fen',
  ] as const;

  async function httpDeliver(body: string): Promise<void> {
    for (let attempt = 0; attempt < DELIVERY_RETRY_DELAYS_MS.length; attempt++) {
      await new Promise((r) => setTimeout(r, DELIVERY_RETRY_DELAYS_MS[attempt]).unref?.());
      try {
        // Each attempt is signed afresh, as a real gateway does, so a retry is never stale.
        const res = await fetch(notifyUrl, { method: 'POST', headers: signGatewayNotification(privateKey, body, clock.now()), body });
        if (res.ok) return;
      } catch {
        // The merchant is unreachable; try again later.
      }
    }
  }

  async function notify(body: string): Promise<void> {
    if (deps.deliver) {
      await deps.deliver({ body, headers: signGatewayNotification(privateKey, body, clock.now()) });
      return;
    }
    // Asynchronous like a real gateway: the payer's page does not wait for the merchant.
    void httpDeliver(body);
  }

  return {
    name: 'dev-gateway',

    async createPayment(req: PaymentRequest) {
      const now = clock.now();
      // Each call opens a new payment attempt (a gateway transaction) for the merchant order, as a consumer paying
      // through a second channel would; the gateway does not stop two attempts from both being paid.
      const id = newId('gw', now.getTime());
      await db
        .insertInto('dev_gateway_transactions')
        .values({
          id,
          merchant_order_id: req.orderId,
          amount_fen: req.amountFen,
          payee_account_no: req.payeeAccountNo,
          notify_url: notifyUrl,
          status: 'pending',
          description: req.description,
          created_at: now,
          expires_at: req.expiresAt,
        })
        .execute();
      return { payUrl: `${deps.baseUrl}/dev-gateway/pay/${id}`, providerOrderRef: id };
    },

    async describeTransaction(txnId) {
      const t = await db.selectFrom('dev_gateway_transactions').select(txnColumns).where('id', '=', txnId).executeTakeFirst();
      return t ? view(t, clock.now()) : null;
    },

    async listTransactions(merchantOrderId) {
      const rows = await db
        .selectFrom('dev_gateway_transactions')
        .select(txnColumns)
        .where('merchant_order_id', '=', merchantOrderId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const now = clock.now();
      return rows.map((r) => view(r, now));
    },

    async pay(txnId, payer) {
      const now = clock.now();
      const t = await db.selectFrom('dev_gateway_transactions').select(txnColumns).where('id', '=', txnId).executeTakeFirst();
      if (!t) throw new AppError('NOT_FOUND', 'No such gateway transaction');
      if (t.status !== 'pending') throw new AppError('INVALID_STATE', 'This transaction has already been paid');
      if (t.expires_at && t.expires_at <= now) throw new AppError('PAYMENT_ORDER_EXPIRED', 'The gateway closed this transaction');
      const updated = await db
        .updateTable('dev_gateway_transactions')
        .set({
          status: 'paid',
          paid_at: now,
          payer_name_cipher: pii.encrypt('name', payer.name),
          payer_id_number_cipher: pii.encrypt('id_number', payer.idNumber),
          payer_account_cipher: pii.encrypt('bank_account', payer.accountNo),
        })
        .where('id', '=', txnId)
        .where('status', '=', 'pending')
        .returning(txnColumns)
        .executeTakeFirst();
      if (!updated) throw new AppError('INVALID_STATE', 'This transaction has already been paid');
      const body: GatewayNotificationBody = {
        txnId: updated.id,
        merchantOrderId: updated.merchant_order_id,
        status: 'paid',
        amountFen: updated.amount_fen,
        payeeAccountNo: updated.payee_account_no,
        payer: { accountNo: payer.accountNo, name: payer.name, idNumber: payer.idNumber },
        paidAt: now.toISOString(),
      };
      await notify(JSON.stringify(body));
      return view(updated, now);
    },

    async queryPayment(orderId) {
      const rows = await db.selectFrom('dev_gateway_transactions').select(txnColumns).where('merchant_order_id', '=', orderId).execute();
      if (rows.length === 0) return { status: 'unknown' };
      const now = clock.now();
      const views = rows.map((r) => view(r, now));
      const paid = views.filter((v) => v.status === 'paid' || v.status === 'refunded');
      const paidFen = paid.reduce((s, v) => s + v.amountFen - v.refundedFen, 0);
      if (paid.some((v) => v.status === 'paid')) return { status: 'paid', paidFen };
      if (paid.length > 0) return { status: 'refunded', paidFen: 0 };
      if (views.some((v) => v.status === 'pending')) return { status: 'pending' };
      return { status: 'closed' };
    },

    async refund(req) {
      const now = clock.now();
      if (!Number.isSafeInteger(req.amountFen) || req.amountFen <= 0)
        throw new Error('gateway: refund amount must be a positive integer of fen');
      return db.transaction().execute(async (trx) => {
        const earlier = await trx
          .selectFrom('dev_gateway_refunds')
          .select(['id', 'amount_fen', 'txn_id'])
          .where('merchant_refund_id', '=', req.refundId)
          .executeTakeFirst();
        // Idempotent by the merchant's refund id: a retry gets the first answer.
        if (earlier) return { providerRef: earlier.id };
        let q = trx
          .selectFrom('dev_gateway_transactions')
          .select(['id', 'amount_fen', 'refunded_fen', 'status'])
          .where('merchant_order_id', '=', req.orderId)
          .where('status', '=', 'paid');
        if (req.providerTxnId) q = q.where('id', '=', req.providerTxnId);
        const txns = await q.orderBy('paid_at').forUpdate().execute();
        const [txn] = txns;
        if (!txn) throw new Error('gateway: no paid transaction to refund');
        if (!req.providerTxnId && txns.length > 1) throw new Error('gateway: several paid transactions; name the one to refund');
        // Never more than was paid, less earlier refunds.
        const done = await trx
          .updateTable('dev_gateway_transactions')
          .set((eb) => ({ refunded_fen: eb('refunded_fen', '+', req.amountFen) }))
          .where('id', '=', txn.id)
          .where((eb) => eb(eb('refunded_fen', '+', req.amountFen), '<=', eb.ref('amount_fen')))
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) throw new Error('gateway: refund exceeds the amount paid less earlier refunds');
        const id = newId('gw', now.getTime());
        await trx
          .insertInto('dev_gateway_refunds')
          .values({
            id,
            txn_id: txn.id,
            merchant_refund_id: req.refundId,
            amount_fen: req.amountFen,
            reason: req.reason.slice(0, 200),
            created_at: now,
          })
          .execute();
        return { providerRef: id };
      });
    },

    verifyNotification(body, headers): PaymentNotification | null {
      try {
        const timestamp = headerValue(headers, GATEWAY_TIMESTAMP_HEADER);
        const signature = headerValue(headers, GATEWAY_SIGNATURE_HEADER);
        if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return null;
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return null;
        const sig = Buffer.from(signature, 'base64');
        if (sig.length !== 64) return null;
        if (!verify(null, Buffer.from(`${timestamp}.${body}`, 'utf8'), publicKey, sig)) return null;
        const age = clock.now().getTime() - Number(timestamp) * 1000;
        if (age > NOTIFICATION_MAX_AGE_MS || age < -NOTIFICATION_MAX_SKEW_MS) return null;
        const parsed = gatewayNotificationSchema.safeParse(JSON.parse(body));
        if (!parsed.success) return null;
        const n = parsed.data;
        return {
          providerTxnId: n.txnId,
          orderId: n.merchantOrderId,
          status: n.status,
          amountFen: n.amountFen,
          payeeAccountNo: n.payeeAccountNo,
          payer: n.payer,
          paidAt: new Date(n.paidAt),
        };
      } catch {
        return null;
      }
    },
  };
}
