import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { Actor } from '../../platform/actor.js';
import type { Clock } from '../../platform/clock.js';
import { shanghaiDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { newId } from '../../platform/ids.js';
import type { PaymentMode } from '../products/index.js';
import type { ProductService } from '../products/index.js';
import { cashValueTable, priceQuote } from '../products/index.js';
import * as repo from './quote.repository.js';

export interface QuoteInput {
  productCode: string;
  /** The insured's birth date, 'YYYY-MM-DD'; the age is counted on today's Shanghai date. */
  insuredBirthDate: string;
  insuredGender: 'M' | 'F';
  termYears: number;
  paymentMode: PaymentMode;
  sumInsuredFen: number;
}

export interface Quote {
  id: string;
  productCode: string;
  productVersionId: string;
  productVersion: number;
  options: QuoteInput & { insuredAge: number; quotedOn: string };
  /** Premium per installment, in fen. */
  premiumFen: number;
  /** Cash value at the end of each policy year for these options; empty for a product without cash value (M§14). */
  cashValues: Array<{ policyYear: number; cashValueFen: number }>;
  expiresAt: Date;
  createdAt: Date;
  expired: boolean;
}

/**
 * Premium quotes from the rating table of the version on sale. Anyone may quote; the quote names the product
 * version it was priced from, so the application that follows uses that same version.
 */
export function createQuoteService(deps: {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'QUOTE_TTL_MINUTES'>;
  products: Pick<ProductService, 'getOnSale' | 'getVersion'>;
}) {
  const { db, clock, config, products } = deps;

  return {
    /** Prices the chosen options against the version on sale and keeps the quote for QUOTE_TTL_MINUTES. */
    async createQuote(actor: Actor, input: QuoteInput): Promise<Quote> {
      const product = await products.getOnSale(input.productCode);
      const now = clock.now();
      const quotedOn = shanghaiDate(now);
      const rateOptions = {
        birthDate: input.insuredBirthDate,
        gender: input.insuredGender,
        termYears: input.termYears,
        paymentMode: input.paymentMode,
        sumInsuredFen: input.sumInsuredFen,
        on: quotedOn,
      };
      const { premiumFen, age } = priceQuote(product.definition, rateOptions);
      const cashValues = cashValueTable(product.definition, rateOptions);
      const id = newId('quo', now.getTime());
      const expiresAt = new Date(now.getTime() + config.QUOTE_TTL_MINUTES * 60_000);
      const options = { ...input, insuredAge: age, quotedOn };
      await db.transaction().execute(async (trx) => {
        await repo.insertQuote(trx, {
          id,
          product_version_id: product.productVersionId,
          options: JSON.stringify(options),
          premium_fen: premiumFen,
          expires_at: expiresAt,
          created_at: now,
        });
        // No birth date in the event: the age and the priced options are enough to replay the price.
        await recordEvent(trx, {
          type: 'quote.created',
          actor,
          subject: { type: 'quote', id },
          payload: {
            productCode: product.code,
            productVersionId: product.productVersionId,
            insuredAge: age,
            termYears: input.termYears,
            paymentMode: input.paymentMode,
            sumInsuredFen: input.sumInsuredFen,
            premiumFen,
          },
          at: now,
        });
      });
      return {
        id,
        productCode: product.code,
        productVersionId: product.productVersionId,
        productVersion: product.version,
        options,
        premiumFen,
        cashValues,
        expiresAt,
        createdAt: now,
        expired: false,
      };
    },

    /** A quote by id; with `requireFresh`, an expired quote is refused (QUOTE_EXPIRED) so it cannot start an application. */
    async getQuote(id: string, opts: { requireFresh?: boolean } = {}): Promise<Quote> {
      const row = await repo.findQuoteRecord(db, id);
      if (!row) throw new AppError('NOT_FOUND', `No quote ${id}`);
      const expired = clock.now().getTime() >= row.expires_at.getTime();
      if (expired && opts.requireFresh) throw new AppError('QUOTE_EXPIRED', `Quote ${id} expired at ${row.expires_at.toISOString()}`);
      const options = row.options as Quote['options'];
      const version = await products.getVersion(row.product_version_id);
      const cashValues = cashValueTable(version.definition, {
        birthDate: options.insuredBirthDate,
        gender: options.insuredGender,
        termYears: options.termYears,
        paymentMode: options.paymentMode,
        sumInsuredFen: options.sumInsuredFen,
        on: options.quotedOn,
      });
      return {
        id: row.id,
        productCode: version.code,
        productVersionId: row.product_version_id,
        productVersion: version.version,
        options,
        premiumFen: row.premium_fen,
        cashValues,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
        expired,
      };
    },
  };
}
export type QuoteService = ReturnType<typeof createQuoteService>;
