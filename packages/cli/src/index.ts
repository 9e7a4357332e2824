export { run } from './main.js';
export {
  REPLAY_FIELDS,
  type ReplayIncident,
  type ReplayOptions,
  replay,
  toReplayIncident,
} from './replay.js';
