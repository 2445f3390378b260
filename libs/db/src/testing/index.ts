export { createTestDatabase, postgresTestUrl, type TestDatabase } from './database';
export { PostgresOutage } from './outage';
