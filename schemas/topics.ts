// The Kafka topics proofline reads and writes: their names are part of the contract between receivers,
// assemblers and whoever else reads the bundles, so they are derived here, in one place, from one prefix.

export const DEFAULT_TOPIC_PREFIX = 'proofline';

export interface ProoflineTopics {
  /** Observations keyed by session id (one session's records stay in order on one partition). */
  observations: string;
  /** Records an assembler could not process, with the reason in a header. */
  deadLetters: string;
  /** Signed bundles and seals, as written to the data directory. */
  bundles: string;
  /** Signed checkpoints of the assemblers' transparency logs (schemas/checkpoint.md), key = the log's origin:
   * a witness outside the data directory. */
  checkpoints: string;
  /** Compacted: where an assembler leaves the state of the sessions on a partition for the next owner
   * (schemas/handover.ts); partition n holds the state of the sessions on observations partition n. */
  handover: string;
}

export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): ProoflineTopics {
  return {
    observations: `${prefix}.observations`,
    deadLetters: `${prefix}.observations.dlq`,
    bundles: `${prefix}.bundles`,
    checkpoints: `${prefix}.checkpoints`,
    handover: `${prefix}.handover`,
  };
}

export const DEFAULT_TOPICS: ProoflineTopics = topicNames();
