import type { DbOrTrx } from '../../db/database.js';
import type { NewRow, Row } from '../../db/schema.js';

/** Kysely queries for underwriting decisions; no rules here. */

export type DecisionRow = Row<'underwriting_decisions'>;

export async function insertDecision(db: DbOrTrx, row: NewRow<'underwriting_decisions'>): Promise<void> {
  await db.insertInto('underwriting_decisions').values(row).execute();
}

/** Every decision on an application, the rules' first, in the order made. */
export function findDecisions(db: DbOrTrx, applicationId: string): Promise<DecisionRow[]> {
  return db.selectFrom('underwriting_decisions').selectAll().where('application_id', '=', applicationId).orderBy('decided_at').execute();
}
