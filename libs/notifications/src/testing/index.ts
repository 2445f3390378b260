export { WebhookReceiver, type Answer, type Received } from './receiver';
