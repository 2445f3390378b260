import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import { InventoryErrorCodes } from './codes';

/** A subnet that is not a CIDR we scan. */
export class InvalidCidrError extends errorClass(InventoryErrorCodes.INVALID_CIDR, PERMANENT) {}
/** No device with that id. */
export class DeviceNotFoundError extends errorClass(InventoryErrorCodes.DEVICE_NOT_FOUND, PERMANENT) {}
/** Another device already uses that address and port. */
export class DeviceConflictError extends errorClass(InventoryErrorCodes.DEVICE_CONFLICT, PERMANENT) {}
/** A change whose result is not a valid device (a PATCH of the protocol that leaves subscriptions of the other protocol's modes). */
export class InvalidDeviceError extends errorClass(InventoryErrorCodes.INVALID_DEVICE, PERMANENT) {
  constructor(readonly problems: Array<{ field: string; problem: string }>) {
    super(problems.map((p) => `${p.field}: ${p.problem}`).join('; '));
  }
}
/** A profile change made on top of a version other than the stored one. */
export class ProfileVersionConflictError extends errorClass(InventoryErrorCodes.PROFILE_VERSION_CONFLICT, PERMANENT) {}
/** A profile that devices still name cannot be deleted. */
export class ProfileInUseError extends errorClass(InventoryErrorCodes.PROFILE_IN_USE, PERMANENT) {}
