import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import { NotificationErrorCodes } from './codes';

/**
 * A webhook destination resolves to (or is) an address in a range the notifier must not reach.
 * Details are `{ host, address, range }`, never the URL: webhook URLs often carry secrets in their path or query.
 */
export class AddressRefusedError extends errorClass(NotificationErrorCodes.ADDRESS_REFUSED, PERMANENT) {}
/** A webhook URL that is not an http(s) URL, carries credentials, or writes an IP address in an unusual form. */
export class InvalidWebhookUrlError extends errorClass(NotificationErrorCodes.URL_INVALID, PERMANENT) {}
/** An allow-list entry that is neither a hostname, `*.domain`, an IP address nor a CIDR. */
export class InvalidAllowListError extends errorClass(NotificationErrorCodes.ALLOW_LIST_INVALID, PERMANENT) {}
