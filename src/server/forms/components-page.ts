import type { Queryable } from '../../db/client.ts';
import {
  createComponent,
  createGroup,
  deleteComponent,
  deleteGroup,
  listComponents,
  listGroups,
  repositionItems,
  updateComponent,
  updateGroup,
} from '../components/manage-components.ts';
import type { AdminViewer, FormAction } from './admin-form.ts';
import {
  formToComponentInput,
  formToComponentPatch,
  formToGroupInput,
  formToGroupPatch,
  formToPositionChanges,
  positionedItems,
} from './component-form.ts';
import { sectionsOf } from './component-order.ts';
import { versionOf } from './form-fields.ts';

// The admin page of components and groups (src/pages/admin/components.astro): what it shows,
// and the actions its forms send (add, edit and delete a component or a group, and the order).

type Component = Awaited<ReturnType<typeof listComponents>>[number];
type Group = Awaited<ReturnType<typeof listGroups>>[number];

async function listAll(db: Queryable) {
  const [components, groups] = await Promise.all([listComponents(db), listGroups(db)]);
  return { components, groups };
}

/** Every component and group, in the public page's order, and where each stands now (the order form's values). */
export async function loadComponentsPage({ herald }: AdminViewer) {
  const { components, groups } = await listAll(herald.db);
  return {
    components,
    groups,
    sections: sectionsOf(groups, components),
    positions: Object.fromEntries([...groups, ...components].map((x) => [`position.${x.id}`, x.position])),
  };
}

export type ComponentsPage = Awaited<ReturnType<typeof loadComponentsPage>>;

/** A component's edit form as stored. */
export const componentFormValues = (c: Component) => ({
  name: c.name,
  description: c.description,
  group_id: c.group_id,
  position: c.position,
  status: c.status,
  hidden: c.hidden,
  only_show_if_degraded: c.only_show_if_degraded,
  showcase: c.showcase,
  version: c.version,
});

/** A group's edit form as stored. */
export const groupFormValues = (g: Group) => ({
  name: g.name,
  description: g.description,
  position: g.position,
  hidden: g.hidden,
  version: g.version,
});

export const COMPONENT_LABELS = {
  name: 'Name',
  description: 'Description',
  group_id: 'Group',
  position: 'Position',
  status: 'Status',
};

export const GROUP_LABELS = { name: 'Name', description: 'Description', position: 'Position' };

/** Every action of the page, by the intent its submit button sends. */
export const COMPONENTS_PAGE_ACTIONS: Record<string, FormAction<never>> = {
  create_component: {
    role: 'editor',
    run: async ({ change, fields }) => ({ committed: await createComponent(change, formToComponentInput(fields)) }),
  },
  update_component: {
    role: 'editor',
    run: async ({ change, fields, id }) => ({
      committed: await updateComponent(change, id, formToComponentPatch(fields)),
      to: `/admin/components#component-${id}`,
    }),
  },
  delete_component: {
    role: 'editor',
    run: async ({ change, fields, id }) => ({
      committed: await deleteComponent(change, id, versionOf(fields)),
      notice: 'deleted',
    }),
  },
  create_group: {
    role: 'editor',
    what: 'group',
    run: async ({ change, fields }) => ({ committed: await createGroup(change, formToGroupInput(fields)) }),
  },
  update_group: {
    role: 'editor',
    what: 'group',
    run: async ({ change, fields, id }) => ({
      committed: await updateGroup(change, id, formToGroupPatch(fields)),
      to: `/admin/components#group-${id}`,
    }),
  },
  delete_group: {
    role: 'editor',
    what: 'group',
    run: async ({ change, fields, id }) => ({
      committed: await deleteGroup(change, id, versionOf(fields)),
      notice: 'deleted',
    }),
  },
  reorder: {
    role: 'editor',
    what: 'order',
    run: async ({ change, fields }) => {
      const { groups, components } = await listAll(change.db);
      return {
        committed: await repositionItems(change, formToPositionChanges(fields, positionedItems(groups, components))),
        to: '/admin/components#order',
      };
    },
  },
};

/** After a version conflict, the form carries the version stored now of the component or group it edits. */
export function componentsPageVersion({ components, groups }: ComponentsPage, refused: { id: string }) {
  return [...components, ...groups].find((x) => x.id === refused.id)?.version;
}
