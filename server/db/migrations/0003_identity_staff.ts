import { sql, type Kysely } from 'kysely';

/**
 * Identity and staff security (M§33, M§38, 等保三级):
 * - `otp_challenges.superseded_at`: sending a new code kills the previous one for the same purpose and subject.
 * - `staff_accounts.totp_last_step`: the last TOTP time step accepted, so a used one-time password cannot be replayed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table otp_challenges add column superseded_at timestamptz;
    alter table staff_accounts add column totp_last_step bigint;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table otp_challenges drop column superseded_at;
    alter table staff_accounts drop column totp_last_step;
  `.execute(db);
}
