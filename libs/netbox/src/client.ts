import { DecodeError, type HttpClient } from '@switch-telemetry/http-client';
import type { NetboxSource } from './config';
import { NetboxListingChangedError, NetboxListingInvalidError, NetboxListingTooLargeError } from './errors';
import { netboxPageSchema } from './model';

/** What one listing read: every device object as NetBox sent it, and how many pages that took. */
export interface NetboxListing {
  devices: unknown[];
  pages: number;
}

export interface ListOptions {
  /** Each page, its retries included. */
  pageDeadlineMs: number;
  signal?: AbortSignal;
}

/** The devices endpoint under a source's base URL (which may carry a path: https://example.com/netbox). */
export function devicesUrl(source: NetboxSource): URL {
  const base = source.url.endsWith('/') ? source.url : `${source.url}/`;
  const url = new URL('api/dcim/devices/', base);
  url.searchParams.set('limit', String(source.page_size));
  url.searchParams.set('offset', '0');
  url.searchParams.set('ordering', 'id');
  for (const [key, value] of Object.entries(source.list_filters)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  return url;
}

/**
 * NetBox names the next page by an absolute URL of its own idea of its host
 * (behind a proxy, often not the one we call). Only its query is taken, on
 * the endpoint we called: a listing can never lead the sync anywhere else.
 */
function nextUrl(first: URL, next: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(next, first);
  } catch {
    throw new NetboxListingInvalidError('the listing names a next page that is not a URL');
  }
  if (parsed.pathname !== first.pathname)
    throw new NetboxListingInvalidError(`the next page is on another path (${parsed.pathname.slice(0, 100)})`);
  const url = new URL(first);
  url.search = parsed.search;
  return url;
}

/**
 * Reads every device of the source's listing, page by page, through the
 * shared HTTP client (timeouts, retries with backoff and Retry-After, the
 * per-origin breaker; its typed errors reach the caller as they are). A
 * page that is not a NetBox page, a device without an id, or a listing whose
 * count moved while it was read fails the whole listing: nothing of a
 * partial listing is ever used.
 */
export async function listNetboxDevices(
  http: HttpClient,
  source: NetboxSource,
  token: string,
  options: ListOptions,
): Promise<NetboxListing> {
  const first = devicesUrl(source);
  const headers = { authorization: `Token ${token}`, accept: 'application/json' };
  const byId = new Map<number, unknown>();
  let url: URL | undefined = first;
  let pages = 0;
  let count = 0;
  let maxPages = Number.POSITIVE_INFINITY;
  while (url) {
    if (pages >= maxPages) throw new NetboxListingChangedError(`the listing went on past ${pages} pages for ${count} devices`);
    let body: unknown;
    try {
      body = (
        await http.get(url.toString(), {
          headers,
          deadlineMs: options.pageDeadlineMs,
          ...(options.signal ? { signal: options.signal } : {}),
        })
      ).body;
    } catch (err) {
      if (err instanceof DecodeError) throw new NetboxListingInvalidError(`page ${pages + 1} is not JSON`, { cause: err });
      throw err;
    }
    pages += 1;
    const page = netboxPageSchema.safeParse(body);
    if (!page.success) {
      const issue = page.error.issues[0];
      throw new NetboxListingInvalidError(
        `page ${pages} is not a NetBox list: ${issue?.path.join('.') || '(page)'}: ${issue?.message ?? ''}`,
      );
    }
    if (pages === 1) {
      count = page.data.count;
      if (count > source.max_devices) {
        throw new NetboxListingTooLargeError(`the listing holds ${count} devices, more than max_devices (${source.max_devices}): not read`);
      }
      maxPages = Math.ceil(count / source.page_size) + 2;
    } else if (page.data.count !== count) {
      throw new NetboxListingChangedError(`the device count went from ${count} to ${page.data.count} while the listing was read`);
    }
    for (const [i, item] of page.data.results.entries()) {
      const id = (item as { id?: unknown } | null)?.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
        throw new NetboxListingInvalidError(`page ${pages}, result ${i + 1} has no numeric id`);
      }
      byId.set(id, item);
    }
    url = page.data.next ? nextUrl(first, page.data.next) : undefined;
  }
  if (byId.size !== count) {
    throw new NetboxListingChangedError(`the listing said ${count} devices and held ${byId.size}: it changed while it was read`);
  }
  return { devices: [...byId.values()], pages };
}
