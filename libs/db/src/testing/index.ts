export { createTestDatabase, postgresTestUrl, type TestDatabase } from './database';
