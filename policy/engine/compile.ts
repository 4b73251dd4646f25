// The policy compiled once into a Guard: conditions precompiled, rules indexed by the program or tool they
// require so a decision evaluates only the rules that can apply, and the digest of the policy recorded in
// every decision.
import { canonicalDigest, canonicalize } from '../../schemas/digest.js';
import {
  routeRank,
  type Guard,
  type GuardDecision,
  type GuardRequest,
  type ObligationDuty,
  type Route,
} from '../../schemas/guard.js';
import {
  ExternalityClassifier,
  shellCommandOf,
  type ActionFacts,
  type ClassifierConfig,
  type CommandFacts,
} from '../externality/classify.js';
import { sandboxEnforceability } from '../externality/confinement.js';
import { DEFAULT_CLASS_PATHS } from '../externality/secrets.js';
import { ClassHierarchy } from './classes.js';
import { compileConditions, Truth, type CompiledConditions, type DecisionInput } from './conditions.js';
import { ruleRoute, type Conditions, type PolicyDocument, type PolicyRule } from './document.js';
import { durationMs } from './duration.js';
import { chooseRule, compareRules, type RankedRule } from './meta-policy.js';

export interface CompileOptions {
  /** Resolves a git remote name in the repo at cwd; tests inject one, the default reads `.git/config`. */
  gitRemoteUrl?: ClassifierConfig['gitRemoteUrl'];
}

interface CompiledRule extends RankedRule {
  route: Route;
  when: CompiledConditions;
}

/** What the rules make of one simple command. */
interface UnitDecision {
  route: Route;
  command: CommandFacts | undefined;
  deciding: CompiledRule | undefined;
  /** Built only for the command that decides the action. */
  reason: () => string | undefined;
  matched: CompiledRule[];
  waived: string[];
  obligations: PolicyRule[];
}

export function compilePolicy(document: PolicyDocument, options: CompileOptions = {}): CompiledPolicy {
  return new CompiledPolicy(document, options);
}

export class CompiledPolicy implements Guard {
  readonly policyDigest: string;
  private readonly classifier: ExternalityClassifier;
  private readonly classes: ClassHierarchy;
  private readonly rules: CompiledRule[];
  /** Obligations' `after` conditions, compiled on first use and kept: they come from policies, so few. */
  private readonly afterConditions = new Map<string, CompiledConditions>();
  private readonly unindexed: CompiledRule[] = [];
  private readonly byProgram = new Map<string, CompiledRule[]>();
  private readonly byTool = new Map<string, CompiledRule[]>();
  /** Rules indexed by program: all of them may apply, as unknown, to a command line that did not parse. */
  private readonly programIndexed: CompiledRule[] = [];

  constructor(
    readonly document: PolicyDocument,
    options: CompileOptions = {},
  ) {
    this.policyDigest = canonicalDigest(document);
    const classes = ClassHierarchy.of(document.classes);
    this.classes = classes;
    this.classifier = new ExternalityClassifier({
      owned: document.owned,
      classPaths: mergeClassPaths(document.class_paths),
      ...(options.gitRemoteUrl ? { gitRemoteUrl: options.gitRemoteUrl } : {}),
    });
    this.rules = document.rules.map((rule, order) => {
      const when = compileConditions(rule.when, classes);
      return { rule, order, route: ruleRoute(rule), when, specificity: when.specificity };
    });
    for (const compiled of this.rules) this.index(compiled);
  }

  classify(request: GuardRequest): ActionFacts {
    return this.classifier.classify(request);
  }

  decide(request: GuardRequest): GuardDecision {
    return this.decideClassified(request, this.classifier.classify(request));
  }

  /** The decision for an action already classified (replay of a recorded X(a), benchmarks of the matcher).
   * Each simple command is judged on its own — a rule, an exemption, a waiver is about the command it matches —
   * and the action takes the strictest command's route. */
  decideClassified(request: GuardRequest, facts: ActionFacts): GuardDecision {
    const commandLine = shellCommandOf(request);
    const units: Array<CommandFacts | undefined> = facts.parsed ? facts.commands : [undefined];
    let decided: UnitDecision | undefined;
    const matched = new Set<CompiledRule>();
    const waived = new Set<string>();
    const obligations = new Map<string, PolicyRule>();
    for (const command of units) {
      const unit = this.decideUnit({ request, facts, commandLine, command });
      for (const rule of unit.matched) matched.add(rule);
      for (const id of unit.waived) waived.add(id);
      for (const rule of unit.obligations) obligations.set(rule.id, rule);
      if (decided === undefined || routeRank(unit.route) > routeRank(decided.route)) decided = unit;
    }
    const route = decided?.route ?? this.document.default_route;
    const where =
      units.length > 1 && decided?.command !== undefined && decided.deciding !== undefined
        ? ` (in \`${decided.command.text}\`)`
        : '';
    const reason = `${decided?.reason() ?? `no rule matched; the policy default is ${route}`}${where}`;
    const deciding = decided?.deciding;
    const rewritten = route === 'simulate_first' ? rewriteInput(request, facts.dry_run_command) : undefined;
    const verdict = route === 'allow' || route === 'warn' || rewritten !== undefined ? 'allow' : 'deny';
    return {
      route,
      verdict,
      reason,
      matched_rules: [...matched].sort((a, b) => a.order - b.order).map(({ rule }) => rule.id),
      ...(deciding ? { deciding_rule: deciding.rule.id } : {}),
      policy_digest: this.policyDigest,
      ...(rewritten ? { updated_input: rewritten } : {}),
      ...systemMessage(route, reason, facts.dry_run_command, rewritten !== undefined),
      externality: facts.externality,
      labels: facts.labels,
      data_classes: facts.data_classes,
      enforceability: enforceabilityOf(request, facts, route, verdict),
      obligations: route === 'block' ? [] : [...obligations.values()].map(duty),
      waived_rules: [...waived].sort(),
      ...(Object.keys(facts.tainted_writes).length > 0 ? { tainted_writes: facts.tainted_writes } : {}),
    };
  }

  private decideUnit(input: DecisionInput): UnitDecision {
    const definite: CompiledRule[] = [];
    const tentative: CompiledRule[] = [];
    for (const list of this.candidates(input.request, input.command)) {
      for (const compiled of list) {
        const result = compiled.when.test(input);
        if (result === Truth.True) definite.push(compiled);
        else if (result === Truth.Unknown) tentative.push(compiled);
      }
    }
    const waived = new Set(
      definite
        .filter(({ rule }) => rule.modality === 'dispensation')
        .flatMap(({ rule }) => rule.waives ?? []),
    );
    const choice = chooseRule(definite.filter(({ rule }) => !waived.has(rule.id)));
    const baseRoute = choice ? choice.winner.route : this.document.default_route;
    // A rule matched only because some fact is unknown may make the route stricter, never laxer, and only a
    // prohibition can: a permit, obligation or dispensation never applies to what might not be its case.
    const raiser = tentative
      .filter(
        ({ rule, route }) =>
          rule.modality === 'prohibit' && !waived.has(rule.id) && routeRank(route) > routeRank(baseRoute),
      )
      .sort((a, b) => routeRank(b.route) - routeRank(a.route) || compareRules(a, b))[0];
    const deciding = raiser ?? choice?.winner;
    const route = deciding?.route ?? this.document.default_route;
    const reason = (): string | undefined =>
      raiser
        ? `${describeRule(raiser.rule)} (applied because facts it depends on are unknown, which can only raise the route)`
        : choice
          ? `${describeRule(choice.winner.rule)}${choice.why ? `; decided over ${choice.why}` : ''}`
          : undefined;
    const present = (id: string): boolean =>
      definite.some(({ rule }) => rule.id === id) || tentative.some(({ rule }) => rule.id === id);
    return {
      route,
      command: input.command,
      deciding,
      reason,
      matched: raiser ? [...definite, raiser] : definite,
      waived: [...waived].filter(present),
      obligations: definite
        .filter(({ rule }) => rule.modality === 'obligation' && !waived.has(rule.id))
        .map(({ rule }) => rule),
    };
  }

  /** Whether `request` is the later action an obligation's `after` describes, judged by the same matcher and
   * classifier as `when`. A match that rests on unknown facts does not count: discharging a duty relaxes, and
   * unknown never relaxes. */
  matchesAfter(
    after: Conditions,
    request: GuardRequest,
    facts: ActionFacts = this.classify(request),
  ): boolean {
    const key = canonicalize(after);
    let compiled = this.afterConditions.get(key);
    if (compiled === undefined) {
      compiled = compileConditions(after, this.classes);
      this.afterConditions.set(key, compiled);
    }
    const commandLine = shellCommandOf(request);
    const units: Array<CommandFacts | undefined> = facts.parsed ? facts.commands : [undefined];
    return units.some((command) => compiled.test({ request, facts, commandLine, command }) === Truth.True);
  }

  /** The rules waived by the dispensations among `ruleIds` (a decision's matched rules), whether or not the
   * waived rules matched the same action: a dispensation can waive a duty an earlier action created. */
  waivedBy(ruleIds: readonly string[]): string[] {
    const matched = new Set(ruleIds);
    const waived = this.rules
      .filter(({ rule }) => rule.modality === 'dispensation' && matched.has(rule.id))
      .flatMap(({ rule }) => rule.waives ?? []);
    return [...new Set(waived)].sort();
  }

  private index(compiled: CompiledRule): void {
    const { programs, tools } = compiled.when;
    if (programs) {
      for (const program of new Set(programs))
        this.byProgram.set(program, [...(this.byProgram.get(program) ?? []), compiled]);
      this.programIndexed.push(compiled);
    } else if (tools) {
      for (const tool of new Set(tools)) this.byTool.set(tool, [...(this.byTool.get(tool) ?? []), compiled]);
    } else {
      this.unindexed.push(compiled);
    }
  }

  /** The rule lists that can apply to one simple command. A rule sits in exactly one of the three kinds of
   * list (by program, by tool, or neither), and a command looks up one program and one tool, so no rule is
   * met twice. */
  private candidates(request: GuardRequest, command: CommandFacts | undefined): CompiledRule[][] {
    return [
      this.unindexed,
      this.byTool.get(request.tool_name) ?? [],
      command === undefined ? this.programIndexed : (this.byProgram.get(command.program) ?? []),
    ];
  }
}

function mergeClassPaths(extra: Record<string, string[]>): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const [dataClass, globs] of [...Object.entries(DEFAULT_CLASS_PATHS), ...Object.entries(extra)]) {
    merged[dataClass] = [...(merged[dataClass] ?? []), ...globs];
  }
  return merged;
}

function describeRule(rule: PolicyRule): string {
  return `${rule.reason ?? `${rule.modality} rule`} [${rule.id}: ${rule.modality} → ${ruleRoute(rule)}]`;
}

function duty(rule: PolicyRule): ObligationDuty {
  return {
    rule: rule.id,
    duty: rule.duty ?? '',
    after: { ...(rule.after ?? {}) },
    within_ms: durationMs(rule.within ?? '0s'),
  };
}

/** How the decision is enforced. A hook's deny is enforced by its runtime, and an approval_gate by the approval
 * it waits for; what a hook lets through is enforced only by the runtime's sandbox, when that sandbox would stop
 * whatever the action does beyond it (confinement.ts) — a PermissionRequest asks to run outside the sandbox,
 * so what it lets through is never. */
function enforceabilityOf(
  request: GuardRequest,
  facts: ActionFacts,
  route: Route,
  verdict: GuardDecision['verdict'],
): GuardDecision['enforceability'] {
  const value = facts.externality.enforceability_class;
  if (value === 'unknown') return undefined;
  if (route === 'approval_gate' && value === 'runtime_enforced') return 'approval_orchestrated';
  if (verdict === 'deny' || request.runtime_family !== 'tool_hook') return value;
  return sandboxEnforceability(
    facts,
    request.event === 'PermissionRequest' ? undefined : request.confinement,
  );
}

/** The tool input with its command replaced by the dry-run form; only for string commands we can rewrite. */
function rewriteInput(
  request: GuardRequest,
  dryRun: string | undefined,
): Record<string, unknown> | undefined {
  if (dryRun === undefined) return undefined;
  for (const key of ['command', 'cmd']) {
    if (typeof request.tool_input[key] === 'string') return { ...request.tool_input, [key]: dryRun };
  }
  return undefined;
}

function systemMessage(
  route: Route,
  reason: string,
  dryRun: string | undefined,
  rewritten: boolean,
): { system_message?: string } {
  if (route === 'warn') return { system_message: `proofline warning: ${reason}` };
  if (route === 'simulate_first') {
    return {
      system_message: rewritten
        ? `proofline ran the dry-run form instead: ${dryRun}`
        : `proofline requires a simulation first and knows no dry-run form of this command: ${reason}`,
    };
  }
  if (route === 'approval_gate')
    return { system_message: `proofline requires approval for this action: ${reason}` };
  return {};
}
