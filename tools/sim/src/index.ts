export { deviceAddress, startFleet, startNetconfFleet, type FleetOptions } from './fleet';
export { GnmiTarget, type GnmiFault, type GnmiTargetOptions } from './gnmi-target';
export { DeviceModel, matches, type Leaf } from './model';
export { NetconfDevice, type NetconfDeviceOptions, type NetconfFault } from './netconf-device';
