/**
 * A webhook's URL as logs and the deliveries API show it: scheme, host and path only. The query
 * string may carry a receiver's token and the URL is the webhook's name, so nothing after the path
 * leaves the provisioning file and the database.
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'webhook';
  }
}
