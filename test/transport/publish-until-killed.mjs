// Child process for the kill -9 test: publishes batches to the embedded transport forever and prints
// `acked <batch> <count>` after each publish() resolves. The parent SIGKILLs it mid-stream.
// Usage: node publish-until-killed.mjs <duckdb path> <comma-separated batch sizes, cycled>
import process from 'node:process';

import { observationId } from '../../dist/schemas/observation.js';
import { openEmbeddedTransport } from '../../dist/transport/embedded.js';

const [path, sizesArg] = process.argv.slice(2);
const sizes = sizesArg.split(',').map(Number);
const transport = await openEmbeddedTransport({ path });

for (let batch = 0; ; batch += 1) {
  const count = sizes[batch % sizes.length];
  const observations = [];
  for (let index = 0; index < count; index += 1) {
    const body = {
      schema: 'proofline.observation/v1',
      source: 'hook',
      runtime_family: 'tool_hook',
      session_id: `session-${index % 7}`,
      kind: 'other',
      name: `batch-${batch}-${index}`,
      time_unix_nano: '0',
      observed_unix_nano: '1',
      attrs: { batch },
      raw_digest: '0'.repeat(64),
    };
    observations.push({ id: observationId(body), ...body });
  }
  await transport.publisher.publish(observations);
  process.stdout.write(`acked ${batch} ${count}\n`);
}
