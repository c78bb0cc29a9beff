import { LANGUAGES } from '../../domain/vocabulary.ts';
import { TemplateInput, TemplatePatch } from '../templates/template-input.ts';
import { textOf, versionOf, type FormInput } from './form-fields.ts';

/** The form's field for a language's title or body; the same name as the JSON API's field. */
export const translationField = (language: string, part: 'title' | 'body') => `translations.${language}.${part}`;

// A language whose two fields are both empty has no translation; one of them alone is an
// error the schema names.
function translationsOf(form: FormInput) {
  const entries = LANGUAGES.map(
    (language) =>
      [
        language,
        {
          title: textOf(form, translationField(language, 'title')),
          body: textOf(form, translationField(language, 'body')),
        },
      ] as const,
  );
  return Object.fromEntries(entries.filter(([, text]) => text.title.trim() !== '' || text.body.trim() !== ''));
}

// The kind follows from the status (incident or maintenance wording); the use case works it out.
const fields = (form: FormInput) => ({
  name: textOf(form, 'name'),
  status: textOf(form, 'status'),
  title: textOf(form, 'title'),
  body: textOf(form, 'body'),
  translations: translationsOf(form),
});

export function formToTemplateInput(form: FormInput): TemplateInput {
  return TemplateInput.parse(fields(form));
}

export function formToTemplatePatch(form: FormInput): TemplatePatch {
  return TemplatePatch.parse({ ...fields(form), version: versionOf(form) });
}
