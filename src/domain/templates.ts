import { RuleViolation } from './errors.ts';

// Pre-approved wording with variables. Rendering is substitution only: no expression is
// ever evaluated and nothing but the values given can appear in the output.

export const TEMPLATE_VARIABLES = [
  'component',
  'components',
  'start_time',
  'end_time',
  'next_update',
  'page_name',
  'incident_name',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export const TEMPLATE_VARIABLE_HELP: Record<TemplateVariable, string> = {
  component: 'the first affected component',
  components: 'all affected components, comma-separated',
  start_time: 'when the incident started, or the maintenance window opens',
  end_time: 'when the maintenance window closes',
  next_update: 'when the next update is due',
  page_name: 'the status page name',
  incident_name: 'the incident title',
};

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Throws naming the field when the text uses an unknown variable or stray braces. */
export function checkTemplateText(text: string, field: string): void {
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      throw new RuleViolation(
        'unknown_variable',
        `unknown variable {{${name}}}; known: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`,
        field,
      );
    }
  }
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    throw new RuleViolation('malformed_template', 'has "{{" or "}}" that is not part of a {{variable}}', field);
  }
}

/** Substitutes the known variables that have a value; others stay visible as written. */
export function renderTemplate(text: string, values: Partial<Record<TemplateVariable, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name as TemplateVariable];
    return value === undefined || value === '' ? whole : value;
  });
}
