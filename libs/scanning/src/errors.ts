import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import { ScanningErrorCodes } from './codes';

/** A subnet the operator's policy does not let a scan reach: too wide, outside the allow-list, or a special range. */
export class SubnetRefusedError extends errorClass(ScanningErrorCodes.SUBNET_REFUSED, PERMANENT) {}
/** An entry of DISCOVERY_ALLOWED_SUBNETS that is not a CIDR. */
export class InvalidSubnetListError extends errorClass(ScanningErrorCodes.SUBNET_LIST_INVALID, PERMANENT) {}
