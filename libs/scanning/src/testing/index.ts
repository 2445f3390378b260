export { startOtherService, type OtherService } from './other-service';
