// A loopback "proxy" that refuses everything and remembers who asked. Codex and every command it runs get it
// as their HTTP(S) proxy: if a command the guard should have blocked ran anyway (curl, git over https), it
// lands here instead of on the internet, and the test sees the attempt instead of an exfiltration.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface EgressTrap {
  /** The environment that routes HTTP(S) through the trap and keeps loopback direct. */
  env: NodeJS.ProcessEnv;
  /** The first request line of every connection (`CONNECT exfil.example.com:443 HTTP/1.1`). */
  attempts: readonly string[];
  close(): Promise<void>;
}

export async function startEgressTrap(): Promise<EgressTrap> {
  const attempts: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      attempts.push(chunk.toString('latin1').split('\r\n')[0] ?? '');
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['http_proxy', 'https_proxy', 'all_proxy']) env[name] = env[name.toUpperCase()] = proxy;
  env.no_proxy = env.NO_PROXY = '127.0.0.1,localhost';
  return {
    env,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
