/** Every error code of the inventory lib. */
export const InventoryErrorCodes = {
  INVALID_CIDR: 'INVENTORY_INVALID_CIDR',
  DEVICE_NOT_FOUND: 'INVENTORY_DEVICE_NOT_FOUND',
  DEVICE_CONFLICT: 'INVENTORY_DEVICE_CONFLICT',
} as const;
