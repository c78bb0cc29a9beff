import { apiRoute } from '../../../../../../../server/api/api-route.ts';
import { PublishSuggestionInput, publishSuggestion } from '../../../../../../../server/alerts/alert-inbox.ts';

/** Publishes the suggested incident (with any edits); answers the incident. */
export const POST = apiRoute(
  { role: 'editor', body: PublishSuggestionInput, wrapper: 'suggestion', status: 201 },
  ({ change, params, input }) => publishSuggestion(change, params.id!, input),
);
