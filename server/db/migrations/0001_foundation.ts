import { sql, type Kysely } from 'kysely';

/**
 * The foundation: events, text versions, identity and staff, products, the sale from quote to policy, payments.
 * Personal data columns hold ciphertext (`*_cipher`) and keyed blind indexes (`*_index`) only (M§38).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Every consumer-visible step and every decision, written in the transaction of the change it records.
    create table events (
      id text primary key,
      seq bigserial not null unique,
      type text not null,
      actor_type text not null,
      actor_id text,
      subject_type text not null,
      subject_id text not null,
      payload jsonb not null default '{}'::jsonb,
      text_version_id text,
      created_at timestamptz not null
    );
    create index events_subject_idx on events (subject_type, subject_id, seq);

    -- Every text or page a consumer is shown, by content hash; events name the exact version shown.
    create table text_versions (
      id text primary key,
      kind text not null,
      ref text not null,
      locale text not null default 'zh-CN',
      title text not null,
      content text not null,
      content_hash text not null,
      online_at timestamptz not null,
      offline_at timestamptz,
      created_at timestamptz not null,
      unique (kind, ref, content_hash)
    );

    create table sms_outbox (
      id text primary key,
      phone_index text not null,
      phone_cipher text not null,
      template text not null,
      body_cipher text not null,
      provider text not null,
      sent_at timestamptz not null
    );
    create index sms_outbox_phone_idx on sms_outbox (phone_index, sent_at desc);

    create table otp_challenges (
      id text primary key,
      purpose text not null,
      subject_ref text not null,
      phone_index text not null,
      code_hash text not null,
      attempts int not null default 0,
      max_attempts int not null,
      expires_at timestamptz not null,
      consumed_at timestamptz,
      created_at timestamptz not null
    );
    create index otp_challenges_subject_idx on otp_challenges (purpose, subject_ref, created_at desc);
    create index otp_challenges_phone_idx on otp_challenges (phone_index, created_at desc);

    create table consumers (
      id text primary key,
      phone_index text not null unique,
      phone_cipher text not null,
      created_at timestamptz not null
    );
    create table consumer_sessions (
      id text primary key,
      consumer_id text not null references consumers(id),
      token_hash text not null unique,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      revoked_at timestamptz
    );

    create table staff_accounts (
      id text primary key,
      username text not null unique,
      display_name text not null,
      password_hash text not null,
      totp_secret_cipher text not null,
      roles text[] not null,
      failed_logins int not null default 0,
      locked_until timestamptz,
      last_login_at timestamptz,
      disabled_at timestamptz,
      created_at timestamptz not null
    );
    create table staff_sessions (
      id text primary key,
      staff_id text not null references staff_accounts(id),
      token_hash text not null unique,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      revoked_at timestamptz
    );

    create table products (
      id text primary key,
      code text not null unique,
      name text not null,
      created_at timestamptz not null
    );
    create table product_versions (
      id text primary key,
      product_id text not null references products(id),
      version int not null,
      status text not null check (status in ('draft', 'published', 'withdrawn')),
      definition jsonb not null,
      definition_hash text not null,
      created_by text,
      created_at timestamptz not null,
      published_at timestamptz,
      published_by text,
      withdrawn_at timestamptz,
      unique (product_id, version)
    );
    create unique index product_versions_one_published on product_versions (product_id) where status = 'published';

    create table quotes (
      id text primary key,
      product_version_id text not null references product_versions(id),
      options jsonb not null,
      premium_fen bigint not null check (premium_fen >= 0),
      expires_at timestamptz not null,
      created_at timestamptz not null
    );

    create table applications (
      id text primary key,
      consumer_id text not null references consumers(id),
      quote_id text not null references quotes(id),
      product_version_id text not null references product_versions(id),
      status text not null,
      premium_fen bigint not null check (premium_fen >= 0),
      sum_insured_fen bigint not null check (sum_insured_fen >= 0),
      term_years int not null,
      payment_mode text not null,
      insured_relationship text not null,
      beneficiary_designation text not null,
      suitability jsonb,
      underwriting_outcome text,
      created_at timestamptz not null,
      submitted_at timestamptz,
      referred_at timestamptz,
      declined_at timestamptz,
      accepted_at timestamptz,
      signed_at timestamptz,
      paid_at timestamptz,
      issued_at timestamptz,
      identity_verified_at timestamptz,
      insured_identity_verified_at timestamptz
    );
    create index applications_consumer_idx on applications (consumer_id, created_at desc);
    create index applications_status_idx on applications (status, referred_at);

    create table parties (
      id text primary key,
      application_id text not null references applications(id),
      role text not null check (role in ('policyholder', 'insured', 'beneficiary')),
      position int not null default 0,
      name_cipher text not null,
      id_number_cipher text not null,
      id_number_index text not null,
      phone_cipher text,
      phone_index text,
      birth_date date not null,
      gender text not null check (gender in ('M', 'F')),
      relationship_to_insured text,
      share_bp int,
      unique (application_id, role, position)
    );
    create index parties_id_number_idx on parties (id_number_index);

    create table text_displays (
      application_id text not null references applications(id),
      text_version_id text not null references text_versions(id),
      displayed_at timestamptz not null,
      primary key (application_id, text_version_id)
    );

    create table consents (
      id text primary key,
      application_id text not null references applications(id),
      kind text not null,
      given_by text not null,
      text_version_id text not null references text_versions(id),
      displayed_at timestamptz not null,
      given_at timestamptz not null,
      interaction jsonb not null,
      unique (application_id, kind, given_by)
    );

    -- Each answer is recorded as given; answering again adds a row and the latest counts.
    create table answers (
      id text primary key,
      application_id text not null references applications(id),
      questionnaire_code text not null,
      item_code text not null,
      answer_cipher text not null,
      text_version_id text not null references text_versions(id),
      answered_at timestamptz not null
    );
    create index answers_application_idx on answers (application_id, questionnaire_code, item_code, answered_at desc);

    create table identity_verifications (
      id text primary key,
      application_id text not null references applications(id),
      party_role text not null,
      method text not null,
      result text not null check (result in ('passed', 'failed')),
      evidence jsonb not null,
      verified_at timestamptz not null
    );
    create index identity_verifications_app_idx on identity_verifications (application_id);

    create table underwriting_decisions (
      id text primary key,
      application_id text not null references applications(id),
      source text not null check (source in ('rules', 'underwriter')),
      outcome text not null check (outcome in ('accept', 'decline', 'refer')),
      reasons jsonb not null,
      decided_by text,
      decided_at timestamptz not null
    );
    create index underwriting_decisions_app_idx on underwriting_decisions (application_id, decided_at);

    create table signatures (
      id text primary key,
      application_id text not null references applications(id),
      signer_role text not null check (signer_role in ('policyholder', 'insured')),
      document_text_version_id text not null references text_versions(id),
      document_hash text not null,
      identity_method text not null,
      signed_at timestamptz not null,
      client_ip text,
      user_agent text,
      unique (application_id, signer_role)
    );

    create table payment_orders (
      id text primary key,
      application_id text not null references applications(id),
      amount_fen bigint not null check (amount_fen > 0),
      payee_account_no text not null,
      provider text not null,
      status text not null check (status in ('pending', 'paid', 'refused', 'expired')),
      payer_account_cipher text,
      payer_account_index text,
      refused_reason text,
      expires_at timestamptz not null,
      created_at timestamptz not null,
      paid_at timestamptz,
      refused_at timestamptz,
      expired_at timestamptz
    );
    create index payment_orders_app_idx on payment_orders (application_id);
    create index payment_orders_pending_idx on payment_orders (expires_at) where status = 'pending';

    -- Idempotency: one row per provider transaction; a duplicate notification finds it and changes nothing.
    create table payment_notifications (
      id text primary key,
      provider text not null,
      provider_txn_id text not null,
      order_id text not null references payment_orders(id),
      outcome text not null,
      body_hash text not null,
      received_at timestamptz not null,
      unique (provider, provider_txn_id)
    );

    create table refunds (
      id text primary key,
      order_id text not null references payment_orders(id),
      policy_id text,
      amount_fen bigint not null check (amount_fen >= 0),
      reason text not null,
      status text not null check (status in ('requested', 'completed', 'failed')),
      to_account_cipher text,
      provider_ref text,
      requested_at timestamptz not null,
      completed_at timestamptz
    );
    create index refunds_order_idx on refunds (order_id);

    create sequence policy_number_seq;
    create table policies (
      id text primary key,
      policy_number text not null unique,
      application_id text not null unique references applications(id),
      product_version_id text not null references product_versions(id),
      consumer_id text not null references consumers(id),
      insured_id_index text not null,
      status text not null,
      premium_fen bigint not null,
      sum_insured_fen bigint not null,
      term_years int not null,
      payment_mode text not null,
      effective_date date not null,
      end_date date not null,
      cooling_off_end_date date not null,
      waiting_period_end_date date,
      issued_at timestamptz not null,
      received_at timestamptz not null,
      effective_at timestamptz not null,
      cancelled_at timestamptz,
      void_from_start boolean not null default false
    );
    create index policies_consumer_idx on policies (consumer_id, issued_at desc);
    create index policies_insured_idx on policies (insured_id_index) where status = 'in_force';

    create table cancellations (
      id text primary key,
      policy_id text not null unique references policies(id),
      kind text not null check (kind in ('cooling_off')),
      premium_fen bigint not null,
      cost_fen bigint not null,
      refund_fen bigint not null,
      refund_id text not null references refunds(id),
      requested_at timestamptz not null
    );

    -- The development payment gateway stands in for an external provider; it keeps its own books.
    create table dev_gateway_transactions (
      id text primary key,
      merchant_order_id text not null unique,
      amount_fen bigint not null,
      payee_account_no text not null,
      notify_url text,
      status text not null,
      payer_name_cipher text,
      payer_id_number_cipher text,
      payer_account_cipher text,
      created_at timestamptz not null,
      paid_at timestamptz,
      refunded_fen bigint not null default 0
    );
  `.execute(db);

  // A published product version never changes (M§14): the database itself refuses, not only the service.
  await sql`
    create function product_versions_immutable() returns trigger language plpgsql as $$
    begin
      if old.status <> 'draft' and (new.definition is distinct from old.definition or new.definition_hash is distinct from old.definition_hash or new.version is distinct from old.version) then
        raise exception 'product version % is published and never changes', old.id using errcode = 'check_violation';
      end if;
      return new;
    end $$;
    create trigger product_versions_immutable before update on product_versions
      for each row execute function product_versions_immutable();
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('The foundation migration is not reversible');
}
