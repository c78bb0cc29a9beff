import { apiRoute } from '../../../../server/api/api-route.ts';
import { getSettings, SettingsPatch, updateSettings } from '../../../../server/settings/manage-settings.ts';

export const GET = apiRoute({ role: 'viewer' }, ({ herald }) => getSettings(herald.db));

export const PATCH = apiRoute({ role: 'admin', body: SettingsPatch, wrapper: 'page' }, ({ change, input }) =>
  updateSettings(change, input),
);
export const PUT = PATCH;
