// What keeps this process from doing its job right now, by component (GET /readyz): the assembler that cannot
// write or falls behind, a transport that is away. Liveness (/healthz) stays "ok" while the process runs; a
// stage that stops for good ends the process instead (serve.ts), so a supervisor restarts it.
export interface Readiness {
  ready: boolean;
  /** component → what is wrong, for the operator. */
  problems: Record<string, string>;
}

export class Health {
  private readonly problems = new Map<string, string>();

  /** `problem` undefined: the component is fine again. */
  report(component: string, problem: string | undefined): void {
    if (problem === undefined) this.problems.delete(component);
    else this.problems.set(component, problem);
  }

  readiness(): Readiness {
    return { ready: this.problems.size === 0, problems: Object.fromEntries(this.problems) };
  }
}
