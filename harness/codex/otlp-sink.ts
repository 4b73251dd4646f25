// An OTLP/HTTP sink for captures: it keeps every request body byte for byte (`NNN_<signal>.pb|.json`) with a
// `NNN_<signal>.meta.json` (path, headers, content type, size), in arrival order, and answers 200 with an empty
// body, as a collector does. The layout is the fixtures' (test/fixtures/codex-0.169.0/README.md, "Layout").
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface OtlpSink {
  /** `http://127.0.0.1:<port>`; Codex uses its endpoints verbatim, so callers append `/v1/<signal>`. */
  url: string;
  /** Files written so far, in arrival order. */
  files: readonly string[];
  close(): Promise<void>;
}

export async function startOtlpSink(dir: string): Promise<OtlpSink> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let seq = 0;
  // Requests are numbered when they arrive and written in that order, one at a time.
  let writing = Promise.resolve();
  const server = createServer((req, res) => {
    const n = ++seq;
    void readBody(req).then((body) => {
      writing = writing.then(() => save(dir, n, req, body, files));
      return writing.then(
        () => res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/plain' }).end(),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    close: async () => {
      await writing;
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

async function save(dir: string, seq: number, req: IncomingMessage, body: Buffer, files: string[]) {
  const path = req.url ?? '/';
  const signal = /\/v1\/(logs|traces|metrics)$/.exec(path)?.[1] ?? 'root';
  const contentType = req.headers['content-type'] ?? null;
  const ext = contentType?.includes('json') ? 'json' : 'pb';
  const base = `${String(seq).padStart(3, '0')}_${signal}`;
  await writeFile(join(dir, `${base}.${ext}`), body);
  const meta = {
    seq,
    method: req.method,
    path,
    http_version: `HTTP/${req.httpVersion}`,
    headers: req.headers,
    content_type: contentType,
    content_encoding: req.headers['content-encoding'] ?? null,
    body_bytes: body.length,
    body_file: `${base}.${ext}`,
  };
  await writeFile(join(dir, `${base}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
  files.push(`${base}.${ext}`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
