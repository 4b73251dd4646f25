// Publishes Observations to Kafka: key = session id, so one session's records land on one partition in order;
// value = the Observation's JSON.
import type { Observation } from '../schemas/observation.js';
import type { ObservationPublisher } from '../schemas/transport.js';

import type { ReliableProducer } from './kafka-producer.js';
import { encodeObservation } from './observation-codec.js';

export class KafkaObservationPublisher implements ObservationPublisher {
  constructor(
    private readonly producer: ReliableProducer,
    private readonly topic: string,
  ) {}

  async publish(observations: readonly Observation[]): Promise<void> {
    if (observations.length === 0) return;
    await this.producer.send(
      this.topic,
      observations.map((observation) => ({
        key: observation.session_id,
        value: encodeObservation(observation),
      })),
    );
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
