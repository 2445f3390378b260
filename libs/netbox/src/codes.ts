/** Every error code of the NetBox lib. */
export const NetboxErrorCodes = {
  LISTING_INVALID: 'NETBOX_LISTING_INVALID',
  LISTING_CHANGED: 'NETBOX_LISTING_CHANGED',
  SYNC_REFUSED: 'NETBOX_SYNC_REFUSED',
} as const;
