/**
 * How to read application events whose fields are not named as ECS names them: for each ECS field,
 * the app's own field (dotted path), and translations of the app's action and outcome words.
 * Given in config under `classifier.app_mapping`.
 */
export interface AppMapping {
  fields?: Partial<Record<AppField, string>>;
  actions?: Record<string, string>;
  outcomes?: Record<string, 'success' | 'failure' | 'unknown'>;
}

/** The ECS fields an application event may carry under another name. */
export type AppField =
  | '@timestamp'
  | 'event.action'
  | 'event.outcome'
  | 'event.dataset'
  | 'user.name'
  | 'user.email'
  | 'source.ip'
  | 'source.port'
  | 'user_agent.original'
  | 'url.original'
  | 'tags';
