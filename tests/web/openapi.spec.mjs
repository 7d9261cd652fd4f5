// tests/web/openapi.spec.mjs: the server's /openapi.json is a valid OpenAPI 3.1 document. The
// real server (`lastmile serve --demo` on a free 127.0.0.1 port, a temporary database, started by
// support.mjs like the browser specs) serves it; the
// official OpenAPI 3.1 JSON schema (npm @seriousme/openapi-schema-validator, which carries it)
// judges it; every local "$ref" must resolve against the document itself (a schema's "#/$defs/x"
// points at the document root, not at the schema that holds it); and every operation states
// its responses, an error one included, with the Error schema. Then the real answers: every
// operation is called without a key, and with an admin key and a body holding only an unknown
// key (or a path id that does not exist), and each answer must be an error (never a success:
// that would be a state change nobody asked for) whose body matches the schema the document
// declares for it (Ajv, JSON Schema 2020-12). Part of `make test`.
//
//   LASTMILE_BIN=build/debug/cli/lastmile node tests/web/openapi.spec.mjs
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer, stopServer } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const bin = path.resolve(repo, process.env.LASTMILE_BIN || 'build/debug/cli/lastmile');

// Every "$ref" in the document with where it sits, e.g. ["#/components/schemas/Error", "paths/..."].
function refs(node, at, out) {
  if (Array.isArray(node)) node.forEach((v, i) => refs(v, `${at}/${i}`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push([v, at]);
      else refs(v, `${at}/${k}`, out);
    }
  }
  return out;
}

// The value a local JSON pointer ("#/a/b~1c") names in doc, or undefined.
function pointer(doc, ref) {
  let v = doc;
  for (const raw of ref.slice(2).split('/')) {
    const k = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object' || !(k in v)) return undefined;
    v = v[k];
  }
  return v;
}

const problems = [];

// schema with every local "$ref" replaced by what it names (the document has no cycles).
function deref(doc, node) {
  if (Array.isArray(node)) return node.map((v) => deref(doc, v));
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) return deref(doc, pointer(doc, node.$ref));
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, deref(doc, v)]));
}

// Calls every operation twice (no key; an admin key with a body of one unknown key, or ids that
// do not exist) and checks each answer against the document.
async function checkAnswers(doc, base, key) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const methods = ['get', 'put', 'post', 'delete', 'patch'];
  let checked = 0;
  for (const [p, item] of Object.entries(doc.paths || {})) {
    for (const m of methods) {
      const op = item[m];
      if (!op) continue;
      const url = base + p.replace(/\{[^}]*\}/g, 'zz-no-such-id');
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      for (const withKey of [false, true]) {
        if (!withKey && isPublic) continue; // a public route answers without a key
        if (withKey && m === 'get' && !/\{/.test(p)) continue; // a listing succeeds, rightly
        const headers = withKey ? { Authorization: `Bearer ${key}` } : {};
        let body;
        if (m !== 'get' && m !== 'delete') {
          headers['Content-Type'] = 'application/json';
          body = '{"zz_unknown_key":1}';
        }
        const res = await fetch(url, { method: m.toUpperCase(), headers, body });
        const text = await res.text();
        const what = `${m.toUpperCase()} ${p} (${withKey ? 'admin, bad input' : 'no key'}) -> ${res.status}`;
        checked++;
        if (res.status < 400) { problems.push(`${what}: an error was expected: ${text.slice(0, 200)}`); continue; }
        if (!withKey && res.status !== 401) problems.push(`${what}: 401 was expected`);
        const declared = op.responses[String(res.status)] || op.responses.default;
        const ct = (res.headers.get('content-type') || '').split(';')[0].trim();
        const media = declared?.content?.[ct];
        if (!media) { problems.push(`${what}: answered ${ct || 'no content type'}, the document declares ${Object.keys(declared?.content || {}).join(', ') || 'none'}`); continue; }
        if (ct !== 'application/json' || !media.schema) continue;
        let json;
        try { json = JSON.parse(text); } catch { problems.push(`${what}: body is not JSON: ${text.slice(0, 200)}`); continue; }
        const validate = ajv.compile(deref(doc, media.schema));
        if (!validate(json)) problems.push(`${what}: body ${text.slice(0, 200)} does not match its schema: ${ajv.errorsText(validate.errors)}`);
      }
    }
  }
  console.log(`openapi: ${checked} real error answers checked against the document`);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'lastmile-openapi-'));
let server = null;
try {
  const port = await freePort();
  server = await startServer(bin, repo, port, path.join(tmp, 'o.db'));
  const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
  const doc = await res.json();

  const validator = new Validator();
  const verdict = await validator.validate(doc);
  if (validator.version !== '3.1') problems.push(`validated as OpenAPI ${validator.version}, not 3.1`);
  if (!verdict.valid) problems.push(`not valid against the OpenAPI 3.1 schema:\n${JSON.stringify(verdict.errors, null, 1).slice(0, 4000)}`);

  for (const [ref, at] of refs(doc, '#', [])) {
    if (!ref.startsWith('#/')) problems.push(`${at}: external $ref ${ref}`);
    else if (pointer(doc, ref) === undefined) problems.push(`${at}: $ref ${ref} resolves to nothing`);
  }

  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
  let operations = 0;
  for (const [p, item] of Object.entries(doc.paths || {})) {
    for (const m of methods) {
      const op = item[m];
      if (!op) continue;
      operations++;
      const codes = Object.keys(op.responses || {});
      if (!codes.some((c) => /^2/.test(c))) problems.push(`${m.toUpperCase()} ${p}: no success response`);
      const errors = codes.filter((c) => /^[45]/.test(c) || c === 'default');
      if (!errors.length) problems.push(`${m.toUpperCase()} ${p}: no error response`);
      for (const c of errors) {
        const schema = op.responses[c]?.content?.['application/json']?.schema;
        const isError = (x) => x && x.$ref === '#/components/schemas/Error';
        if (schema && !isError(schema) && !(schema.oneOf || []).some(isError))
          problems.push(`${m.toUpperCase()} ${p} ${c}: error body is not the Error schema`);
      }
    }
  }
  if (operations < 50) problems.push(`only ${operations} operations: is the route table there?`);
  await checkAnswers(doc, `http://127.0.0.1:${port}`, server.key);
  console.log(`openapi: ${operations} operations, ${refs(doc, '#', []).length} $refs checked`);
} catch (e) {
  problems.push(String(e && e.stack ? e.stack : e));
} finally {
  if (server) await stopServer(server);
  rmSync(tmp, { recursive: true, force: true });
}
if (problems.length) {
  console.log(`FAIL: ${problems.length} problem(s)\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('ok: /openapi.json is valid OpenAPI 3.1');
