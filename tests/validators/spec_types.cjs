// The Meeting Guide spec's type codes, from the code4recovery spec package on npm.
"use strict";
const path = require("path");
const spec = require(path.join(process.env.FEEDS_VALIDATORS, "node", "node_modules", "@code4recovery", "spec"));
process.stdout.write(JSON.stringify(Object.keys(spec.getTypesForLanguage("en"))));
