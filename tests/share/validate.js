// validate.js SCHEMA FILE... - each share file against the JSON Schema
// (ajv, draft-07, with the date-time, ipv4 and ipv6 formats); prints the
// first errors of a file that does not validate and exits 1.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
let bad = 0;
for (const f of process.argv.slice(3)) {
  const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
  if (!validate(doc)) {
    bad++;
    console.log(f + ': ' + JSON.stringify(validate.errors.slice(0, 3)));
  }
}
process.exit(bad ? 1 : 0);
