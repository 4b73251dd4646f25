// The seam between ingest and the assembler. An embedded (DuckDB) and a Kafka transport implement it; the
// stages on either side see only these interfaces and the Observation schema.
import { ProoflineError } from './errors.js';
import type { Observation } from './observation.js';

/** Raised by a publisher that could not durably hand records on; the receiver answers 503 + Retry-After. */
export class TransportUnavailableError extends ProoflineError<'TRANSPORT_UNAVAILABLE'> {
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
    options: { cause?: unknown } = {},
  ) {
    super('TRANSPORT_UNAVAILABLE', message, options);
  }
}

/** Raised by a publisher for a record the transport can never take (larger than the broker accepts): retrying
 * cannot help, so the receiver answers 413 instead of an endless 503. */
export class RecordTooLargeError extends ProoflineError<'RECORD_TOO_LARGE'> {
  constructor(
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      'RECORD_TOO_LARGE',
      `an observation of ${bytes} bytes exceeds the transport's record limit of ${limitBytes} bytes`,
    );
  }
}

export interface ObservationPublisher {
  /** Resolves only once every record is durable (committed to disk, or acknowledged by all in-sync replicas).
   * Records of one session keep their order. Rejects with TransportUnavailableError when that cannot be done
   * now, RecordTooLargeError (nothing published) when a record can never be taken. */
  publish(observations: readonly Observation[]): Promise<void>;
  close(): Promise<void>;
}

/** One delivered record and where it sits in the log. Offsets are decimal strings (Kafka offsets are int64). */
export interface Delivery {
  observation: Observation;
  partition: number;
  offset: string;
}

export interface ObservationSubscriber {
  /** Delivers batches (in log order within a partition) until `close()`; a batch is not re-delivered in this
   * run, but anything not yet committed is delivered again after a restart or a rebalance. */
  run(onBatch: (deliveries: readonly Delivery[]) => Promise<void>): Promise<void>;
  /** Everything before `nextOffset` on each named partition is handled and need never be delivered again. */
  commit(nextOffsets: ReadonlyMap<number, string>): Promise<void>;
  /** Set aside a record that cannot be processed, with the reason; the pipeline goes on. */
  deadLetter(delivery: Delivery, reason: string): Promise<void>;
  /** Partitions that held records not yet delivered when last read: a backlog. The assembler's timers do not
   * run out for their sessions meanwhile, since what would end a quiet spell may be waiting in it. */
  lagging(): ReadonlySet<number>;
  /** Transports whose partitions move between assemblers (Kafka's consumer group) tell who owns what. */
  onPartitions?(listener: PartitionListener): void;
  close(): Promise<void>;
}

/** Told by a subscriber whose partitions move between members of a group. */
export interface PartitionListener {
  /** A rebalance began: partitions may be taken away; start no new work until `assigned`. Synchronous. */
  revoking(): void;
  /** This member (`member`) owns exactly `partitions` from now on (until the next `revoking`). */
  assigned(member: string, partitions: readonly number[]): void;
  /** The subscriber is about to leave the group: resolves once everything is handed over. */
  leaving(): Promise<void>;
}

/** One session's chain as an assembler leaves it for whoever owns its partition next (schemas/handover.ts). */
export interface SessionHandoverState {
  sessionId: string;
  partition: number;
  chain: { actionId: string; digest: string }[];
  sealed: string | null;
  lateRecords: number;
  readOffset: bigint;
  /** The records signed for the session in the step this state is from (schemas/handover.ts). */
  envelopes: string[];
}

/** `envelopes`: only when the previous owner may have died before writing them (it left without a release). */
export type HandedOverSession = Omit<SessionHandoverState, 'sessionId' | 'partition'>;

/** Where assemblers sharing partitions leave the sessions' state for each other. */
export interface PartitionHandover {
  /** Called before the first record of `partitions` is handled: waits until their previous owners let go. */
  adopt(partitions: readonly number[], member: string): Promise<void>;
  /** Called once this member stopped working on `partitions` and published their sessions' state. */
  release(partitions: readonly number[], member: string): Promise<void>;
  /** What the previous owners left for a session on `partition`, if anything. */
  session(partition: number, sessionId: string): HandedOverSession | undefined;
  /** Records the sessions' state (a step's changes) before the step's records are written. */
  publish(states: readonly SessionHandoverState[]): Promise<void>;
}
