/** Every error code of the scanning lib. */
export const ScanningErrorCodes = {
  SUBNET_REFUSED: 'DISCOVERY_SUBNET_REFUSED',
  SUBNET_LIST_INVALID: 'DISCOVERY_SUBNET_LIST_INVALID',
} as const;
