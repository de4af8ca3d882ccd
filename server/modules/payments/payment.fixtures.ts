import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { newId } from '../../platform/ids.js';
import { newSessionToken } from '../../platform/sessions.js';
import type { PiiCipher } from '../../platform/pii.js';

/**
 * Test fixtures for payments: the minimal rows a payment order hangs off (consumer, product version, quote, an
 * application awaiting payment, its policyholder), inserted directly so these tests do not depend on the sale.
 */
export const POLICYHOLDER = { name: '王小明', idNumber: '11010519491231002X', phone: '13800138000' };

export async function buildAwaitingPaymentApplication(
  db: Db,
  pii: PiiCipher,
  opts: { at: Date; premiumFen?: number; holder?: { name: string; idNumber: string } },
): Promise<{ consumerId: string; applicationId: string; token: string; premiumFen: number }> {
  const at = opts.at;
  const premiumFen = opts.premiumFen ?? 35_800;
  const holder = opts.holder ?? POLICYHOLDER;
  const phone = `139${randomBytes(4).readUInt32BE() % 100_000_000}`.padEnd(11, '0');
  const consumerId = newId('csm', at.getTime());
  await db
    .insertInto('consumers')
    .values({ id: consumerId, phone_index: pii.blindIndex('phone', phone), phone_cipher: pii.encrypt('phone', phone), created_at: at })
    .execute();
  const session = newSessionToken('consumer');
  await db
    .insertInto('consumer_sessions')
    .values({
      id: newId('ses', at.getTime()),
      consumer_id: consumerId,
      token_hash: session.hash,
      created_at: at,
      expires_at: new Date(at.getTime() + 86_400_000),
      revoked_at: null,
    })
    .execute();
  const productId = newId('prd', at.getTime());
  await db
    .insertInto('products')
    .values({ id: productId, code: `P${randomBytes(4).toString('hex')}`, name: '测试意外险', created_at: at })
    .execute();
  const pvId = newId('pv', at.getTime());
  await db
    .insertInto('product_versions')
    .values({
      id: pvId,
      product_id: productId,
      version: 1,
      status: 'published',
      definition: JSON.stringify({ promotionalName: '测试意外险' }),
      definition_hash: randomBytes(16).toString('hex'),
      created_by: null,
      created_at: at,
      published_at: at,
      published_by: null,
      withdrawn_at: null,
    })
    .execute();
  const quoteId = newId('quo', at.getTime());
  await db
    .insertInto('quotes')
    .values({
      id: quoteId,
      product_version_id: pvId,
      options: JSON.stringify({}),
      premium_fen: premiumFen,
      expires_at: new Date(at.getTime() + 3_600_000),
      created_at: at,
    })
    .execute();
  const applicationId = newId('app', at.getTime());
  await db
    .insertInto('applications')
    .values({
      id: applicationId,
      consumer_id: consumerId,
      quote_id: quoteId,
      product_version_id: pvId,
      status: 'awaiting_payment',
      premium_fen: premiumFen,
      sum_insured_fen: 50_000_000,
      term_years: 1,
      payment_mode: 'single',
      insured_relationship: 'self',
      beneficiary_designation: 'statutory',
      suitability: null,
      underwriting_outcome: 'accept',
      created_at: at,
      submitted_at: at,
      referred_at: null,
      declined_at: null,
      accepted_at: at,
      signed_at: at,
      paid_at: null,
      issued_at: null,
      identity_verified_at: at,
      insured_identity_verified_at: at,
    })
    .execute();
  await db
    .insertInto('parties')
    .values({
      id: newId('prt', at.getTime()),
      application_id: applicationId,
      role: 'policyholder',
      name_cipher: pii.encrypt('name', holder.name),
      id_number_cipher: pii.encrypt('id_number', holder.idNumber),
      id_number_index: pii.blindIndex('id_number', holder.idNumber),
      phone_cipher: pii.encrypt('phone', phone),
      phone_index: pii.blindIndex('phone', phone),
      birth_date: '1949-12-31',
      gender: 'F',
      relationship_to_insured: 'self',
      share_bp: null,
    })
    .execute();
  return { consumerId, applicationId, token: session.token, premiumFen };
}
