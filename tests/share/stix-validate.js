// stix-validate.js SCHEMAS BUNDLE... - each STIX 2.1 bundle against the OASIS
// JSON schemas (draft 2020-12, tests/data/stix2.1-schemas): the bundle
// against common/bundle.json, every object against the schema of its type.
// Prints the first errors and exits 1 when one does not validate.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');
const dir = process.argv[2];
// unicodeRegExp off: the schemas' patterns escape '-' (\-), which the u flag refuses
const ajv = new Ajv2020({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const byType = {};
for (const sub of ['common', 'observables', 'sdos', 'sros']) {
  for (const f of fs.readdirSync(path.join(dir, sub)).filter((x) => x.endsWith('.json'))) {
    const s = JSON.parse(fs.readFileSync(path.join(dir, sub, f), 'utf8'));
    ajv.addSchema(s);
    byType[f.replace(/\.json$/, '')] = s.$id;
  }
}
let bad = 0, n = 0;
const types = {};
for (const f of process.argv.slice(3)) {
  const b = JSON.parse(fs.readFileSync(f, 'utf8'));
  const vb = ajv.getSchema(byType.bundle);
  if (!vb(b)) { bad++; console.log(f + ': bundle: ' + JSON.stringify(vb.errors.slice(0, 3))); }
  for (const o of b.objects || []) {
    const id = byType[o.type];
    if (!id) { bad++; console.log(f + ': ' + o.id + ': no schema for type ' + o.type); continue; }
    const v = ajv.getSchema(id);
    n++;
    types[o.type] = (types[o.type] || 0) + 1;
    if (!v(o)) {
      bad++;
      if (bad < 5) console.log(f + ': ' + o.id + ': ' + JSON.stringify(v.errors.slice(0, 3)));
    }
  }
}
console.log(n + ' objects (' + Object.keys(types).sort().map((t) => t + ' ' + types[t]).join(', ') + ')' +
  (bad ? ', ' + bad + ' invalid' : ', all valid'));
process.exit(bad ? 1 : 0);
