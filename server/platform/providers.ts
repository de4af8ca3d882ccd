/**
 * Interfaces to the outside world. Each has a development implementation that behaves like the real thing, so
 * the whole platform runs and is tested on one machine; production plugs in a real provider behind the same shape.
 */

export interface SmsMessage {
  phone: string;
  /** Template code, as an SMS gateway registers them: `otp`, `policy_issued` … */
  template: string;
  params: Record<string, string>;
  /** The rendered text the consumer receives. */
  body: string;
}

export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage, at: Date): Promise<{ providerMessageId: string }>;
}

export interface FaceComparisonRequest {
  /** The person claimed: compared against the authoritative photo of this ID (公安 photo in production). */
  idNumber: string;
  name: string;
  /** The live capture, base64. */
  imageBase64: string;
}

export interface FaceComparisonResult {
  passed: boolean;
  /** 0..1 similarity as the provider reports it. */
  score: number;
  providerRef: string;
}

export interface FaceProvider {
  readonly name: string;
  compare(req: FaceComparisonRequest): Promise<FaceComparisonResult>;
}

/** What the platform asks a payment gateway to collect. */
export interface PaymentRequest {
  orderId: string;
  amountFen: number;
  /** M§19: the insurer's dedicated premium account. */
  payeeAccountNo: string;
  /** M§40: the gateway collects only from an account in this person's own name (实名支付). */
  expectedPayer: { name: string; idNumber: string };
  description: string;
  expiresAt: Date;
}

export interface PaymentProvider {
  readonly name: string;
  /** Opens the order at the gateway; returns where the consumer goes to pay. */
  createPayment(req: PaymentRequest): Promise<{ payUrl: string; providerOrderRef: string }>;
  /** Gateway query API: the gateway's own view of an order. */
  queryPayment(orderId: string): Promise<{ status: 'pending' | 'paid' | 'refunded' | 'closed' | 'unknown'; paidFen?: number }>;
  /** Sends money back to the account it came from. */
  refund(req: {
    orderId: string;
    /** The merchant's refund id: a gateway refunds each id at most once, so a retried refund is safe. */
    refundId: string;
    amountFen: number;
    reason: string;
    /** The gateway transaction the money came in on; when absent, the order's paid transaction. */
    providerTxnId?: string;
  }): Promise<{ providerRef: string }>;
  /**
   * Verifies a notification's signature and parses it. Returns null when the signature or the shape is wrong:
   * a forged notification must change nothing.
   */
  verifyNotification(body: string, headers: Record<string, string | string[] | undefined>): PaymentNotification | null;
}

export interface PaymentNotification {
  providerTxnId: string;
  orderId: string;
  status: 'paid' | 'refused';
  amountFen: number;
  payeeAccountNo: string;
  /** The paying account and its holder as the gateway saw them (name and ID as blind-index-able plaintext). */
  payer: { accountNo: string; name: string; idNumber: string };
  paidAt: Date;
}
