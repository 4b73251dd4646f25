// Publishes the transparency log's signed checkpoints to Kafka (a witness outside the data directory):
// key = the log's origin, value = the signed note, as written to `<data>/tlog/checkpoint`.
import type { ReliableProducer } from './kafka-producer.js';

export class KafkaCheckpointPublisher {
  constructor(
    private readonly producer: ReliableProducer,
    readonly topic: string,
  ) {}

  async publish(origin: string, note: string): Promise<void> {
    await this.producer.send(this.topic, [{ key: origin, value: note }]);
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
