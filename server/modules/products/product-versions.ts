import type { DbOrTrx } from '../../db/database.js';
import { must } from '../../platform/errors.js';
import type { ProductDefinition } from './product.js';
import * as repo from './product.repository.js';

export interface ProductVersionFacts {
  id: string;
  code: string;
  version: number;
  definition: ProductDefinition;
}

/**
 * A product version's code, number and definition never change once it exists for sale (M§14; the database
 * refuses such an update), and ids are unique across databases, so every step of the journey can read them from
 * memory instead of the database. Its status does change: read that fresh where it matters.
 */
const cache = new Map<string, ProductVersionFacts>();
const MAX_CACHED = 1000;

export async function loadProductVersion(db: DbOrTrx, id: string): Promise<ProductVersionFacts | undefined> {
  const hit = cache.get(id);
  if (hit) return hit;
  const row = await repo.findVersionFacts(db, id);
  if (!row) return undefined;
  const facts = { id: row.id, code: row.code, version: row.version, definition: row.definition as ProductDefinition };
  // Drafts can still be revised: only versions that have left draft are cached.
  if (row.status !== 'draft') {
    const oldest = cache.keys().next();
    if (cache.size >= MAX_CACHED && !oldest.done) cache.delete(oldest.value);
    cache.set(id, facts);
  }
  return facts;
}

/**
 * The version a stored application, policy or case was sold under. The row names it by a foreign key, so a
 * missing version is a broken database, not a caller's mistake.
 */
export async function requireProductVersion(db: DbOrTrx, id: string): Promise<ProductVersionFacts> {
  return must(await loadProductVersion(db, id), `product version ${id}`);
}
