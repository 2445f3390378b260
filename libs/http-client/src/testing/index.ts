export { startTestServer, type TestServer, type TestHandler } from './test-server';
