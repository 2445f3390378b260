/** Every error code of the notifications lib. */
export const NotificationErrorCodes = {
  ADDRESS_REFUSED: 'NOTIFIER_ADDRESS_REFUSED',
  URL_INVALID: 'NOTIFIER_URL_INVALID',
  ALLOW_LIST_INVALID: 'NOTIFIER_ALLOW_LIST_INVALID',
} as const;
