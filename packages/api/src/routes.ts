import { BulwarkError, Errors } from '@bulwark/errors';
import type { Store } from '@bulwark/store';
import type { FastifyPluginAsync } from 'fastify';
import { defined, EventSearchQuery, IncidentListQuery, parseQuery } from './query.js';

export interface ApiOptions {
  store: Store;
}

/** The read side of the REST API: incidents and events. Mount after the auth plugin. */
export const apiRoutes: FastifyPluginAsync<ApiOptions> = async (app, { store }) => {
  const read = { onRequest: app.requireScope('read') };

  app.get('/v1/incidents', read, async (request) => {
    return store.listIncidents(defined(parseQuery(IncidentListQuery, request.query)));
  });

  app.get<{ Params: { id: string } }>('/v1/incidents/:id', read, async (request) => {
    const incident = await store.getIncident(request.params.id);
    if (!incident) throw new BulwarkError(Errors.notFound, `no incident ${request.params.id}`);
    return { ...incident, notifications: await store.listNotifications(incident.id) };
  });

  app.get('/v1/events', read, async (request) => {
    return store.searchEvents(defined(parseQuery(EventSearchQuery, request.query)));
  });
};
