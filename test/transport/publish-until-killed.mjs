// Child process for the kill -9 tests: publishes batches to the embedded transport forever and prints
// `acked <batch> <count>` after each publish() resolves, and `commit <publishes>` after each group commit.
// The parent SIGKILLs it mid-stream.
// Usage: node publish-until-killed.mjs <duckdb path> <comma-separated batch sizes, cycled> [concurrent publishers]
import process from 'node:process';

import { observationId } from '../../dist/schemas/observation.js';
import { openEmbeddedTransport } from '../../dist/transport/embedded.js';

const [path, sizesArg, concurrencyArg = '1'] = process.argv.slice(2);
const sizes = sizesArg.split(',').map(Number);
const concurrency = Number(concurrencyArg);
const transport = await openEmbeddedTransport({
  path,
  onCommit: ({ publishes }) => process.stdout.write(`commit ${publishes}\n`),
});

function observations(batch) {
  const count = sizes[batch % sizes.length];
  const list = [];
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
    list.push({ id: observationId(body), ...body });
  }
  return list;
}

// Publisher `worker` publishes batches worker, worker + concurrency, …; batch numbers stay unique.
async function publishForever(worker) {
  for (let batch = worker; ; batch += concurrency) {
    const list = observations(batch);
    await transport.publisher.publish(list);
    process.stdout.write(`acked ${batch} ${list.length}\n`);
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, worker) => publishForever(worker)));
