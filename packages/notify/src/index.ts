export { ConsoleNotifier, type NotificationLog } from './console/console-notifier.js';
export {
  formatBody,
  formatSubject,
  type NotifiableChange,
  notificationId,
  planNotifications,
  type Route,
} from './plan.js';
export type * from './port.js';
