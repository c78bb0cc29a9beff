import { apiRoute } from '../../../../../server/api/api-route.ts';
import { TemplatePatch } from '../../../../../server/templates/template-input.ts';
import { deleteTemplate, getTemplate, updateTemplate } from '../../../../../server/templates/manage-templates.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald, params }) => getTemplate(herald.db, params.id!));

export const PATCH = apiRoute(
  { role: 'editor', body: TemplatePatch, wrapper: 'template' },
  ({ change, params, input }) => updateTemplate(change, params.id!, input),
);
export const PUT = PATCH;

export const DELETE = apiRoute({ role: 'editor' }, ({ change, params, ifMatch }) =>
  deleteTemplate(change, params.id!, ifMatch),
);
