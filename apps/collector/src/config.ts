/** Variables only the collector reads (COLLECTOR_*); the common ones come from the service lib. Filled in by its own issue. */
export const collectorConfigShape = {};

export const COLLECTOR_HTTP_PORT = 9101;
