import type { ProductDefinition, ProductLine } from '../products/index.js';
import { findOption, type QuestionAnswer } from '../products/index.js';

export type UnderwritingOutcome = 'accept' | 'decline' | 'refer';

export interface UnderwritingReason {
  code: 'AGE' | 'SUM_INSURED_BY_AGE' | 'HEALTH' | 'OCCUPATION' | 'CUMULATIVE_SUM_INSURED' | 'MINOR_LIMIT';
  outcome: UnderwritingOutcome;
  message: string;
}

export interface UnderwritingFacts {
  insuredAge: number;
  sumInsuredFen: number;
  answers: QuestionAnswer[];
  /** The insured's sum insured on in-force policies and pending applications of the same line, this one excluded. */
  existingSumInsuredFen: number;
}

/** Lines whose cover pays on death; the CBIRC limits on minors' death cover apply to them. */
const DEATH_COVER_LINES: readonly ProductLine[] = [
  'accident',
  'term_life',
  'whole_life',
  'universal',
  'unit_linked',
  'participating',
  'annuity',
];

/**
 * The product's underwriting rules (M§18), applied to facts the consumer lawfully gave for this purpose. Every rule
 * that fires gives a reason; the outcome is the most severe: any decline declines, else any refer refers.
 */
export function underwrite(
  definition: ProductDefinition,
  f: UnderwritingFacts,
): { outcome: UnderwritingOutcome; reasons: UnderwritingReason[] } {
  const reasons: UnderwritingReason[] = [];
  const uw = definition.underwriting;

  if (f.insuredAge < definition.entryAge.min || f.insuredAge > definition.entryAge.max)
    reasons.push({
      code: 'AGE',
      outcome: 'decline',
      message: `Insured age ${f.insuredAge} is outside ${definition.entryAge.min}–${definition.entryAge.max}`,
    });

  for (const band of uw.maxSumInsuredByAge) {
    if (f.insuredAge >= band.ageFrom && f.insuredAge <= band.ageTo && f.sumInsuredFen > band.maxFen)
      reasons.push({
        code: 'SUM_INSURED_BY_AGE',
        outcome: 'decline',
        message: `At age ${f.insuredAge} the sum insured may not exceed ${band.maxFen / 100} yuan`,
      });
  }

  for (const a of f.answers) {
    const found = findOption(definition.questionnaires, a);
    if (!found || !found.option.underwriting || found.option.underwriting === 'accept') continue;
    const kind = found.questionnaire.kind;
    if (kind !== 'health' && kind !== 'occupation') continue;
    reasons.push({
      code: kind === 'health' ? 'HEALTH' : 'OCCUPATION',
      outcome: found.option.underwriting,
      message: `${found.questionnaire.title}: ${found.item.code} answered ${found.option.code}`,
    });
  }

  const cumulative = f.existingSumInsuredFen + f.sumInsuredFen;
  if (uw.maxCumulativeSumInsuredFen !== undefined && cumulative > uw.maxCumulativeSumInsuredFen)
    reasons.push({
      code: 'CUMULATIVE_SUM_INSURED',
      outcome: 'decline',
      message: `Cumulative sum insured ${cumulative / 100} yuan exceeds ${uw.maxCumulativeSumInsuredFen / 100} yuan`,
    });
  else if (uw.referAboveCumulativeFen !== undefined && cumulative > uw.referAboveCumulativeFen)
    reasons.push({
      code: 'CUMULATIVE_SUM_INSURED',
      outcome: 'refer',
      message: `Cumulative sum insured ${cumulative / 100} yuan is above ${uw.referAboveCumulativeFen / 100} yuan`,
    });

  if (f.insuredAge < 18 && DEATH_COVER_LINES.includes(definition.line)) {
    const caps = uw.minorMaxSumInsuredFen ?? { under10: 20_000_000, from10to17: 50_000_000 };
    const cap = f.insuredAge < 10 ? caps.under10 : caps.from10to17;
    if (cumulative > cap)
      reasons.push({
        code: 'MINOR_LIMIT',
        outcome: 'decline',
        message: `A minor aged ${f.insuredAge} may hold at most ${cap / 100} yuan of death cover`,
      });
  }

  const outcome: UnderwritingOutcome = reasons.some((r) => r.outcome === 'decline')
    ? 'decline'
    : reasons.some((r) => r.outcome === 'refer')
      ? 'refer'
      : 'accept';
  return { outcome, reasons };
}
