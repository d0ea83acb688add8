// Test-side entry point for the simulated Asterisk AMI server (the implementation ships in src/sim).
export { SimAsterisk } from '../../src/sim/ami-server.js';
export type { AmiMessage, CallerOptions, DeviceStateName, SimAsteriskOptions, SimCall, SimMember, SimMode } from '../../src/sim/ami-server.js';
