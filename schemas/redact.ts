// Secret redaction, applied by ingest to every string before it is stored; the guard uses the same patterns to
// recognise a secret written out in a command. Patterns cover the credentials agents most often touch; a match
// is replaced by a typed marker so a reviewer knows what was there, not what it was.

const SECRET_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['private_key', /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g],
  ['openai_key', /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/g],
  ['github_token', /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b/g],
  ['aws_access_key', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ['slack_token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/g],
  ['google_api_key', /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ['jwt', /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g],
  ['bearer_token', /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi],
  ['url_password', /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(@)/gi],
  [
    'assignment',
    /\b((?:[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*)\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"'&;|]+)/gi,
  ],
];

// Every pattern at once, case-insensitive: it matches wherever any pattern would (and a little more), so a
// string it does not match (nearly every string) is returned without running the patterns one by one.
const ANY_SECRET = new RegExp(SECRET_PATTERNS.map(([, pattern]) => pattern.source).join('|'), 'i');

export function redactSecrets(text: string): string {
  if (!ANY_SECRET.test(text)) return text;
  let out = text;
  for (const [name, pattern] of SECRET_PATTERNS) {
    out = out.replace(pattern, (...match: unknown[]) => {
      const groups = match.slice(1, -2).filter((g): g is string => typeof g === 'string');
      // Keep a syntactic prefix (`Bearer `, `TOKEN=`, `https://user:`) and suffix (`@`) so the text still reads.
      if (name === 'url_password') return `${groups[0]}[REDACTED:${name}]${groups[1]}`;
      if (name === 'bearer_token' || name === 'assignment') return `${groups[0]}[REDACTED:${name}]`;
      return `[REDACTED:${name}]`;
    });
  }
  return out;
}

/** Every string in a JSON value redacted, keys included. Redacting the value's JSON text instead could cut an
 * escape sequence in half (`TOKEN=\"x\"`) and leave text that no longer parses. */
export function redactJson(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactJson);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [redactSecrets(key), redactJson(inner)]),
    );
  }
  return value;
}
