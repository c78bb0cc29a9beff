import { TemplateInput, TemplatePatch } from '../templates/template-input.ts';
import { textOf, versionOf, type FormInput } from './form-fields.ts';

// The kind follows from the status (incident or maintenance wording); the use case works it out.
const fields = (form: FormInput) => ({ name: textOf(form, 'name'), status: textOf(form, 'status'), title: textOf(form, 'title'), body: textOf(form, 'body') });

export function formToTemplateInput(form: FormInput): TemplateInput {
  return TemplateInput.parse(fields(form));
}

export function formToTemplatePatch(form: FormInput): TemplatePatch {
  return TemplatePatch.parse({ ...fields(form), version: versionOf(form) });
}
