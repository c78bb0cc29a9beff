import { RuleViolation } from '../../domain/errors.ts';
import { ComponentInput, ComponentPatch, GroupInput, GroupPatch } from '../components/component-input.ts';
import type { Positioned } from '../components/manage-components.ts';
import {
  defined,
  integerOf,
  isChecked,
  nullableText,
  optionalText,
  textOf,
  versionOf,
  type FormInput,
} from './form-fields.ts';

function componentFields(form: FormInput) {
  return defined({
    name: textOf(form, 'name'),
    description: nullableText(form, 'description'),
    status: optionalText(form, 'status'),
    group_id: nullableText(form, 'group_id'),
    position: integerOf(form, 'position'),
    hidden: isChecked(form, 'hidden'),
    only_show_if_degraded: isChecked(form, 'only_show_if_degraded'),
    showcase: isChecked(form, 'showcase'),
  });
}

export function formToComponentInput(form: FormInput): ComponentInput {
  return ComponentInput.parse(componentFields(form));
}

/** The edit form shows every field, so an unticked box means false, not "unchanged". */
export function formToComponentPatch(form: FormInput): ComponentPatch {
  return ComponentPatch.parse({ ...componentFields(form), version: versionOf(form) });
}

function groupFields(form: FormInput) {
  return defined({
    name: textOf(form, 'name'),
    description: nullableText(form, 'description'),
    position: integerOf(form, 'position'),
    hidden: isChecked(form, 'hidden'),
  });
}

export function formToGroupInput(form: FormInput): GroupInput {
  return GroupInput.parse(groupFields(form));
}

export function formToGroupPatch(form: FormInput): GroupPatch {
  return GroupPatch.parse({ ...groupFields(form), version: versionOf(form) });
}

const MAX_POSITION = 100_000;

/**
 * The order form has one number per group and component ("position.<id>") and the version
 * it showed ("version.<id>"); an item whose number differs from where it now stands moves,
 * checked against that version. Items missing from the form keep their place.
 */
/** Every group and component as the order form lists them, to compare the posted positions against. */
export function positionedItems(
  groups: ReadonlyArray<{ id: string; position: number; version: number }>,
  components: ReadonlyArray<{ id: string; position: number; version: number }>,
): Positioned[] {
  return [
    ...groups.map((g) => ({ kind: 'group' as const, id: g.id, position: g.position, version: g.version })),
    ...components.map((c) => ({ kind: 'component' as const, id: c.id, position: c.position, version: c.version })),
  ];
}

export function formToPositionChanges(form: FormInput, items: readonly Positioned[]): Positioned[] {
  const changes: Positioned[] = [];
  for (const item of items) {
    const name = `position.${item.id}`;
    if (!form.has(name)) continue;
    const value = integerOf(form, name);
    if (value === undefined || value < 0 || value > MAX_POSITION) {
      throw new RuleViolation(
        'invalid_field',
        `must be a whole number from 0 to ${MAX_POSITION.toLocaleString('en-US')}`,
        name,
      );
    }
    if (value !== item.position)
      changes.push({ ...item, position: value, version: integerOf(form, `version.${item.id}`) ?? item.version });
  }
  return changes;
}
