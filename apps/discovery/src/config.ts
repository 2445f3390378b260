/** Variables only the discovery reads (DISCOVERY_*); the common ones come from the service lib. None yet. */
export const discoveryConfigShape = {};

export const DISCOVERY_HTTP_PORT = 9102;
