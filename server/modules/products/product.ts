import type { z } from 'zod';
import type { ProductLine, relationships } from '@wangbao/contracts/common';
import { productDefinitionBody, type Questionnaire } from '@wangbao/contracts/console';

/**
 * A product is data: a versioned definition holding everything the sales page must disclose (M§14, M§17),
 * how it is priced, who may buy it, and how it is underwritten. A published version never changes. The lines,
 * modes and the definition's schema are the contracts'; the rules about them are here.
 */
export { genders, paymentModes, productLines, relationships, type PaymentMode, type ProductLine } from '@wangbao/contracts/common';
export type { Disclosure, Questionnaire } from '@wangbao/contracts/console';

/** 投连, 万能 and 分红 are new-type products: risk-tolerance assessment and the uncertainty statement (M§17(2)). */
export const NEW_TYPE_LINES: readonly ProductLine[] = ['unit_linked', 'universal', 'participating'];
export const UNCERTAINTY_STATEMENT = '保单利益具有不确定性';
/** Lines that are life insurance in the sense of the ≥10-year limit on online ordinary life and annuity. */
export const LONG_TERM_ONLY_LINES: readonly ProductLine[] = ['whole_life', 'annuity'];
/** Lines whose policies build a cash value: their page must explain it and carry a cash-value table (M§14). */
export const CASH_VALUE_LINES: readonly ProductLine[] = ['term_life', 'whole_life', 'annuity', 'unit_linked', 'universal', 'participating'];

export function isNewTypeLine(line: ProductLine): boolean {
  return NEW_TYPE_LINES.includes(line);
}

export type Relationship = (typeof relationships)[number];

/** The definition a product version holds: the contract's schema, so the console and the server parse one shape. */
export const productDefinitionSchema = productDefinitionBody;
export type ProductDefinition = z.infer<typeof productDefinitionSchema>;

/** One answer to a questionnaire item, by codes. */
export interface QuestionAnswer {
  questionnaireCode: string;
  itemCode: string;
  optionCode: string;
}

export function findOption(questionnaires: Questionnaire[], a: QuestionAnswer) {
  const q = questionnaires.find((x) => x.code === a.questionnaireCode);
  const item = q?.items.find((i) => i.code === a.itemCode);
  const option = item?.options.find((o) => o.code === a.optionCode);
  return q && item && option ? { questionnaire: q, item, option } : undefined;
}
