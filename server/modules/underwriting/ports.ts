import type { DbOrTrx, Trx } from '../../db/database.js';
import type { Row } from '../../db/schema.js';

/**
 * What the underwriter's queue needs of the sale (wired from the sales module in services.ts): the referred
 * applications, one application with its parties and latest answers, and the decision applied to it. The sale
 * depends on underwriting (its rules and decision records), so underwriting reaches the sale only through this port.
 */
export interface ReferredApplications {
  listReferred(
    db: DbOrTrx,
  ): Promise<Array<Pick<Row<'applications'>, 'id' | 'referred_at' | 'sum_insured_fen' | 'premium_fen' | 'product_version_id'>>>;
  findApplication(db: DbOrTrx, id: string): Promise<Row<'applications'> | undefined>;
  lockApplication(db: DbOrTrx, id: string): Promise<Row<'applications'> | undefined>;
  findParties(db: DbOrTrx, applicationId: string): Promise<Array<Row<'parties'>>>;
  findLatestAnswers(db: DbOrTrx, applicationId: string): Promise<Array<Row<'answers'>>>;
  /** referred → `to`, refused unless the application's transition rules allow it. */
  decideReferred(
    trx: Trx,
    applicationId: string,
    d: { from: string; to: 'awaiting_signature' | 'declined'; outcome: 'accept' | 'decline'; at: Date },
  ): Promise<void>;
}
