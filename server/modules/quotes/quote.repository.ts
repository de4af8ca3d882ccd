import type { Insertable } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { QuotesTable } from '../../db/schema.js';

export async function insertQuote(db: DbOrTrx, row: Insertable<QuotesTable>): Promise<void> {
  await db.insertInto('quotes').values(row).execute();
}

/** A quote as stored; its product's code and version come from the products module. */
export async function findQuoteRecord(db: DbOrTrx, id: string) {
  return db.selectFrom('quotes').selectAll().where('id', '=', id).executeTakeFirst();
}
