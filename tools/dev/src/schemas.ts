// `npm run schemas`: writes schemas/*.json (JSON Schema for downstream
// consumers) from the zod schemas in libs/contracts. The contracts test fails
// when the checked-in files differ from what this writes.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderSchemas } from '@switch-telemetry/contracts';

const dir = resolve(__dirname, '..', '..', '..', 'schemas');
const files = renderSchemas();
for (const stale of readdirSync(dir).filter((f) => f.endsWith('.json') && !(f in files))) {
  rmSync(resolve(dir, stale));
  console.log(`removed schemas/${stale}`);
}
for (const [file, text] of Object.entries(files)) {
  writeFileSync(resolve(dir, file), text);
  console.log(`wrote schemas/${file}`);
}
