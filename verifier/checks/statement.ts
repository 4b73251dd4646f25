// statement_format: the payload is the canonical JSON of a bundle statement (schemas/bundle-schema.ts).
import {
  parseStatement as parseBundleStatement,
  StatementFormatError,
  type ParsedStatement,
} from '../../schemas/bundle-schema.js';
import { CheckFailure } from './check.js';

export type { ParsedStatement };

export function parseStatement(payload: Buffer): ParsedStatement {
  try {
    return parseBundleStatement(payload);
  } catch (error) {
    if (error instanceof StatementFormatError) throw new CheckFailure('statement_format', error.message);
    throw error;
  }
}
