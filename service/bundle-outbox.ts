// Bundles go to the data directory first (the source of truth) and then to a sink (the bundles topic). A crash
// between the two would leave the topic without them, and the restarted assembler never bundles those actions
// again. The outbox remembers, in the assembler's own DuckDB file, which bundle files the sink acknowledged,
// and on start sends the ones it did not.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';

import type { DsseEnvelope } from '../schemas/bundle.js';

export interface SinkBundle {
  sessionId: string;
  fileName: string;
  envelope: DsseEnvelope;
}

export type BundleSink = (bundles: SinkBundle[]) => Promise<void>;

export class BundleOutbox {
  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly bundlesDir: string,
    private readonly sink: BundleSink,
  ) {}

  static async open(connection: DuckDBConnection, dataDir: string, sink: BundleSink): Promise<BundleOutbox> {
    await connection.run('CREATE TABLE IF NOT EXISTS bundle_outbox (path VARCHAR PRIMARY KEY)');
    return new BundleOutbox(connection, join(dataDir, 'bundles'), sink);
  }

  /** Hands the files to the sink and records them once it acknowledged. */
  async send(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.sink(await Promise.all(paths.map(readBundle)));
    const values = paths.map((_, i) => `($p${i})`).join(', ');
    const params = Object.fromEntries(paths.map((path, i) => [`p${i}`, path]));
    await this.connection.run(`INSERT INTO bundle_outbox VALUES ${values} ON CONFLICT DO NOTHING`, params);
  }

  /** Sends every bundle file in the data directory the sink has not acknowledged, in chain order per session. */
  async sendPending(): Promise<number> {
    const sent = new Set(
      (await this.connection.runAndReadAll('SELECT path FROM bundle_outbox'))
        .getRowObjects()
        .map((r) => String(r.path)),
    );
    const pending = (await this.bundleFiles()).filter((path) => !sent.has(path));
    await this.send(pending);
    return pending.length;
  }

  private async bundleFiles(): Promise<string[]> {
    const sessions = await readdir(this.bundlesDir).catch(() => [] as string[]);
    const files: string[] = [];
    for (const session of sessions.sort()) {
      const names = (await readdir(join(this.bundlesDir, session))).filter((name) =>
        name.endsWith('.dsse.json'),
      );
      // Action bundles sort by their zero-padded sequence; the seal, which covers them, goes last.
      for (const name of names.sort()) files.push(join(this.bundlesDir, session, name));
    }
    return files;
  }
}

async function readBundle(path: string): Promise<SinkBundle> {
  const envelope = JSON.parse(await readFile(path, 'utf8')) as DsseEnvelope;
  // The session id as the statement states it (directory names are sanitized for the file system).
  const { predicate } = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
    predicate: { summary?: { session_id: string }; session_id?: string };
  };
  return {
    sessionId: predicate.summary?.session_id ?? predicate.session_id!,
    fileName: basename(path),
    envelope,
  };
}
