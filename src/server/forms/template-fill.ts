import { formatDateTime, formatTime } from '../../domain/format.ts';
import { languageOr } from '../../domain/i18n/translator.ts';
import { renderTemplate, type TemplateVariable } from '../../domain/templates.ts';
import type { EventStatus, Language } from '../../domain/vocabulary.ts';

export interface TemplateFacts {
  componentNames: readonly string[];
  pageName: string;
  timeZone: string;
  /** The language of the wording being filled in: dates are written in it. */
  language?: Language | undefined;
  incidentName?: string | undefined;
  nextUpdateAt?: Date | null | undefined;
  startAt?: Date | null | undefined;
  endAt?: Date | null | undefined;
}

/** The values a template can use that the form already knows; unknown ones stay as written. */
export function templateValues(facts: TemplateFacts): Partial<Record<TemplateVariable, string>> {
  const at = (d: Date | null | undefined, format: (d: Date, tz: string, language?: Language) => string) =>
    d ? format(d, facts.timeZone, facts.language) : undefined;
  const values: Partial<Record<TemplateVariable, string | undefined>> = {
    component: facts.componentNames[0],
    components: facts.componentNames.length > 0 ? facts.componentNames.join(', ') : undefined,
    page_name: facts.pageName,
    incident_name: facts.incidentName,
    next_update: at(facts.nextUpdateAt, formatTime),
    start_time: at(facts.startAt, formatDateTime),
    end_time: at(facts.endAt, formatDateTime),
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== '')) as Partial<
    Record<TemplateVariable, string>
  >;
}

/** The template's wording in the language (its main wording when it has none there), filled in. */
export function fillTemplate(
  template: {
    title: string;
    body: string;
    status: EventStatus;
    translations?: Partial<Record<Language, { title: string; body: string }>>;
  },
  values: Partial<Record<TemplateVariable, string>>,
  language?: Language,
): { name: string; body: string; status: EventStatus } {
  const text = (language && template.translations?.[language]) || template;
  return { name: renderTemplate(text.title, values), body: renderTemplate(text.body, values), status: template.status };
}

/**
 * Variables still in a form's text when it is previewed or published ({{components}} from a
 * template chosen before the components were) are filled from what the form says by then.
 */
export function fillRemainingVariables<T extends { name?: string | undefined; body: string }>(
  input: T,
  values: Partial<Record<TemplateVariable, string>>,
): T {
  return {
    ...input,
    ...(input.name !== undefined ? { name: renderTemplate(input.name, values) } : {}),
    body: renderTemplate(input.body, values),
  };
}

type TemplateWording = Parameters<typeof fillTemplate>[0] & { id: string };

interface TemplateChoice<T extends TemplateWording> {
  /** The template a "Start from a template" GET named, when it still exists. */
  template: T | null;
  /** The language to fill in: the one the picker chose, else the page's default language. */
  language: Language;
  /** Said when the named template was deleted since the picker was shown. */
  notice: { text: string; warn: true } | undefined;
}

/** What the template picker asked for (?template=, ?template_language=), among the page's templates. */
export function chosenTemplate<T extends TemplateWording>(
  method: string,
  url: URL,
  templates: readonly T[],
  defaultLanguage: Language,
): TemplateChoice<T> {
  const language = languageOr(url.searchParams.get('template_language'), defaultLanguage);
  const id = method === 'GET' ? url.searchParams.get('template') : null;
  const template = id ? (templates.find((t) => t.id === id) ?? null) : null;
  const notice =
    id && !template ? { text: 'That template no longer exists; the form is blank.', warn: true as const } : undefined;
  return { template, language, notice };
}

/** A form's values from a template: its wording filled in, and the picker's choice kept for the next submit. */
export function templateFormValues(
  template: TemplateWording,
  language: Language,
  values: Partial<Record<TemplateVariable, string>>,
) {
  return { template: template.id, template_language: language, ...fillTemplate(template, values, language) };
}
