// GET /metrics in the Prometheus text format (prom-client), one registry per process: what the receiver took
// and refused, what the guard decided and how long it took, how far behind the assembler is, what it wrote, and
// what stopped it from writing. Stages keep their own counts (ReceiverStats, Assembler.stats()); this module only
// reads them at scrape time or observes the seams the composition root owns (the guard, the step reports).
import { stat } from 'node:fs/promises';

import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { Assembler, StepReport } from '../assembler/assembler.js';
import type { ReceiverStats } from '../ingest/stats.js';
import type { Guard, GuardDecision, GuardRequest } from '../schemas/guard.js';
import type { Health } from './health.js';

/** A counter whose value a stage already keeps: set at scrape time. */
function mirroredCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => Iterable<[Record<string, string>, number]>,
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

export class Metrics {
  readonly registry = new Registry();
  private readonly decisions: Counter;
  private readonly decisionSeconds: Histogram;
  private readonly requests: Counter;
  private readonly bundles: Counter;
  private readonly seals: Counter;
  private readonly writeFailures: Counter;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'proofline_process_' });
    this.decisions = new Counter({
      name: 'proofline_guard_decisions_total',
      help: 'Guard decisions, by route and by what the runtime was told',
      labelNames: ['route', 'verdict'],
      registers: [this.registry],
    });
    this.decisionSeconds = new Histogram({
      name: 'proofline_guard_decision_seconds',
      help: 'Time the guard took to decide (classification and rule matching)',
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
      registers: [this.registry],
    });
    this.requests = new Counter({
      name: 'proofline_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.bundles = new Counter({
      name: 'proofline_bundles_written_total',
      help: 'Action bundles written',
      registers: [this.registry],
    });
    this.seals = new Counter({
      name: 'proofline_seals_written_total',
      help: 'Session seals written',
      registers: [this.registry],
    });
    this.writeFailures = new Counter({
      name: 'proofline_assembler_write_failures_total',
      help: 'Assembler steps that failed to write and were retried',
      registers: [this.registry],
    });
  }

  /** Counts every answer of `app` and serves GET /metrics on it (behind the receiver's token, if any). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      this.requests.inc({
        method: request.method,
        // The route template, not the URL: bounded cardinality whatever clients send.
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      });
    });
    app.get('/metrics', async (_request, reply) =>
      reply.type(this.registry.contentType).send(await this.registry.metrics()),
    );
  }

  /** The same guard, its decisions counted and timed. A proxy rather than a new object: the session guard asks
   * the policy engine itself about obligations (policy/engine/obligations.ts), which must still see it. */
  meteredGuard(guard: Guard): Guard {
    const decide = (request: GuardRequest): GuardDecision => {
      const stop = this.decisionSeconds.startTimer();
      const decision = guard.decide(request);
      stop();
      this.decisions.inc({ route: decision.route, verdict: decision.verdict });
      return decision;
    };
    return new Proxy(guard, {
      get: (target, property, receiver) =>
        property === 'decide' ? decide : Reflect.get(target, property, receiver),
    });
  }

  /** The receiver's own counts. */
  observeReceiver(stats: ReceiverStats): void {
    mirroredCounter(
      this.registry,
      'proofline_records_received_total',
      'OTLP log records, spans and metric points received, by signal',
      ['signal'],
      () => Object.entries(stats.snapshot().records.received).map(([signal, n]) => [{ signal }, n]),
    );
    mirroredCounter(
      this.registry,
      'proofline_records_rejected_total',
      'Records refused (reported as OTLP partial success), by reason',
      ['reason'],
      () => Object.entries(stats.snapshot().rejected).map(([reason, n]) => [{ reason }, n]),
    );
    mirroredCounter(
      this.registry,
      'proofline_observations_published_total',
      'Observations made durable in the transport',
      [],
      () => [[{}, stats.snapshot().observations_published]],
    );
  }

  /** The assembler's counts, its lag (where the transport tells it), and its store file's size on disk. */
  observeAssembler(assembler: Assembler, storeFile: string, lag?: () => number): void {
    const { registry } = this;
    new Gauge({
      name: 'proofline_sessions_open',
      help: 'Sessions the assembler holds open',
      registers: [registry],
      collect() {
        this.set(assembler.stats().openSessions);
      },
    });
    for (const [key, help] of [
      ['quarantined', 'Sessions set aside because they could not be processed'],
      ['deadLettered', 'Records set aside with a reason (dead letters)'],
      ['late', 'Records that arrived after their action was bundled or their session sealed'],
      ['duplicates', 'Records delivered again (deduplicated by observation id)'],
    ] as const) {
      mirroredCounter(registry, `proofline_assembler_${snake(key)}_total`, help, [], () => [
        [{}, assembler.stats()[key]],
      ]);
    }
    if (lag)
      new Gauge({
        name: 'proofline_transport_lag_records',
        help: 'Acknowledged records the assembler has not read yet',
        registers: [registry],
        collect() {
          this.set(lag());
        },
      });
    new Gauge({
      name: 'proofline_store_bytes',
      help: "Size of the assembler's DuckDB file (the embedded log and the bundle index) on disk",
      registers: [registry],
      async collect() {
        this.set(await fileBytes(storeFile));
      },
    });
  }

  /** Counts what each assembler step wrote. */
  countStep(report: StepReport): void {
    this.bundles.inc(report.bundled.length);
    this.seals.inc(report.sealed.length);
  }

  writeFailed(): void {
    this.writeFailures.inc();
  }

  observeOutbox(outbox: { pending: number }): void {
    new Gauge({
      name: 'proofline_outbox_pending_records',
      help: 'Bundles and seals written but not yet acknowledged by the bundles topic',
      registers: [this.registry],
      collect() {
        this.set(outbox.pending);
      },
    });
  }

  observeHealth(health: Health): void {
    new Gauge({
      name: 'proofline_ready',
      help: '1 when GET /readyz answers 200',
      registers: [this.registry],
      collect() {
        this.set(health.readiness().ready ? 1 : 0);
      },
    });
  }
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

async function fileBytes(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}
