import { sql, type Kysely } from 'kysely';

/**
 * Red-letter invoices (红字发票): when premium goes back — a 犹豫期 cancellation, a mis-selling cancellation — the
 * invoice of that payment is offset by a negative invoice for the amount refunded, naming the original (blue) one.
 * A payment keeps one blue invoice; each refund gets at most one red one. Invoices become append-only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table invoices add column kind text not null default 'blue' check (kind in ('blue', 'red'));
    alter table invoices add column original_invoice_id text references invoices(id);
    alter table invoices add column refund_id text unique references refunds(id);
    alter table invoices drop constraint invoices_payment_order_id_key;
    create unique index invoices_one_blue_per_order on invoices (payment_order_id) where kind = 'blue';
    alter table invoices drop constraint invoices_amount_fen_check;
    alter table invoices add constraint invoices_kind_shape check (
      (kind = 'blue' and amount_fen > 0 and original_invoice_id is null and refund_id is null)
      or (kind = 'red' and amount_fen < 0 and original_invoice_id is not null and refund_id is not null)
    );
    -- An issued invoice is a tax record: corrected only by a red one, never changed or removed.
    create trigger invoices_no_change before update or delete on invoices for each row execute function ledger_append_only();
    create trigger invoices_no_truncate before truncate on invoices for each statement execute function ledger_append_only();
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Issued invoices are never migrated down');
}
