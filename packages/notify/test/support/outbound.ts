import type { Content, Outbound } from '@bulwark/notify';
import type { Notification } from '@bulwark/schemas';

/** A message as the notify stage hands it to an adapter; `commits` counts commit calls. */
export function outbound(
  notification: Notification,
  content: Content,
  options: { address?: string; commit?: () => Promise<void> } = {},
): Outbound & { commits: number } {
  const message = {
    ...notification,
    address: options.address ?? notification.recipient,
    content,
    commits: 0,
    commit: async () => {
      message.commits += 1;
      await options.commit?.();
    },
  };
  return message;
}
