export { BREAKER_FAILURE_THRESHOLD, BREAKER_RESET_TIMEOUT_MS, MAX_BREAKERS, type BreakerState, type BreakerStateName } from './breakers';
export {
  CONNECTIONS_PER_ORIGIN,
  CONNECT_TIMEOUT_MS,
  DEADLINE_MS,
  HttpClient,
  MAX_ATTEMPTS,
  MAX_RESPONSE_BYTES,
  RECEIVE_TIMEOUT_MS,
  RETRY_AFTER_CAP_MS,
  type Expect,
  type HttpClientOptions,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
} from './client';
export { HttpErrorCodes } from './codes';
export {
  AbortedError,
  BODY_EXCERPT_BYTES,
  CircuitOpenError,
  ConnectionError,
  DecodeError,
  HttpStatusError,
  InvalidRequestError,
  ResponseTooLargeError,
  TimeoutError,
  classifyStatus,
  type ConnectionPhase,
  type TimeoutPhase,
} from './errors';
export { parseRetryAfter } from './retry-after';
export { httpClientConfigShape, httpClientOptionsFrom } from './config';
