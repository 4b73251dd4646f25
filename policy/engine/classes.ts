// The data class hierarchy: `secret: [credentials]`, `credentials: [aws_credentials]` makes a rule on
// `secret` cover `aws_credentials`, and any class declared under it later, without touching the rule.
import { ProoflineError } from '../../schemas/errors.js';

export class ClassCycleError extends ProoflineError<'POLICY_CLASS_CYCLE'> {
  constructor(readonly className: string) {
    super('POLICY_CLASS_CYCLE', `class hierarchy has a cycle through "${className}"`);
  }
}

/** One hierarchy per `classes` object: loading validates it and compiling uses it, without building it twice. */
const built = new WeakMap<object, ClassHierarchy>();

export class ClassHierarchy {
  static of(children: Readonly<Record<string, readonly string[]>>): ClassHierarchy {
    let hierarchy = built.get(children);
    if (!hierarchy) {
      hierarchy = new ClassHierarchy(children);
      built.set(children, hierarchy);
    }
    return hierarchy;
  }

  /** class → itself and every class above it. */
  private readonly ancestors = new Map<string, ReadonlySet<string>>();
  private readonly parents = new Map<string, string[]>();

  constructor(children: Readonly<Record<string, readonly string[]>>) {
    for (const [parent, subclasses] of Object.entries(children)) {
      for (const child of subclasses) this.parents.set(child, [...(this.parents.get(child) ?? []), parent]);
    }
    for (const name of new Set([...Object.keys(children), ...this.parents.keys()]))
      this.ancestorsOf(name, []);
  }

  /** True when `dataClass` is `ruleClass` or one of its subclasses, at any depth. */
  covers(ruleClass: string, dataClass: string): boolean {
    return ruleClass === dataClass || (this.ancestors.get(dataClass)?.has(ruleClass) ?? false);
  }

  private ancestorsOf(name: string, visiting: string[]): ReadonlySet<string> {
    const known = this.ancestors.get(name);
    if (known) return known;
    if (visiting.includes(name)) throw new ClassCycleError(name);
    const result = new Set([name]);
    for (const parent of this.parents.get(name) ?? [])
      for (const above of this.ancestorsOf(parent, [...visiting, name])) result.add(above);
    this.ancestors.set(name, result);
    return result;
  }
}
