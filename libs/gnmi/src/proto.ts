import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/** Where gnmi.proto lives: beside a bundle (the build copies it) or in the repo. */
export const PROTO_DIR =
  [resolve(__dirname, 'proto'), resolve(__dirname, '..', 'proto')].find((d) => existsSync(d)) ?? resolve(__dirname, '..', 'proto');

/** How messages are turned into objects: names as in the proto, 64-bit integers as exact decimal strings, bytes as Buffers. */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let cached: { service: ServiceClientConstructor; definition: ReturnType<typeof loadSync> } | undefined;

/** The gNMI service definition (loaded once per process). */
export function gnmiService(): { service: ServiceClientConstructor; definition: ReturnType<typeof loadSync> } {
  if (!cached) {
    const definition = loadSync('gnmi.proto', LOADER_OPTIONS);
    const pkg = loadPackageDefinition(definition) as unknown as { gnmi: { gNMI: ServiceClientConstructor } };
    cached = { service: pkg.gnmi.gNMI, definition };
  }
  return cached;
}
