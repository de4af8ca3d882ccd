import type { Insertable } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { QuotesTable } from '../../db/schema.js';

export async function insertQuote(db: DbOrTrx, row: Insertable<QuotesTable>): Promise<void> {
  await db.insertInto('quotes').values(row).execute();
}

export async function findQuote(db: DbOrTrx, id: string) {
  return db
    .selectFrom('quotes')
    .innerJoin('product_versions', 'product_versions.id', 'quotes.product_version_id')
    .innerJoin('products', 'products.id', 'product_versions.product_id')
    .select([
      'quotes.id',
      'quotes.product_version_id',
      'quotes.options',
      'quotes.premium_fen',
      'quotes.expires_at',
      'quotes.created_at',
      'products.code',
      'product_versions.version',
    ])
    .where('quotes.id', '=', id)
    .executeTakeFirst();
}

/** The quote row alone, as the sale reads it. */
export async function findQuoteRecord(db: DbOrTrx, id: string) {
  return db.selectFrom('quotes').selectAll().where('id', '=', id).executeTakeFirst();
}
