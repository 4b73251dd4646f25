// Every id in the corpus is derived from sha256 of the seed, the family and what it names, so regenerating
// gives byte-identical traces and no two traces share a session, trace, span or action.
import { sha256Hex } from '../../schemas/digest.js';
import type { RuntimeFamily } from '../../schemas/observation.js';

export class IdSource {
  constructor(
    private readonly seed: string,
    private readonly family: RuntimeFamily,
  ) {}

  /** `hexChars` hex digits of sha256(seed / family / ...parts). */
  hex(hexChars: number, ...parts: string[]): string {
    return sha256Hex([this.seed, this.family, ...parts].join('/')).slice(0, hexChars);
  }

  /** A UUIDv7, as Codex and most current runtimes mint session ids: 48 bits of Unix milliseconds first. */
  uuidV7(unixMs: bigint, ...parts: string[]): string {
    const time = unixMs.toString(16).padStart(12, '0');
    const rest = this.hex(20, 'uuid', ...parts);
    const variant = ((parseInt(rest[3] as string, 16) & 0x3) | 0x8).toString(16);
    return `${time.slice(0, 8)}-${time.slice(8)}-7${rest.slice(0, 3)}-${variant}${rest.slice(4, 7)}-${rest.slice(8, 20)}`;
  }

  /** A model's tool call id, as the OpenAI Responses API spells them. */
  callId(step: string): string {
    return `call_${this.hex(24, 'call', step)}`;
  }

  traceId(): string {
    return this.hex(32, 'trace');
  }

  spanId(...parts: string[]): string {
    return this.hex(16, 'span', ...parts);
  }
}
