/**
 * Products: definitions, versions, rating and disclosure. Other modules read a version's facts through
 * `loadProductVersion` and its status through `findProductVersion`; nothing else of this folder is imported.
 */
export {
  createProductService,
  canonicalJson,
  type ProductService,
  type ProductVersionView,
  type ProductVersionStatus,
} from './product.service.js';
export { loadProductVersion, requireProductVersion, type ProductVersionFacts } from './product-versions.js';
export { findVersionFacts as findProductVersion, latestPublishedDefinitions } from './product.repository.js';
export {
  productLines,
  NEW_TYPE_LINES,
  UNCERTAINTY_STATEMENT,
  LONG_TERM_ONLY_LINES,
  CASH_VALUE_LINES,
  isNewTypeLine,
  findOption,
  paymentModes,
  genders,
  relationships,
  productDefinitionSchema,
  type ProductLine,
  type PaymentMode,
  type Relationship,
  type Questionnaire,
  type Disclosure,
  type ProductDefinition,
  type QuestionAnswer,
} from './product.js';
export { priceQuote, cashValueTable, premiumFrom, type QuoteOptions } from './rating.js';
export { demoProducts, seedDemoProducts } from './demo-products.js';
