/** Quotes: a priced offer for one product version. The sale starts from one, read through `findQuoteRecord`. */
export { createQuoteService, type QuoteService, type QuoteInput, type Quote } from './quote.service.js';
export { findQuoteRecord } from './quote.repository.js';
