// The admin lists every component, hidden ones too, in the order the public page uses:
// groups and ungrouped components interleaved by position, members by position.

interface Named {
  id: string;
  name: string;
  position: number;
}

export interface ComponentSection<G, C> {
  group: G | null;
  components: C[];
}

const byPosition = (a: Named, b: Named) => a.position - b.position || a.name.localeCompare(b.name);

/** A component as the admin API gives it (group_id) or as the domain views it (groupId). */
type Grouped = { group_id: string | null } | { groupId: string | null };
const groupOf = (c: Grouped) => ('groupId' in c ? c.groupId : c.group_id);

export function sectionsOf<G extends Named, C extends Named & Grouped>(
  groups: readonly G[],
  components: readonly C[],
): ComponentSection<G, C>[] {
  const known = new Set(groups.map((g) => g.id));
  const entries: Array<ComponentSection<G, C> & { sort: Named }> = groups.map((group) => ({
    group,
    sort: group,
    components: components.filter((c) => groupOf(c) === group.id).sort(byPosition),
  }));
  for (const component of components) {
    const groupId = groupOf(component);
    if (groupId && known.has(groupId)) continue;
    entries.push({ group: null, sort: component, components: [component] });
  }
  return entries
    .sort((a, b) => byPosition(a.sort, b.sort))
    .map(({ group, components: members }) => ({ group, components: members }));
}
