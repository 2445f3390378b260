import { PERMANENT, RETRYABLE, errorClass } from '@switch-telemetry/errors';
import { NetboxErrorCodes } from './codes';

/** A listing page that is not what NetBox sends (not JSON, no `results` array, a device without an id, a `next` to another host). */
export class NetboxListingInvalidError extends errorClass(NetboxErrorCodes.LISTING_INVALID, RETRYABLE) {}
/** The listing changed while it was read (the count moved, a page came back short): read again later. */
export class NetboxListingChangedError extends errorClass(NetboxErrorCodes.LISTING_CHANGED, RETRYABLE) {}
/** A listing the sync will not apply: it would remove more devices than the source allows (an empty listing, a filter gone wrong). */
export class NetboxSyncRefusedError extends errorClass(NetboxErrorCodes.SYNC_REFUSED, PERMANENT) {}
/** A listing of more devices than the source's max_devices: refused before it is read. */
export class NetboxListingTooLargeError extends errorClass(NetboxErrorCodes.LISTING_TOO_LARGE, PERMANENT) {}
