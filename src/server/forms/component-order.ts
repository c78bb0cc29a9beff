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

export function sectionsOf<G extends Named, C extends Named & { group_id: string | null }>(groups: readonly G[], components: readonly C[]): ComponentSection<G, C>[] {
  const known = new Set(groups.map((g) => g.id));
  const entries: Array<ComponentSection<G, C> & { sort: Named }> = groups.map((group) => ({
    group,
    sort: group,
    components: components.filter((c) => c.group_id === group.id).sort(byPosition),
  }));
  for (const component of components) {
    if (component.group_id && known.has(component.group_id)) continue;
    entries.push({ group: null, sort: component, components: [component] });
  }
  return entries.sort((a, b) => byPosition(a.sort, b.sort)).map(({ group, components: members }) => ({ group, components: members }));
}
