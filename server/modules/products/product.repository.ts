import { sql, type Insertable, type Selectable } from 'kysely';
import type { DbOrTrx } from '../../db/database.js';
import type { ProductVersionsTable, ProductsTable } from '../../db/schema.js';

export type ProductRow = Selectable<ProductsTable>;
export type ProductVersionRow = Selectable<ProductVersionsTable> & { code: string };

/** The text-version kinds a product registers at publication. */
export const PRODUCT_TEXT_KINDS = ['product_disclosure', 'questionnaire_item'] as const;

const versionColumns = [
  'product_versions.id',
  'product_versions.product_id',
  'product_versions.version',
  'product_versions.status',
  'product_versions.definition',
  'product_versions.definition_hash',
  'product_versions.created_by',
  'product_versions.created_at',
  'product_versions.published_at',
  'product_versions.published_by',
  'product_versions.withdrawn_at',
  'products.code',
] as const;

export async function findProductByCode(db: DbOrTrx, code: string): Promise<ProductRow | undefined> {
  return db.selectFrom('products').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Inserts the product unless its code exists; returns the row either way. */
export async function ensureProduct(db: DbOrTrx, row: Insertable<ProductsTable>): Promise<ProductRow> {
  await db
    .insertInto('products')
    .values(row)
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  return db.selectFrom('products').selectAll().where('code', '=', row.code).executeTakeFirstOrThrow();
}

/** Serialises version numbering and publication of one product. */
export async function lockProduct(db: DbOrTrx, productId: string): Promise<void> {
  await db.selectFrom('products').select('id').where('id', '=', productId).forUpdate().execute();
}

export async function renameProduct(db: DbOrTrx, productId: string, name: string): Promise<void> {
  await db.updateTable('products').set({ name }).where('id', '=', productId).execute();
}

export async function maxVersion(db: DbOrTrx, productId: string): Promise<number> {
  const r = await db
    .selectFrom('product_versions')
    .select((eb) => eb.fn.max<number | null>('version').as('v'))
    .where('product_id', '=', productId)
    .executeTakeFirst();
  return r?.v ?? 0;
}

export async function insertVersion(db: DbOrTrx, row: Insertable<ProductVersionsTable>): Promise<void> {
  await db.insertInto('product_versions').values(row).execute();
}

export async function findVersion(db: DbOrTrx, code: string, version: number): Promise<ProductVersionRow | undefined> {
  return db
    .selectFrom('product_versions')
    .innerJoin('products', 'products.id', 'product_versions.product_id')
    .select(versionColumns)
    .where('products.code', '=', code)
    .where('product_versions.version', '=', version)
    .executeTakeFirst();
}

export async function findVersionById(db: DbOrTrx, id: string): Promise<ProductVersionRow | undefined> {
  return db
    .selectFrom('product_versions')
    .innerJoin('products', 'products.id', 'product_versions.product_id')
    .select(versionColumns)
    .where('product_versions.id', '=', id)
    .executeTakeFirst();
}

/** The facts of one version the other modules read (see loadProductVersion). */
export function findVersionFacts(db: DbOrTrx, id: string) {
  return db
    .selectFrom('product_versions')
    .innerJoin('products', 'products.id', 'product_versions.product_id')
    .select(['product_versions.id', 'product_versions.version', 'product_versions.status', 'product_versions.definition', 'products.code'])
    .where('product_versions.id', '=', id)
    .executeTakeFirst();
}

export async function findPublished(db: DbOrTrx, productId: string): Promise<ProductVersionRow | undefined> {
  return db
    .selectFrom('product_versions')
    .innerJoin('products', 'products.id', 'product_versions.product_id')
    .select(versionColumns)
    .where('product_versions.product_id', '=', productId)
    .where('product_versions.status', '=', 'published')
    .executeTakeFirst();
}

export async function listPublished(db: DbOrTrx): Promise<ProductVersionRow[]> {
  return db
    .selectFrom('product_versions')
    .innerJoin('products', 'products.id', 'product_versions.product_id')
    .select(versionColumns)
    .where('product_versions.status', '=', 'published')
    .orderBy('products.code')
    .execute();
}

export async function listVersions(db: DbOrTrx): Promise<ProductVersionRow[]> {
  return db
    .selectFrom('product_versions')
    .innerJoin('products', 'products.id', 'product_versions.product_id')
    .select(versionColumns)
    .orderBy('products.code')
    .orderBy('product_versions.version', 'desc')
    .execute();
}

/** Conditional: only a draft changes, so a published version can never be edited here. */
export async function updateDraftDefinition(db: DbOrTrx, id: string, definition: string, hash: string): Promise<boolean> {
  const r = await db
    .updateTable('product_versions')
    .set({ definition, definition_hash: hash })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markPublished(db: DbOrTrx, id: string, at: Date, by: string): Promise<boolean> {
  const r = await db
    .updateTable('product_versions')
    .set({ status: 'published', published_at: at, published_by: by })
    .where('id', '=', id)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markWithdrawn(db: DbOrTrx, id: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('product_versions')
    .set({ status: 'withdrawn', withdrawn_at: at })
    .where('id', '=', id)
    .where('status', '=', 'published')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The text versions registered for `${code}@${version}:`, by ref. */
export async function textVersionsByRefPrefix(db: DbOrTrx, prefix: string): Promise<Array<{ id: string; ref: string; kind: string }>> {
  return db
    .selectFrom('text_versions')
    .select(['id', 'ref', 'kind'])
    .where('kind', 'in', PRODUCT_TEXT_KINDS)
    .where(sql<boolean>`starts_with(ref, ${prefix})`)
    .orderBy('created_at')
    .execute();
}

/** The latest published version of each product, by product code. */
export async function latestPublishedDefinitions(db: DbOrTrx): Promise<Array<{ code: string; definition: unknown }>> {
  const r = await sql<{ code: string; definition: unknown }>`
    select distinct on (p.code) p.code, v.definition
    from product_versions v join products p on p.id = v.product_id
    where v.status = 'published'
    order by p.code, v.version desc`.execute(db);
  return r.rows;
}
