import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A 12-character lowercase id, shaped like Statuspage's (about 62 bits of randomness). */
export function newId(): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

export const ID_PATTERN = /^[0-9a-z]{12}$/;

/** Anything not shaped like an id names no item: a 404 without a query (the database may refuse such text). */
export const isId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);
