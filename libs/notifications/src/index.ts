export { NotificationErrorCodes } from './codes';
export { AddressRefusedError, InvalidAllowListError, InvalidWebhookUrlError } from './errors';
export { AddressPolicy, blockedRange, checkWebhookUrl, guardedLookup, type Resolve } from './address-guard';
