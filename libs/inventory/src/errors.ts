import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import { InventoryErrorCodes } from './codes';

/** A subnet that is not a CIDR we scan. */
export class InvalidCidrError extends errorClass(InventoryErrorCodes.INVALID_CIDR, PERMANENT) {}
/** No device with that id. */
export class DeviceNotFoundError extends errorClass(InventoryErrorCodes.DEVICE_NOT_FOUND, PERMANENT) {}
/** Another device already uses that address and port. */
export class DeviceConflictError extends errorClass(InventoryErrorCodes.DEVICE_CONFLICT, PERMANENT) {}
