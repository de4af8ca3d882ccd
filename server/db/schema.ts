import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * `true` only when A and B are the same union. A module that lists a column's values (statuses, methods) checks the
 * list with it both ways — nothing listed the column refuses, nothing the column allows left out:
 * `const _listIsColumn: SameUnion<ApplicationStatus, Row<'applications'>['status']> = true;`
 */
export type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type Json = ColumnType<unknown, string | unknown, string | unknown>;
type Ts = Date;

export interface EventsTable {
  id: string;
  seq: Generated<number>;
  type: string;
  actor_type: string;
  actor_id: string | null;
  subject_type: string;
  subject_id: string;
  payload: Json;
  text_version_id: string | null;
  created_at: Ts;
}
export interface TextVersionsTable {
  id: string;
  kind: string;
  ref: string;
  locale: Generated<string>;
  title: string;
  content: string;
  content_hash: string;
  online_at: Ts;
  created_at: Ts;
}
/** When a page version stopped being shown; inserted once, never changed. */
export interface TextVersionOfflineTable {
  text_version_id: string;
  offline_at: Ts;
}
export interface SmsOutboxTable {
  id: string;
  phone_index: string;
  phone_cipher: string;
  template: string;
  body_cipher: string;
  provider: string;
  sent_at: Ts;
}
export interface OtpChallengesTable {
  id: string;
  purpose: string;
  subject_ref: string;
  phone_index: string;
  code_hash: string;
  attempts: Generated<number>;
  max_attempts: number;
  expires_at: Ts;
  consumed_at: Ts | null;
  created_at: Ts;
  /** 0003: a newer code for the same purpose and subject was sent; this one is dead. */
  superseded_at: Ts | null;
}
export interface ConsumersTable {
  id: string;
  phone_index: string;
  phone_cipher: string;
  created_at: Ts;
}
export interface ConsumerSessionsTable {
  id: string;
  consumer_id: string;
  token_hash: string;
  created_at: Ts;
  expires_at: Ts;
  revoked_at: Ts | null;
}
export interface StaffAccountsTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  totp_secret_cipher: string;
  roles: string[];
  failed_logins: Generated<number>;
  locked_until: Ts | null;
  last_login_at: Ts | null;
  disabled_at: Ts | null;
  created_at: Ts;
  /** 0003: the last TOTP step accepted; a step at or below it is a replay. */
  totp_last_step: number | null;
}
export interface StaffSessionsTable {
  id: string;
  staff_id: string;
  token_hash: string;
  created_at: Ts;
  last_seen_at: Ts;
  revoked_at: Ts | null;
}
export interface ProductsTable {
  id: string;
  code: string;
  name: string;
  created_at: Ts;
}
export interface ProductVersionsTable {
  id: string;
  product_id: string;
  version: number;
  status: 'draft' | 'published' | 'withdrawn';
  definition: Json;
  definition_hash: string;
  created_by: string | null;
  created_at: Ts;
  published_at: Ts | null;
  published_by: string | null;
  withdrawn_at: Ts | null;
}
export interface QuotesTable {
  id: string;
  product_version_id: string;
  options: Json;
  premium_fen: number;
  expires_at: Ts;
  created_at: Ts;
}
export interface ApplicationsTable {
  id: string;
  consumer_id: string;
  quote_id: string;
  product_version_id: string;
  /** `applicationStatuses` in modules/sales/application.ts lists these and is checked against them. */
  status: 'draft' | 'referred' | 'declined' | 'awaiting_signature' | 'awaiting_payment' | 'issued';
  premium_fen: number;
  sum_insured_fen: number;
  term_years: number;
  payment_mode: string;
  insured_relationship: string;
  beneficiary_designation: string;
  suitability: Json | null;
  underwriting_outcome: string | null;
  created_at: Ts;
  submitted_at: Ts | null;
  referred_at: Ts | null;
  declined_at: Ts | null;
  accepted_at: Ts | null;
  signed_at: Ts | null;
  paid_at: Ts | null;
  issued_at: Ts | null;
  identity_verified_at: Ts | null;
  insured_identity_verified_at: Ts | null;
}
export interface PartiesTable {
  id: string;
  application_id: string;
  role: 'policyholder' | 'insured' | 'beneficiary';
  position: Generated<number>;
  name_cipher: string;
  id_number_cipher: string;
  id_number_index: string;
  phone_cipher: string | null;
  phone_index: string | null;
  birth_date: string;
  gender: 'M' | 'F';
  relationship_to_insured: string | null;
  share_bp: number | null;
}
export interface TextDisplaysTable {
  application_id: string;
  text_version_id: string;
  displayed_at: Ts;
}
export interface ConsentsTable {
  id: string;
  application_id: string;
  kind: string;
  given_by: string;
  text_version_id: string;
  displayed_at: Ts;
  given_at: Ts;
  interaction: Json;
}
export interface AnswersTable {
  id: string;
  application_id: string;
  questionnaire_code: string;
  item_code: string;
  answer_cipher: string;
  text_version_id: string;
  answered_at: Ts;
}
export interface IdentityVerificationsTable {
  id: string;
  application_id: string;
  party_role: string;
  method: 'id_checksum' | 'sms_otp' | 'face';
  result: 'passed' | 'failed';
  evidence: Json;
  verified_at: Ts;
}
export interface UnderwritingDecisionsTable {
  id: string;
  application_id: string;
  source: 'rules' | 'underwriter';
  outcome: 'accept' | 'decline' | 'refer';
  reasons: Json;
  decided_by: string | null;
  decided_at: Ts;
}
export interface SignaturesTable {
  id: string;
  application_id: string;
  signer_role: 'policyholder' | 'insured';
  document_text_version_id: string;
  document_hash: string;
  identity_method: string;
  signed_at: Ts;
  client_ip: string | null;
  user_agent: string | null;
}
export interface PaymentOrdersTable {
  id: string;
  application_id: string;
  amount_fen: number;
  payee_account_no: string;
  provider: string;
  status: 'pending' | 'paid' | 'refused' | 'expired';
  payer_account_cipher: string | null;
  payer_account_index: string | null;
  refused_reason: string | null;
  expires_at: Ts;
  created_at: Ts;
  paid_at: Ts | null;
  refused_at: Ts | null;
  expired_at: Ts | null;
  /** 0004_payments */
  pay_url: ColumnType<string | null, string | null | undefined, string | null>;
  provider_order_ref: ColumnType<string | null, string | null | undefined, string | null>;
  paid_txn_id: ColumnType<string | null, string | null | undefined, string | null>;
}
export interface PaymentNotificationsTable {
  id: string;
  provider: string;
  provider_txn_id: string;
  order_id: string;
  outcome: string;
  body_hash: string;
  received_at: Ts;
}
export interface RefundsTable {
  id: string;
  order_id: string;
  policy_id: string | null;
  amount_fen: number;
  reason: string;
  status: 'requested' | 'completed' | 'failed';
  to_account_cipher: string | null;
  provider_ref: string | null;
  requested_at: Ts;
  completed_at: Ts | null;
  /** 0004_payments */
  provider_txn_id: ColumnType<string | null, string | null | undefined, string | null>;
  failure_reason: ColumnType<string | null, string | null | undefined, string | null>;
}
export interface PoliciesTable {
  id: string;
  policy_number: string;
  application_id: string;
  product_version_id: string;
  consumer_id: string;
  insured_id_index: string;
  /** `policyStatuses` in modules/policies/policy.ts. */
  status: 'in_force' | 'cancelled_in_cooling_off' | 'cancelled_for_misselling';
  premium_fen: number;
  sum_insured_fen: number;
  term_years: number;
  payment_mode: string;
  effective_date: string;
  end_date: string;
  cooling_off_end_date: string;
  waiting_period_end_date: string | null;
  issued_at: Ts;
  received_at: Ts;
  effective_at: Ts;
  cancelled_at: Ts | null;
  void_from_start: Generated<boolean>;
}
export interface CancellationsTable {
  id: string;
  policy_id: string;
  kind: 'cooling_off' | 'misselling';
  premium_fen: number;
  cost_fen: number;
  refund_fen: number;
  refund_id: string;
  requested_at: Ts;
}
export interface DevGatewayTransactionsTable {
  id: string;
  merchant_order_id: string;
  amount_fen: number;
  payee_account_no: string;
  notify_url: string | null;
  /** As stored; the gateway's view adds `refunded` (modules/payments/dev-gateway.provider.ts). */
  status: 'pending' | 'paid' | 'closed';
  payer_name_cipher: string | null;
  payer_id_number_cipher: string | null;
  payer_account_cipher: string | null;
  created_at: Ts;
  paid_at: Ts | null;
  refunded_fen: Generated<number>;
  /** 0004_payments */
  description: ColumnType<string | null, string | null | undefined, string | null>;
  expires_at: ColumnType<Ts | null, Ts | null | undefined, Ts | null>;
}
/** 0004_payments: the development gateway's refunds, idempotent by the merchant's refund id. */
export interface DevGatewayRefundsTable {
  id: string;
  txn_id: string;
  merchant_refund_id: string;
  amount_fen: number;
  reason: string;
  created_at: Ts;
}

/** 0008_callbacks: the electronic callback (CB). Cases, tasks and problems change status; every other table is append-only. */
export interface CallbackCasesTable {
  id: string;
  policy_id: string;
  application_id: string;
  consumer_id: string;
  product_version_id: string;
  product_code: string;
  product_line: string;
  channel: string;
  new_type: boolean;
  face_required: boolean;
  basis: 'term_over_one_year' | 'product_opt_in';
  /** `caseStatuses` and `callbackMethods` in modules/callbacks/callback.ts. */
  status:
    | 'awaiting_electronic'
    | 'electronic_in_progress'
    | 'phone_pending'
    | 'letter_pending'
    | 'succeeded'
    | 'failed'
    | 'closed_policy_cancelled';
  method: 'electronic' | 'phone' | 'letter' | 'visit' | null;
  deadline_date: string;
  deadline_at: Ts;
  fallback_at: Ts;
  opened_at: Ts;
  notified_at: Ts | null;
  notice_message_id: string | null;
  started_at: Ts | null;
  identity_verified_at: Ts | null;
  phone_requested_at: Ts | null;
  phone_task_at: Ts | null;
  letter_task_at: Ts | null;
  succeeded_at: Ts | null;
  failed_at: Ts | null;
  closed_at: Ts | null;
  close_reason: string | null;
}
export interface CallbackTasksTable {
  id: string;
  case_id: string;
  kind: 'phone' | 'letter_visit';
  reason: string;
  status: 'open' | 'succeeded' | 'failed' | 'closed';
  opened_at: Ts;
  due_at: Ts;
  assigned_to: string | null;
  assigned_at: Ts | null;
  ended_at: Ts | null;
  end_reason: string | null;
}
export interface CallbackAttemptsTable {
  id: string;
  case_id: string;
  task_id: string | null;
  method: 'electronic' | 'phone' | 'letter' | 'visit';
  started_at: Ts;
  started_by_type: string;
  started_by_id: string | null;
}
export interface CallbackAttemptOutcomesTable {
  attempt_id: string;
  outcome: string;
  reason: string | null;
  media_id: string | null;
  closing_text_version_id: string | null;
  closing_confirmed_at: Ts | null;
  ended_at: Ts;
  ended_by_type: string;
  ended_by_id: string | null;
}
export interface CallbackIdentityChecksTable {
  id: string;
  case_id: string;
  attempt_id: string;
  method: 'sms_code' | 'id_number' | 'face';
  result: 'passed' | 'failed';
  reason: string | null;
  evidence: Json;
  checked_at: Ts;
}
export interface CallbackItemDisplaysTable {
  id: string;
  case_id: string;
  attempt_id: string | null;
  task_id: string | null;
  item_code: string;
  text_version_id: string;
  shown_to: 'policyholder' | 'agent';
  displayed_at: Ts;
}
export interface CallbackAnswersTable {
  id: string;
  case_id: string;
  attempt_id: string;
  item_code: string;
  position: number;
  answer: 'yes' | 'no' | 'unsure';
  text_version_id: string;
  method: 'electronic' | 'phone' | 'letter' | 'visit';
  recorded_by_type: string;
  recorded_by_id: string | null;
  displayed_at: Ts | null;
  answered_at: Ts;
}
export interface CallbackMediaBlobsTable {
  sha256: string;
  media_type: string;
  size_bytes: number;
  content: Buffer;
  stored_at: Ts;
}
export interface CallbackMediaTable {
  id: string;
  case_id: string;
  kind: 'call_recording' | 'signed_receipt';
  sha256: string;
  uploaded_by: string;
  uploaded_at: Ts;
}
export interface CallbackProblemsTable {
  id: string;
  case_id: string;
  policy_id: string;
  kind: 'negative_answer' | 'unsure_answer' | 'policy_not_received' | 'signature_not_own';
  item_code: string;
  answer_id: string;
  status: 'open' | 'awaiting_customer' | 'closed';
  opened_at: Ts;
  assigned_to: string | null;
  assigned_at: Ts | null;
  resolution: 'explained_confirmed' | 'misselling' | null;
  resolved_at: Ts | null;
  resolved_by: string | null;
  closed_at: Ts | null;
  close_reason: string | null;
}
export interface CallbackProblemNotesTable {
  id: string;
  problem_id: string;
  kind: 'investigation' | 'phone_explanation' | 'resolution' | 'correction';
  body_cipher: string;
  media_id: string | null;
  corrects_note_id: string | null;
  author_id: string;
  created_at: Ts;
}
export interface CallbackMissellingFlagsTable {
  id: string;
  problem_id: string;
  case_id: string;
  policy_id: string;
  application_id: string;
  responsible_staff_ref: string | null;
  flagged_by: string;
  flagged_at: Ts;
}
export interface CallbackRefundOffersTable {
  id: string;
  problem_id: string;
  policy_id: string;
  amount_fen: number;
  offered_by: string;
  offered_at: Ts;
}
export interface CallbackRefundOfferAnswersTable {
  offer_id: string;
  answer: 'accepted' | 'declined';
  via: 'online' | 'phone';
  media_id: string | null;
  cancellation_id: string | null;
  answered_by_type: string;
  answered_by_id: string | null;
  answered_at: Ts;
}
export interface CallbackRefundOfferNoticesTable {
  offer_id: string;
  message_id: string;
  sent_at: Ts;
}
export interface CallbackFinalRecordsTable {
  case_id: string;
  outcome: 'failed';
  reasons: Json;
  recorded_at: Ts;
  recorded_by: string;
}
/** 0011_callback_sampling: quality sampling of callbacks (抽检) and the first-use report; every table append-only. */
export interface CallbackSamplingRulesTable {
  id: string;
  channel: string | null;
  product_code: string | null;
  /** numeric(7,6) as a decimal string; null: fall back to the broader rule. */
  rate: string | null;
  effective_from: Ts;
  reason: string;
  set_by: string;
  set_at: Ts;
}
export interface CallbackSamplingDrawsTable {
  case_id: string;
  outcome: 'succeeded' | 'failed';
  completed_at: Ts;
  rule_id: string | null;
  rate: string;
  draw_hex: string;
  key_id: string;
  selected: boolean;
  run_id: string;
  drawn_at: Ts;
}
export interface CallbackSamplesTable {
  id: string;
  case_id: string;
  checks: Json;
  created_at: Ts;
}
export interface CallbackSampleReviewsTable {
  id: string;
  sample_id: string;
  seq: number;
  kind: 'initial' | 'correction' | 're_review';
  previous_review_id: string | null;
  outcome: 'passed' | 'failed';
  findings_cipher: string | null;
  closes_sample: Generated<boolean>;
  reviewer_id: string;
  reviewed_at: Ts;
}
export interface CallbackSampleReviewItemsTable {
  review_id: string;
  item_code: string;
  computed: 'pass' | 'fail' | 'not_applicable' | 'manual';
  result: 'pass' | 'fail' | 'not_applicable';
  note_cipher: string | null;
}
export interface CallbackSampleReworksTable {
  id: string;
  sample_id: string;
  review_id: string;
  case_id: string;
  failed_items: string[];
  opened_at: Ts;
  due_at: Ts;
}
export interface CallbackSampleReworkCompletionsTable {
  rework_id: string;
  outcome: 'callback_redone' | 'evidence_supplemented' | 'problem_case_opened' | 'not_possible' | 'withdrawn_by_review';
  note_cipher: string | null;
  reference_id: string | null;
  completed_by: string;
  completed_at: Ts;
}
export interface CallbackReportsTable {
  id: string;
  kind: 'first_use';
  content: Json;
  content_sha256: string;
  pdf: Buffer;
  pdf_sha256: string;
  generated_by: string;
  generated_at: Ts;
}

export interface LedgerMetaTable {
  id: number;
  origin: string;
  hash_suite: 'sha256' | 'sm3';
  created_at: Ts;
}
export interface LedgerQueueTable {
  seq: Generated<number>;
  entry_id: string;
  entry: Buffer;
  ref_type: string;
  ref_id: string;
  queued_at: Ts;
}
export interface LedgerLeavesTable {
  leaf_index: number;
  entry_id: string;
  entry: Buffer;
  leaf_hash: Buffer;
  ref_type: string;
  ref_id: string;
  queued_at: Ts;
  sequenced_at: Ts;
}
export interface LedgerNodesTable {
  level: number;
  idx: number;
  hash: Buffer;
}
export interface LedgerTreeHeadsTable {
  tree_size: number;
  root_hash: Buffer;
  frontier: Buffer[];
  integrated_at: Ts;
}
export interface LedgerCheckpointsTable {
  tree_size: number;
  note: string;
  published_at: Ts;
}

export interface SubjectKeysTable {
  id: string;
  scope_type: string;
  scope_id: string;
  key_cipher: string | null;
  created_at: Ts;
  destroyed_at: Ts | null;
  destroyed_by: string | null;
  destroy_reason: string | null;
}
export interface DisputesTable {
  id: string;
  application_id: string;
  policy_id: string | null;
  kind: 'claim' | 'complaint' | 'litigation' | 'arbitration' | 'regulator_inquiry';
  reference: string;
  opened_at: Ts;
  opened_by: string;
  ended_at: Ts | null;
  ended_by: string | null;
}

export interface InvoicesTable {
  id: string;
  invoice_number: string;
  payment_order_id: string;
  policy_id: string;
  buyer_name_cipher: string;
  seller_name: string;
  seller_tax_id: string;
  item_name: string;
  amount_fen: ColumnType<number, number, number>;
  amount_excl_tax_fen: ColumnType<number, number, number>;
  tax_rate_bp: number;
  tax_fen: ColumnType<number, number, number>;
  tax_exempt: boolean;
  issued_at: Ts;
  kind: ColumnType<'blue' | 'red', 'blue' | 'red' | undefined, never>;
  original_invoice_id: string | null;
  refund_id: string | null;
}
export interface PolicyDocumentsTable {
  id: string;
  policy_id: string;
  kind: 'e_policy' | 'invoice';
  invoice_id: string | null;
  version: number;
  content_hash: string;
  pdf: Buffer;
  signer_certificate_sha256: string;
  sealed_by_tree_size: number | null;
  created_at: Ts;
}
export interface VerificationAttemptsTable {
  id: Generated<number>;
  client_key: string;
  number_key: string;
  genuine: boolean;
  at: Ts;
}

/** Work after commit, drained by workers (see server/platform/outbox.ts). */
export interface OutboxItemsTable {
  id: string;
  kind: 'e_policy' | 'invoice' | 'red_invoice' | 'callback_notice' | 'refund_offer_notice';
  subject_id: string;
  payload: ColumnType<Record<string, string>, string, string>;
  status: ColumnType<'pending' | 'done' | 'failed', 'pending' | 'done' | 'failed' | undefined, 'pending' | 'done' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: Ts;
  last_error: string | null;
  created_at: Ts;
  updated_at: Ts;
  done_at: Ts | null;
  failed_at: Ts | null;
}

export interface Database {
  outbox_items: OutboxItemsTable;
  invoices: InvoicesTable;
  policy_documents: PolicyDocumentsTable;
  verification_attempts: VerificationAttemptsTable;
  subject_keys: SubjectKeysTable;
  disputes: DisputesTable;
  ledger_meta: LedgerMetaTable;
  ledger_queue: LedgerQueueTable;
  ledger_leaves: LedgerLeavesTable;
  ledger_nodes: LedgerNodesTable;
  ledger_tree_heads: LedgerTreeHeadsTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  events: EventsTable;
  text_versions: TextVersionsTable;
  text_version_offline: TextVersionOfflineTable;
  sms_outbox: SmsOutboxTable;
  otp_challenges: OtpChallengesTable;
  consumers: ConsumersTable;
  consumer_sessions: ConsumerSessionsTable;
  staff_accounts: StaffAccountsTable;
  staff_sessions: StaffSessionsTable;
  products: ProductsTable;
  product_versions: ProductVersionsTable;
  quotes: QuotesTable;
  applications: ApplicationsTable;
  parties: PartiesTable;
  text_displays: TextDisplaysTable;
  consents: ConsentsTable;
  answers: AnswersTable;
  identity_verifications: IdentityVerificationsTable;
  underwriting_decisions: UnderwritingDecisionsTable;
  signatures: SignaturesTable;
  payment_orders: PaymentOrdersTable;
  payment_notifications: PaymentNotificationsTable;
  refunds: RefundsTable;
  policies: PoliciesTable;
  cancellations: CancellationsTable;
  dev_gateway_transactions: DevGatewayTransactionsTable;
  dev_gateway_refunds: DevGatewayRefundsTable;
  callback_cases: CallbackCasesTable;
  callback_tasks: CallbackTasksTable;
  callback_attempts: CallbackAttemptsTable;
  callback_attempt_outcomes: CallbackAttemptOutcomesTable;
  callback_identity_checks: CallbackIdentityChecksTable;
  callback_item_displays: CallbackItemDisplaysTable;
  callback_answers: CallbackAnswersTable;
  callback_media_blobs: CallbackMediaBlobsTable;
  callback_media: CallbackMediaTable;
  callback_problems: CallbackProblemsTable;
  callback_problem_notes: CallbackProblemNotesTable;
  callback_misselling_flags: CallbackMissellingFlagsTable;
  callback_refund_offers: CallbackRefundOffersTable;
  callback_refund_offer_answers: CallbackRefundOfferAnswersTable;
  callback_refund_offer_notices: CallbackRefundOfferNoticesTable;
  callback_final_records: CallbackFinalRecordsTable;
  callback_sampling_rules: CallbackSamplingRulesTable;
  callback_sampling_draws: CallbackSamplingDrawsTable;
  callback_samples: CallbackSamplesTable;
  callback_sample_reviews: CallbackSampleReviewsTable;
  callback_sample_review_items: CallbackSampleReviewItemsTable;
  callback_sample_reworks: CallbackSampleReworksTable;
  callback_sample_rework_completions: CallbackSampleReworkCompletionsTable;
  callback_reports: CallbackReportsTable;
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
