import { listComponents, listGroups } from '../components/manage-components.ts';
import { getSettings } from '../settings/manage-settings.ts';
import {
  importSubscribers,
  listSubscribers,
  removeSubscriber,
  SubscriberFilter,
  subscriberCounts,
} from '../subscribers/admin-subscribers.ts';
import type { AdminViewer, FormAction } from './admin-form.ts';
import { uploadOrText } from './form-fields.ts';
import { formErrorOf } from './form-state.ts';

// The admin page of subscribers (src/pages/admin/subscribers.astro): the list, filtered by the
// search form, and the actions its forms send (import, remove). Subscribers are personal data:
// nothing of them is read for someone the page refuses, and only admins import or remove.

/** The search form's filter (or the error that refused it), the subscribers it finds, counts, and what they follow. */
export async function loadSubscribersPage({ herald, allowed, url }: AdminViewer) {
  const read = SubscriberFilter.safeParse({
    q: url.searchParams.get('q') ?? undefined,
    status: url.searchParams.get('status') || undefined,
  });
  const filterError = read.success ? null : formErrorOf(read.error);
  const filter = read.success ? read.data : {};
  const settings = await getSettings(herald.db);
  const [rows, counts, components, groups] = allowed
    ? await Promise.all([
        filterError ? [] : listSubscribers(herald.db, filter),
        subscriberCounts(herald.db),
        listComponents(herald.db),
        listGroups(herald.db),
      ])
    : [[], null, [], []];
  // A subscription names components and groups by id; the list shows their names.
  const names = new Map([...components, ...groups].map((c) => [c.id, c.name]));
  return { settings, filter, filterError, rows, counts, names };
}

function importNotice({ added, existing, invalid }: { added: number; existing: number; invalid: string[] }) {
  const invalidNote = invalid.length
    ? `, ${invalid.length} not valid addresses (${invalid.slice(0, 5).join(', ')})`
    : '';
  return {
    text: `Imported: ${added} new (each was sent a confirmation email), ${existing} already known${invalidNote}.`,
    warn: invalid.length > 0,
  };
}

/** Every action of the page, by the intent its submit button sends; each stays on the page with a notice. */
export const SUBSCRIBERS_PAGE_ACTIONS: Record<string, FormAction<true>> = {
  import: {
    role: 'admin',
    key: () => 'import',
    run: async ({ change, fields }) => {
      const imported = await importSubscribers(change, await uploadOrText(fields, 'file', 'csv'));
      return { show: true, notice: importNotice(imported.value) };
    },
  },
  remove: {
    role: 'admin',
    key: () => 'remove',
    run: async ({ change, id }) => {
      await removeSubscriber(change, id);
      return { show: true, notice: { text: 'Subscriber removed.' } };
    },
  },
};
