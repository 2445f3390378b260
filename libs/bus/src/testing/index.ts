export { deleteNamespace, natsTestUrl, uniqueNamespace, withTestBus } from './nats';
export { NATS_SERVER_BIN, PrivateNatsServer, freePort } from './nats-server';
export { TcpOutage } from './outage';
export { fakeBus, type FakeBus, type SentMessage } from './fake-bus';
