// node confirm.js (env MNCTF_LAB_INSTALL = a passport-saml-2.0.5-xmldom-* install)
// CVE-2021-21366 (GHSA-h6q6-9hqw-rwfv), library level, with the shapes of the fix commit
// xmldom/xmldom d4201b9 (test/parse/doctype.test.js: DOCTYPE system/public ids with mixed quotes):
// parse -> serialize -> parse must not change the document. "fooled" = the re-parsed document differs from the first parse.
'use strict';
const path = require('path');
const xmldom = require(require.resolve('xmldom', { paths: [path.join(process.env.MNCTF_LAB_INSTALL, 'node_modules')] }));
const version = require(require.resolve('xmldom/package.json', { paths: [path.join(process.env.MNCTF_LAB_INSTALL, 'node_modules')] })).version;
const quiet = { warning() {}, error() {}, fatalError(e) { throw new Error(String(e)); } };
const parse = (s) => new xmldom.DOMParser({ errorHandler: quiet }).parseFromString(s, 'text/xml');
const ser = (d) => new xmldom.XMLSerializer().serializeToString(d);
const view = (d) => {
  const out = [];
  if (d.doctype) out.push(`doctype ${d.doctype.name} public=${d.doctype.publicId} system=${d.doctype.systemId}`);
  (function walk(n) { if (n.nodeType === 1) { out.push(`<${n.nodeName} ns=${n.namespaceURI} ${Array.from(n.attributes).map((a) => `${a.name}=${a.value}`).join(' ')}>`); Array.from(n.childNodes).forEach(walk); } else if (n.nodeType === 3) out.push(`text ${n.data}`); })(d.documentElement);
  return out.join(' | ');
};
const cases = [
  ['DOCTYPE SYSTEM id with a double quote inside single quotes', `<!DOCTYPE x SYSTEM '"><y/><x a="'><x/>`],
  ['DOCTYPE PUBLIC id with a single quote inside double quotes', `<!DOCTYPE x PUBLIC "'" "s"><x/>`],
];
let changed = 0;
console.log(`  xmldom ${version}`);
for (const [label, src] of cases) {
  let line;
  try {
    const d1 = parse(src); const s1 = ser(d1); const d2 = parse(s1);
    const same = view(d1) === view(d2);
    if (!same) changed++;
    line = same ? 'round trip preserved' : `ROUND TRIP CHANGED THE DOCUMENT\n      first parse : ${view(d1)}\n      serialized  : ${s1}\n      second parse: ${view(d2)}`;
  } catch (e) { line = `rejected: ${e.message.split('\n')[0].slice(0, 100)}`; }
  console.log(`  ${label}: ${line}`);
}
process.exit(changed > 0 ? 0 : 1);
