import fc from 'fast-check';
import { startPipeline } from '/work/main/dist/service/embedded.js';
import { captureRequests, fuzzCase, mutate } from '/work/main/dist/harness/fuzz/pipeline-fuzz.js';
const p = await startPipeline({ dataDir: '/tmp/f503-data', ingest: { port: 0 } });
const requests = await captureRequests();
const cases = fc.sample(fuzzCase(requests.length), { numRuns: 2000, seed: 1158243812 });
let i = 0;
for (const c of cases) {
  i++;
  const { path, contentType, body } = mutate(requests, c);
  const res = await fetch(new URL(path, p.url), {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const text = await res.text();
  if (res.status === 503) {
    console.log(i, res.status, text.slice(0, 500));
  }
}
await p.close();
