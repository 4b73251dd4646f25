// Which matched rule decides: prohibition over permission, then explicit priority, then the more specific
// rule, then the earlier rule in the file. A total order, so the same matches always give the same decision.
import type { Specificity } from './conditions.js';
import type { PolicyRule } from './document.js';

export interface RankedRule {
  rule: PolicyRule;
  /** Position in the policy file. */
  order: number;
  specificity: Specificity;
}

const isProhibition = (ranked: RankedRule): boolean => ranked.rule.modality === 'prohibit';

/** Negative when `a` should decide over `b`. */
export function compareRules(a: RankedRule, b: RankedRule): number {
  return (
    Number(isProhibition(b)) - Number(isProhibition(a)) ||
    b.rule.priority - a.rule.priority ||
    b.specificity.conditions - a.specificity.conditions ||
    b.specificity.literals - a.specificity.literals ||
    a.order - b.order
  );
}

/** Why `winner` decided over `loser`: the first criterion of the meta-policy that separates them. */
export function whyChosen(winner: RankedRule, loser: RankedRule): string {
  if (isProhibition(winner) !== isProhibition(loser))
    return `prohibition overrides permission (${loser.rule.id})`;
  if (winner.rule.priority !== loser.rule.priority)
    return `higher priority ${winner.rule.priority} > ${loser.rule.priority} (${loser.rule.id})`;
  if (winner.specificity.conditions !== loser.specificity.conditions) {
    return `more specific: ${winner.specificity.conditions} conditions > ${loser.specificity.conditions} (${loser.rule.id})`;
  }
  if (winner.specificity.literals !== loser.specificity.literals) {
    return `more specific: ${winner.specificity.literals} literal conditions > ${loser.specificity.literals} (${loser.rule.id})`;
  }
  return `earlier in the policy (${loser.rule.id})`;
}

export function chooseRule<T extends RankedRule>(
  candidates: T[],
): { winner: T; why: string | undefined } | undefined {
  const sorted = [...candidates].sort(compareRules);
  const [winner, runnerUp] = sorted;
  if (winner === undefined) return undefined;
  return { winner, why: runnerUp === undefined ? undefined : whyChosen(winner, runnerUp) };
}
