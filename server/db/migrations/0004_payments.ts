import { sql, type Kysely } from 'kysely';

/**
 * Payments (M§19, M§40): what the foundation left out.
 * - A payment order remembers where the consumer pays (`pay_url`) and which gateway transaction paid it, so refunds
 *   go back through the transaction the money came in on.
 * - A refund names the gateway transaction it returns money from (a late or second payment is refunded from its own).
 * - The development gateway keeps books like a real one: several payment attempts (transactions) per merchant order,
 *   an expiry after which it refuses to collect, and refunds idempotent by the merchant's refund id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table payment_orders add column pay_url text;
    alter table payment_orders add column provider_order_ref text;
    alter table payment_orders add column paid_txn_id text;

    alter table refunds add column provider_txn_id text;
    alter table refunds add column failure_reason text;
    create index refunds_requested_idx on refunds (requested_at) where status = 'requested';

    alter table dev_gateway_transactions drop constraint dev_gateway_transactions_merchant_order_id_key;
    create index dev_gateway_transactions_order_idx on dev_gateway_transactions (merchant_order_id, created_at);
    alter table dev_gateway_transactions add column description text;
    alter table dev_gateway_transactions add column expires_at timestamptz;

    create table dev_gateway_refunds (
      id text primary key,
      txn_id text not null references dev_gateway_transactions(id),
      merchant_refund_id text not null unique,
      amount_fen bigint not null check (amount_fen > 0),
      reason text not null,
      created_at timestamptz not null
    );
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0004_payments is not reversible');
}
