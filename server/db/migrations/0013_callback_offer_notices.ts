import { sql, type Kysely } from 'kysely';

/**
 * The policyholder is told by SMS of a mis-selling refund offer (CB: 发现销售误导的，应立即纠正): one row per offer
 * once its message has gone, append-only like the rest of the callback's records.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table callback_refund_offer_notices (
      offer_id text primary key references callback_refund_offers(id),
      message_id text not null,
      sent_at timestamptz not null
    );
    create trigger callback_refund_offer_notices_no_change before update or delete on callback_refund_offer_notices for each row execute function callback_append_only();
    create trigger callback_refund_offer_notices_no_truncate before truncate on callback_refund_offer_notices for each statement execute function callback_append_only();
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Callback records are never migrated down');
}
