import { sql, type Kysely } from 'kysely';

/**
 * Electronic policies and invoices (M§22) and public verification (M§12(6)).
 *
 * - `invoices`: one electronic invoice per premium payment, its tax fields as data.
 * - `policy_documents`: every signed PDF ever issued, byte for byte, with its content hash; append-only like the
 *   ledger (a new rendering is a new version, never an overwrite).
 * - `verification_attempts`: the public verification's rate limit, per client and per policy number (hashed).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create sequence invoice_number_seq;

    create table invoices (
      id text primary key,
      invoice_number text not null unique,
      payment_order_id text not null unique references payment_orders(id),
      policy_id text not null references policies(id),
      buyer_name_cipher text not null,
      seller_name text not null,
      seller_tax_id text not null,
      item_name text not null,
      amount_fen bigint not null check (amount_fen > 0),
      amount_excl_tax_fen bigint not null,
      tax_rate_bp integer not null check (tax_rate_bp >= 0),
      tax_fen bigint not null,
      tax_exempt boolean not null,
      issued_at timestamptz not null,
      constraint invoices_amounts_add_up check (amount_excl_tax_fen + tax_fen = amount_fen)
    );
    create index invoices_by_policy on invoices (policy_id);

    create table policy_documents (
      id text primary key,
      policy_id text not null references policies(id),
      kind text not null check (kind in ('e_policy', 'invoice')),
      invoice_id text references invoices(id),
      version integer not null check (version >= 1),
      content_hash text not null,
      pdf bytea not null,
      signer_certificate_sha256 text not null,
      sealed_by_tree_size bigint,
      created_at timestamptz not null,
      constraint policy_documents_invoice_kind check ((kind = 'invoice') = (invoice_id is not null))
    );
    create unique index policy_documents_version on policy_documents (policy_id, kind, coalesce(invoice_id, ''), version);
    create trigger policy_documents_no_change before update or delete on policy_documents for each row execute function ledger_append_only();
    create trigger policy_documents_no_truncate before truncate on policy_documents for each statement execute function ledger_append_only();

    create table verification_attempts (
      id bigserial primary key,
      client_key text not null,
      number_key text not null,
      genuine boolean not null,
      at timestamptz not null
    );
    create index verification_attempts_by_client on verification_attempts (client_key, at);
    create index verification_attempts_by_number on verification_attempts (number_key, at);
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Issued documents are never migrated down');
}
