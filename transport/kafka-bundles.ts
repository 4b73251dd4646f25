// Publishes signed bundles to Kafka for downstream consumers (archives, SIEMs): key = session id, value = the
// DSSE envelope's JSON, and the bundle's file name in a header so a consumer can store it under the same name.
import type { DsseEnvelope } from '../schemas/bundle.js';

import type { ReliableProducer } from './kafka-producer.js';

export const BUNDLE_FILE_HEADER = 'proofline-bundle-file';

export interface PublishedBundle {
  sessionId: string;
  fileName: string;
  envelope: DsseEnvelope;
}

export class KafkaBundlePublisher {
  constructor(
    private readonly producer: ReliableProducer,
    private readonly topic: string,
  ) {}

  async publish(bundles: readonly PublishedBundle[]): Promise<void> {
    if (bundles.length === 0) return;
    await this.producer.send(
      this.topic,
      bundles.map((bundle) => ({
        key: bundle.sessionId,
        value: JSON.stringify(bundle.envelope),
        headers: { [BUNDLE_FILE_HEADER]: bundle.fileName },
      })),
    );
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
