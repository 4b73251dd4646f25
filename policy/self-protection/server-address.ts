// Whether a command reaches proofline's server: a URL or host:port naming it under any spelling of its address
// (localhost, 127.0.0.0/8 in decimal, hex or octal, [::1], IPv4-mapped IPv6, 0.0.0.0, the machine's own name
// and addresses, the configured host), /dev/tcp, its port beside a network client or an interpreter, or the
// approval route by name.
import { hostname, networkInterfaces } from 'node:os';

export interface ServerAddress {
  host: string;
  port: number;
}

/** Programs that can open a connection given a host and a port (or run code that can). */
const NETWORK_PROGRAMS = new Set([
  'curl',
  'wget',
  'http',
  'https',
  'httpie',
  'xh',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'openssl',
  'grpcurl',
  'websocat',
  'aria2c',
  'lynx',
  'links',
  'w3m',
  'python',
  'python3',
  'python2',
  'node',
  'nodejs',
  'deno',
  'bun',
  'perl',
  'ruby',
  'php',
  'lua',
  'java',
  'jshell',
  'pwsh',
  'powershell',
  'go',
  'tsx',
  'ts-node',
  'npx',
  'bash',
  'sh',
  'zsh',
  'dash',
  'ksh',
  'busybox',
  'fuser',
  'lsof',
  'ss',
]);

const ROUTE = /v1\/+(?:\.\/+)*approvals/i;

/** Why `text` (a command line or a tool's input) reaches the server, or undefined. `programs` are the
 * basenames of the programs it runs. */
export function reachesServer(
  text: string,
  programs: readonly string[],
  server: ServerAddress | undefined,
): string | undefined {
  const decoded = percentDecode(text);
  if (ROUTE.test(decoded) || ROUTE.test(decoded.replace(/["'\\\s+]/g, '')))
    return "names proofline's approval route";
  if (server === undefined) return undefined;
  for (const authority of authorities(decoded)) {
    const parsed = parseAuthority(authority.text, authority.defaultPort);
    if (parsed && parsed.port === server.port && isServerHost(parsed.hostname, server.host))
      return `addresses proofline's server (${authority.text})`;
  }
  const port = new RegExp(`(?<![\\w.:-])${server.port}(?![\\w])`);
  const tcp = /\/dev\/(?:tcp|udp)\//.test(decoded);
  if (port.test(decoded) && (tcp || programs.some((p) => NETWORK_PROGRAMS.has(p))))
    return `names proofline's port ${server.port} beside a program that can connect to it`;
  return undefined;
}

/** Host[:port] candidates: URL authorities, bare host:port, /dev/tcp/host/port. */
function authorities(text: string): Array<{ text: string; defaultPort: number | undefined }> {
  const found: Array<{ text: string; defaultPort: number | undefined }> = [];
  for (const m of text.matchAll(/([a-z][a-z0-9+.-]*:)?\/\/([^\s/'"?#`)\\]+)/gi)) {
    const scheme = (m[1] ?? '').toLowerCase();
    found.push({
      text: m[2]!.replace(/^[^@]*@/, ''),
      defaultPort: scheme === 'https:' || scheme === 'wss:' ? 443 : 80,
    });
  }
  for (const m of text.matchAll(/(\[[0-9a-f:.]+\]|[a-z0-9_.-]+):(\d{1,5})(?!\d)/gi))
    found.push({ text: `${m[1]}:${m[2]}`, defaultPort: undefined });
  for (const m of text.matchAll(/\/dev\/(?:tcp|udp)\/([^/\s]+)\/(\d{1,5})/g))
    found.push({ text: `${m[1]!.includes(':') ? `[${m[1]}]` : m[1]}:${m[2]}`, defaultPort: undefined });
  return found;
}

function parseAuthority(
  text: string,
  defaultPort: number | undefined,
): { hostname: string; port: number } | undefined {
  try {
    const url = new URL(`http://${text}/`);
    const port = url.port === '' ? (/:80$/.test(text) ? 80 : defaultPort) : Number(url.port);
    return port === undefined ? undefined : { hostname: url.hostname.toLowerCase().replace(/\.$/, ''), port };
  } catch {
    return undefined;
  }
}

/** `hostname` as the WHATWG URL parser normalizes it (dotted-decimal IPv4, bracketed compressed IPv6). */
export function isServerHost(hostname: string, configured: string): boolean {
  const bound = normalizeHost(configured);
  if (hostname === bound) return true;
  const everywhere = bound === '0.0.0.0' || bound === '[::]';
  if (isLoopback(bound) || everywhere) {
    if (isLoopback(hostname) || hostname === '0.0.0.0' || hostname === '[::]') return true;
    if (hostname === normalizeHost(ownName())) return true;
  }
  return everywhere && ownAddresses().has(hostname);
}

function normalizeHost(host: string): string {
  try {
    return new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`).hostname
      .toLowerCase()
      .replace(/\.$/, '');
  } catch {
    return host.toLowerCase();
  }
}

function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === 'ip6-localhost')
    return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(hostname)) return true;
  if (hostname === '[::1]') return true;
  // IPv4-mapped IPv6 of 127.0.0.0/8, as the URL parser writes it: [::ffff:7fxx:xxxx].
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname);
}

function ownName(): string {
  return hostname();
}

function ownAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces()))
    for (const entry of list ?? []) addresses.add(normalizeHost(entry.address));
  return addresses;
}

function percentDecode(text: string): string {
  return text.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
