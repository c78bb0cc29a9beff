import { asc, eq, inArray } from 'drizzle-orm';
import type { Queryable, Transaction } from '../../db/client.ts';
import { componentGroups, components, componentStatusChanges } from '../../db/schema.ts';
import { enqueueWebhooks } from '../../notify/webhook-enqueue.ts';
import { runChange, type ChangeContext } from '../change.ts';
import { HttpError, notFound } from '../../infra/errors.ts';
import { isId, newId } from '../../infra/ids.ts';
import { componentResource, groupResource } from '../resources.ts';
import { lockForChange, nextVersion } from '../versioning.ts';
import type { ComponentInput, ComponentPatch, GroupInput, GroupPatch } from './component-input.ts';

/** A group or component at a position, as of the version shown. */
export interface Positioned {
  kind: 'group' | 'component';
  id: string;
  position: number;
  version: number;
}

// Components and groups can show on any public page. A name, grouping, order or visibility
// change publishes site-wide: the pages visitors watch at once, the rest in the background
// (see ChangeScope). A deletion takes the component's status history with it and publishes
// everything afresh.
const EVERYTHING = { everything: true } as const;
const siteWide = (componentIds: readonly string[]) => ({ siteWide: true, componentIds }) as const;

async function checkGroup(tx: Transaction, groupId: string | null | undefined): Promise<void> {
  if (!groupId) return;
  const [group] = await tx
    .select({ id: componentGroups.id })
    .from(componentGroups)
    .where(eq(componentGroups.id, groupId));
  if (!group) throw new HttpError(422, 'unknown_group', `no group with id "${groupId}"`, { field: 'group_id' });
}

const parseDate = (value: string | null | undefined) =>
  value ? new Date(`${value}T00:00:00Z`) : value === null ? null : undefined;

/** Which of these ids name a component (or, with `groups`, a group) now. */
export async function existingComponentIds(
  db: Queryable,
  ids: readonly string[],
  options: { groups?: boolean } = {},
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const wanted = [...new Set(ids)];
  const rows = await db.select({ id: components.id }).from(components).where(inArray(components.id, wanted));
  const groupRows = options.groups
    ? await db.select({ id: componentGroups.id }).from(componentGroups).where(inArray(componentGroups.id, wanted))
    : [];
  return new Set([...rows, ...groupRows].map((row) => row.id));
}

/** Refuses the first id that names no component (or group): a 422 naming `<field>.<index>`. */
export async function refuseUnknownComponents(
  db: Queryable,
  ids: readonly string[] | null | undefined,
  field: string,
  options: { groups?: boolean } = {},
): Promise<void> {
  if (!ids || ids.length === 0) return;
  const known = await existingComponentIds(db, ids, options);
  const unknown = ids.findIndex((id) => !known.has(id));
  if (unknown >= 0)
    throw new HttpError(
      422,
      'invalid_field',
      `no component${options.groups ? ' or group' : ''} has the id "${ids[unknown]}"`,
      { field: `${field}.${unknown}` },
    );
}

export async function listComponents(db: Queryable) {
  const rows = await db.select().from(components).orderBy(asc(components.position), asc(components.name));
  return rows.map(componentResource);
}

export async function getComponent(db: Queryable, id: string) {
  if (!isId(id)) throw notFound('component', id);
  const [row] = await db.select().from(components).where(eq(components.id, id));
  if (!row) throw notFound('component', id);
  return componentResource(row);
}

export function createComponent(ctx: ChangeContext, input: ComponentInput) {
  return runChange(ctx, async (tx) => {
    await checkGroup(tx, input.group_id);
    const id = newId();
    const [row] = await tx
      .insert(components)
      .values({
        id,
        name: input.name,
        description: input.description ?? null,
        status: input.status ?? 'operational',
        groupId: input.group_id ?? null,
        position: input.position ?? 0,
        showcase: input.showcase ?? true,
        onlyShowIfDegraded: input.only_show_if_degraded ?? false,
        hidden: input.hidden ?? false,
        startDate: parseDate(input.start_date) ?? ctx.now,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    await tx.insert(componentStatusChanges).values({ componentId: id, status: row!.status, changedAt: ctx.now });
    const value = componentResource(row!);
    return {
      value,
      scope: siteWide([id]),
      audit: [{ action: 'component.create', entityType: 'component', entityId: id, after: value }],
    };
  });
}

/**
 * Shown on the index, the JSON, badges and widget only: a change to nothing else needs no incident page, history or
 * feed.
 */
const PAGE_LEVEL_FIELDS = new Set(['status', 'description', 'updated_at', 'version']);

function componentUpdateScope(
  before: ReturnType<typeof componentResource>,
  after: ReturnType<typeof componentResource>,
) {
  const changed = (Object.keys(after) as Array<keyof typeof after>).filter((field) => before[field] !== after[field]);
  return changed.every((field) => PAGE_LEVEL_FIELDS.has(field)) ? { componentIds: [after.id] } : siteWide([after.id]);
}

export function updateComponent(ctx: ChangeContext, id: string, patch: ComponentPatch) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<typeof components.$inferSelect>(tx, components, 'component', id, patch.version);
    if (patch.group_id !== undefined) await checkGroup(tx, patch.group_id);
    const [row] = await tx
      .update(components)
      .set({
        name: patch.name,
        description: patch.description,
        status: patch.status,
        groupId: patch.group_id,
        position: patch.position,
        showcase: patch.showcase,
        onlyShowIfDegraded: patch.only_show_if_degraded,
        hidden: patch.hidden,
        startDate: parseDate(patch.start_date),
        updatedAt: ctx.now,
        version: nextVersion(components),
      })
      .where(eq(components.id, id))
      .returning();
    if (patch.status && patch.status !== current.status) {
      await tx.insert(componentStatusChanges).values({ componentId: id, status: patch.status, changedAt: ctx.now });
      await enqueueWebhooks(tx, {
        transitions: [{ id, name: row!.name, oldStatus: current.status, newStatus: patch.status }],
        now: ctx.now,
      });
    }
    const before = componentResource(current);
    const value = componentResource(row!);
    return {
      value,
      scope: componentUpdateScope(before, value),
      audit: [{ action: 'component.update', entityType: 'component', entityId: id, before, after: value }],
    };
  });
}

export function deleteComponent(ctx: ChangeContext, id: string, version: number | undefined) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<typeof components.$inferSelect>(tx, components, 'component', id, version);
    await tx.delete(components).where(eq(components.id, id));
    return {
      value: null,
      scope: EVERYTHING,
      audit: [
        { action: 'component.delete', entityType: 'component', entityId: id, before: componentResource(current) },
      ],
    };
  });
}

async function memberIds(db: Queryable, groupId: string): Promise<string[]> {
  const rows = await db
    .select({ id: components.id })
    .from(components)
    .where(eq(components.groupId, groupId))
    .orderBy(asc(components.position));
  return rows.map((r) => r.id);
}

export async function listGroups(db: Queryable) {
  const groups = await db.select().from(componentGroups).orderBy(asc(componentGroups.position));
  const members = await db
    .select({ id: components.id, groupId: components.groupId })
    .from(components)
    .orderBy(asc(components.position));
  return groups.map((g) =>
    groupResource(
      g,
      members.filter((m) => m.groupId === g.id).map((m) => m.id),
    ),
  );
}

export async function getGroup(db: Queryable, id: string) {
  if (!isId(id)) throw notFound('group', id);
  const [row] = await db.select().from(componentGroups).where(eq(componentGroups.id, id));
  if (!row) throw notFound('group', id);
  return groupResource(row, await memberIds(db, id));
}

async function assignMembers(tx: Transaction, groupId: string, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  const found = await tx.select({ id: components.id }).from(components).where(inArray(components.id, ids));
  const known = new Set(found.map((f) => f.id));
  const missing = ids.find((id) => !known.has(id));
  if (missing)
    throw new HttpError(422, 'unknown_component', `no component with id "${missing}"`, { field: 'components' });
  for (const [position, id] of ids.entries()) {
    await tx
      .update(components)
      .set({ groupId, position: position + 1, updatedAt: now, version: nextVersion(components) })
      .where(eq(components.id, id));
  }
}

export function createGroup(ctx: ChangeContext, input: GroupInput) {
  return runChange(ctx, async (tx) => {
    const id = newId();
    const [row] = await tx
      .insert(componentGroups)
      .values({
        id,
        name: input.name,
        description: input.description ?? null,
        position: input.position ?? 0,
        hidden: input.hidden ?? false,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    await assignMembers(tx, id, input.components ?? [], ctx.now);
    const value = groupResource(row!, await memberIds(tx, id));
    return {
      value,
      scope: siteWide(value.components),
      audit: [{ action: 'group.create', entityType: 'group', entityId: id, after: value }],
    };
  });
}

export function updateGroup(ctx: ChangeContext, id: string, patch: GroupPatch) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<typeof componentGroups.$inferSelect>(
      tx,
      componentGroups,
      'group',
      id,
      patch.version,
    );
    const before = groupResource(current, await memberIds(tx, id));
    const [row] = await tx
      .update(componentGroups)
      .set({
        name: patch.name,
        description: patch.description,
        position: patch.position,
        hidden: patch.hidden,
        updatedAt: ctx.now,
        version: nextVersion(componentGroups),
      })
      .where(eq(componentGroups.id, id))
      .returning();
    if (patch.components) {
      const leaving = before.components.filter((c) => !patch.components!.includes(c));
      if (leaving.length)
        await tx
          .update(components)
          .set({ groupId: null, updatedAt: ctx.now, version: nextVersion(components) })
          .where(inArray(components.id, leaving));
      await assignMembers(tx, id, patch.components, ctx.now);
    }
    const value = groupResource(row!, await memberIds(tx, id));
    return {
      value,
      scope: siteWide([...new Set([...before.components, ...value.components])]),
      audit: [{ action: 'group.update', entityType: 'group', entityId: id, before, after: value }],
    };
  });
}

/** Deleting a group keeps its components; they become ungrouped. */
export function deleteGroup(ctx: ChangeContext, id: string, version: number | undefined) {
  return runChange(ctx, async (tx) => {
    const current = await lockForChange<typeof componentGroups.$inferSelect>(tx, componentGroups, 'group', id, version);
    const before = groupResource(current, await memberIds(tx, id));
    // Its members change too (ungrouped): a form opened on one before must be stale now.
    await tx
      .update(components)
      .set({ groupId: null, updatedAt: ctx.now, version: nextVersion(components) })
      .where(eq(components.groupId, id));
    await tx.delete(componentGroups).where(eq(componentGroups.id, id));
    return {
      value: null,
      scope: EVERYTHING,
      audit: [{ action: 'group.delete', entityType: 'group', entityId: id, before }],
    };
  });
}

/**
 * Moves groups and components to new positions, all in one change: each is checked against
 * the version its form showed, so a stale order form changes nothing (409).
 */
export function repositionItems(ctx: ChangeContext, moves: readonly Positioned[]) {
  return runChange(ctx, async (tx) => {
    for (const move of moves) {
      const table = move.kind === 'group' ? componentGroups : components;
      await lockForChange(tx, table, move.kind, move.id, move.version);
      await tx
        .update(table)
        .set({ position: move.position, updatedAt: ctx.now, version: nextVersion(table) })
        .where(eq(table.id, move.id));
    }
    const after = moves.map(({ kind, id, position }) => ({ kind, id, position }));
    return {
      value: { moved: moves.length },
      scope: moves.length > 0 ? siteWide(moves.filter((m) => m.kind === 'component').map((m) => m.id)) : undefined,
      audit: moves.length > 0 ? [{ action: 'components.reorder', entityType: 'component', entityId: null, after }] : [],
    };
  });
}

/** Sets the display order of groups and ungrouped components (positions 1, 2, 3, ...). */
export function reorderTopLevel(ctx: ChangeContext, order: string[]) {
  return runChange(ctx, async (tx) => {
    const groups = new Set((await tx.select({ id: componentGroups.id }).from(componentGroups)).map((g) => g.id));
    const comps = new Set((await tx.select({ id: components.id }).from(components)).map((c) => c.id));
    for (const [index, id] of order.entries()) {
      if (groups.has(id))
        await tx
          .update(componentGroups)
          .set({ position: index + 1, updatedAt: ctx.now, version: nextVersion(componentGroups) })
          .where(eq(componentGroups.id, id));
      else if (comps.has(id))
        await tx
          .update(components)
          .set({ position: index + 1, updatedAt: ctx.now, version: nextVersion(components) })
          .where(eq(components.id, id));
      else throw new HttpError(422, 'unknown_id', `no group or component with id "${id}"`, { field: `order.${index}` });
    }
    return {
      value: { order },
      scope: siteWide([]),
      audit: [{ action: 'components.reorder', entityType: 'component', entityId: null, after: { order } }],
    };
  });
}
