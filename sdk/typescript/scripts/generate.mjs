// Generate the API's types from an OpenAPI document with openapi-typescript:
//   node scripts/generate.mjs [openapi.json] [src/schema.ts]
// `make sdk` runs it on the committed document (written by scripts/openapi_document.py); the
// staleness test runs it on a fresh document and compares, so the options live here only.
import { readFile, writeFile } from "node:fs/promises";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

const [input = "openapi.json", output = "src/schema.ts"] = process.argv.slice(2);
const document = JSON.parse(await readFile(input, "utf8"));
const ast = await openapiTS(document, {
  // A field with a default stays optional: a request may leave it out (`amount` of a top-up).
  defaultNonNullable: false,
  silent: true,
});
await writeFile(output, COMMENT_HEADER + astToString(ast));
