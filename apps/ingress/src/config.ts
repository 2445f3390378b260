/** Variables only the ingress reads (INGRESS_*); the common ones come from the service lib. Filled in by its own issue. */
export const ingressConfigShape = {};

export const INGRESS_HTTP_PORT = 8080;
