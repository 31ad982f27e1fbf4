// misp-validate.js SCHEMA EVENT... - each MISP event file against a MISP
// format schema (draft-04, compiled as draft-07 without its $schema and id:
// the keywords it uses mean the same there). Exits 1 on the first invalid.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');
const schema = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
delete schema.$schema;
(function strip(x) {
  if (x && typeof x === 'object') {
    if (typeof x.id === 'string' && x.id.startsWith('http')) delete x.id;
    Object.values(x).forEach(strip);
  }
})(schema);
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
let bad = 0;
for (const f of process.argv.slice(3)) {
  if (!validate(JSON.parse(fs.readFileSync(f, 'utf8')))) {
    bad++;
    console.log(f + ': ' + JSON.stringify(validate.errors.slice(0, 3)));
  }
}
process.exit(bad ? 1 : 0);
