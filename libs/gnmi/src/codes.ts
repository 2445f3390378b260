/** Every error code of the gNMI lib. */
export const GnmiErrorCodes = {
  PATH_SYNTAX: 'GNMI_PATH_SYNTAX',
  VALUE_DECODE: 'GNMI_VALUE_DECODE',
  RPC: 'GNMI_RPC',
  CONNECT: 'GNMI_CONNECT',
  CONFIG: 'GNMI_CONFIG',
} as const;
