import { apiRoute } from '../../../../../server/api/api-route.ts';
import { TemplateInput } from '../../../../../server/templates/template-input.ts';
import { createTemplate, listTemplates } from '../../../../../server/templates/manage-templates.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald }) => listTemplates(herald.db));

export const POST = apiRoute(
  { role: 'editor', body: TemplateInput, wrapper: 'template', status: 201 },
  ({ change, input }) => createTemplate(change, input),
);
