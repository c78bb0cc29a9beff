/**
 * A rule of the domain was broken by otherwise well-formed input. The server maps it
 * to 422 with the field named. Branded with a registry symbol rather than relying on
 * `instanceof`, because the Astro bundle carries its own copy of this module.
 */
const BRAND = Symbol.for('herald.rule-violation');

export class RuleViolation extends Error {
  readonly field: string | undefined;
  readonly code: string;
  readonly [BRAND] = true;

  constructor(code: string, message: string, field?: string) {
    super(message);
    this.name = 'RuleViolation';
    this.code = code;
    this.field = field;
  }
}

export function isRuleViolation(error: unknown): error is RuleViolation {
  return typeof error === 'object' && error !== null && BRAND in error;
}
