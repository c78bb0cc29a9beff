// Readers of a target never see a broken tree: what a file refers to is up before the file.
// Assets (styles, scripts, fonts, images) are referred to by every page; incident pages by the
// other pages (history, components, uptime); those by the front pages (the index and its
// translations); everything else (`/api/v2`, widget data, feeds, badges) goes last, so that a
// widget or API client never points at a page the target lacks.

export const UPLOAD_STAGES = ['assets', 'incident pages', 'pages', 'front pages', 'data'] as const;
export type UploadStage = (typeof UPLOAD_STAGES)[number];

const ASSET = /\.(css|js|mjs|map|woff2?|ttf|otf|png|jpe?g|gif|webp|avif|ico|svg)$/;
const BADGE = /(^|\/)badge\.svg$/;
// The index, and a translated index such as zh-CN/index.html.
const FRONT_PAGE = /^([a-z]{2,3}(-[A-Za-z0-9]{2,8})?\/)?index\.html$/;
const INCIDENT_PAGE = /^([a-z]{2,3}(-[A-Za-z0-9]{2,8})?\/)?incidents\//;

export function uploadStageOf(file: string): UploadStage {
  if (file.startsWith('_astro/')) return 'assets';
  if (file.endsWith('.html'))
    return FRONT_PAGE.test(file) ? 'front pages' : INCIDENT_PAGE.test(file) ? 'incident pages' : 'pages';
  if (ASSET.test(file) && !BADGE.test(file)) return 'assets';
  return 'data';
}

/** Files grouped by stage, in upload order; within a stage in no particular order. */
export function groupByStage(files: Iterable<string>): string[][] {
  const groups = UPLOAD_STAGES.map(() => [] as string[]);
  for (const file of files) groups[UPLOAD_STAGES.indexOf(uploadStageOf(file))]!.push(file);
  return groups.filter((group) => group.length > 0);
}

/** The URL path a site-relative file is served at: 'incidents/x/index.html' -> '/incidents/x/'. */
export function urlPathOf(file: string): string {
  if (file === 'index.html') return '/';
  if (file.endsWith('/index.html')) return `/${file.slice(0, -'index.html'.length)}`;
  return `/${file}`;
}
