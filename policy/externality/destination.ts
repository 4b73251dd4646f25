// Where a host, URL or git remote points, and whether the policy's `owned` lists claim it.
import { GlobSet } from './glob.js';
import type { ExternalityContext } from '../../schemas/guard.js';

export interface OwnedDestinations {
  git_orgs: string[];
  hosts: string[];
  registries: string[];
  mcp_servers: string[];
}

export interface Ownership {
  gitOrgs: GlobSet;
  hosts: GlobSet;
  registries: GlobSet;
  mcpServers: GlobSet;
}

export function compileOwnership(owned: OwnedDestinations): Ownership {
  return {
    gitOrgs: new GlobSet(
      owned.git_orgs.map((org) => org.toLowerCase()),
      'text',
    ),
    hosts: new GlobSet(
      owned.hosts.map((host) => host.toLowerCase()),
      'text',
    ),
    registries: new GlobSet(
      owned.registries.map((host) => host.toLowerCase()),
      'text',
    ),
    mcpServers: new GlobSet(owned.mcp_servers, 'text'),
  };
}

export type DestinationFacts = Pick<ExternalityContext, 'destination_ownership' | 'destination_visibility'>;

const UNKNOWN_DESTINATION: DestinationFacts = {
  destination_ownership: 'unknown',
  destination_visibility: 'unknown',
};
const OWNED_PRIVATE: DestinationFacts = { destination_ownership: 'owned', destination_visibility: 'private' };
const UNOWNED_PUBLIC: DestinationFacts = {
  destination_ownership: 'unowned',
  destination_visibility: 'public',
};

export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\./.test(host) ||
    host === '::1' ||
    host === '[::1]'
  );
}

/** Hosts the policy does not list as owned are unowned: the list is the organisation's own statement. */
export function hostDestination(
  host: string | undefined,
  ownership: Ownership,
  owned: GlobSet = ownership.hosts,
): DestinationFacts {
  if (host === undefined) return UNKNOWN_DESTINATION;
  const name = host.toLowerCase();
  if (isLoopback(name) || owned.matches(name)) return OWNED_PRIVATE;
  return UNOWNED_PUBLIC;
}

/** The host of a URL, `user@host[:port]`, or scheme-less `host/path`; undefined when it is not literal. */
export function hostOf(target: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `http://${target}`;
  try {
    const host = new URL(withScheme).hostname;
    return host === '' ? undefined : host.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

export interface GitRemote {
  /** Undefined for a push to a path on this machine. */
  host: string | undefined;
  /** First path segment: the org or user that owns the repository on a forge. */
  org: string | undefined;
}

/** Parses `https://host/org/repo`, `ssh://git@host/org/repo`, scp-like `git@host:org/repo`, or a local path. */
export function parseGitRemote(url: string): GitRemote | undefined {
  if (url.startsWith('/') || url.startsWith('.') || url.startsWith('file://'))
    return { host: undefined, org: undefined };
  const scpLike = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)\/?([^/]+)/.exec(url);
  if (scpLike && !url.includes('://'))
    return { host: scpLike[1]?.toLowerCase(), org: scpLike[2]?.toLowerCase() };
  try {
    const parsed = new URL(url);
    const org = parsed.pathname.split('/').filter(Boolean)[0];
    return { host: parsed.hostname.toLowerCase(), org: org?.toLowerCase() };
  } catch {
    return undefined;
  }
}

/** An owned git org is named either bare (`acme`, on any host) or with its host (`github.com/acme`). */
export function gitDestination(remote: GitRemote | undefined, ownership: Ownership): DestinationFacts {
  if (remote === undefined) return UNKNOWN_DESTINATION;
  if (remote.host === undefined) return OWNED_PRIVATE;
  if (isLoopback(remote.host) || ownership.hosts.matches(remote.host)) return OWNED_PRIVATE;
  if (
    remote.org !== undefined &&
    (ownership.gitOrgs.matches(remote.org) || ownership.gitOrgs.matches(`${remote.host}/${remote.org}`))
  ) {
    // An owned org may still hold public repositories: visibility is the forge's to say, not ours.
    return { destination_ownership: 'owned', destination_visibility: 'unknown' };
  }
  return UNOWNED_PUBLIC;
}
