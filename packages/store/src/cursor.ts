import { BulwarkError, Errors } from '@bulwark/errors';

/** Encodes a sort position as an opaque cursor. */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decodes a cursor made by encodeCursor; a cursor that is not one is the client's error. */
export function decodeCursor(cursor: string, shape: readonly ('string' | 'number')[]): (string | number)[] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === shape.length &&
      value.every((v, i) => typeof v === shape[i])
    ) {
      return value as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw new BulwarkError(Errors.invalidQuery, 'cursor is not one this API issued');
}
