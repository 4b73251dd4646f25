// Typed reads of normalized observation attributes (schemas/observations.md). A value of the wrong type
// reads as absent: the receipts then say what is missing instead of guessing.
import type { Observation } from '../schemas/observation.js';

export function stringAttr(obs: Observation, key: string): string | undefined {
  const value = obs.attrs[key];
  return typeof value === 'string' ? value : undefined;
}

export function boolAttr(obs: Observation, key: string): boolean | undefined {
  const value = obs.attrs[key];
  return typeof value === 'boolean' ? value : undefined;
}

/** Attributes that normalization stores as JSON text (arrays, maps); unparseable text reads as absent. */
export function jsonAttr(obs: Observation, key: string): unknown {
  const text = stringAttr(obs, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The first value of `key` among the observations, in the order given. */
export function firstString(observations: readonly Observation[], key: string): string | null {
  for (const obs of observations) {
    const value = stringAttr(obs, key);
    if (value !== undefined) return value;
  }
  return null;
}
