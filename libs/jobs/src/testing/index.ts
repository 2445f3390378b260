export { createJobTestEnv, waitUntil, type JobTestEnv } from './job-test-env';
