/** Variables only the notifier reads (NOTIFIER_*); the common ones come from the service lib. None yet. */
export const notifierConfigShape = {};

export const NOTIFIER_HTTP_PORT = 9103;
