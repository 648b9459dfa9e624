// `npm test`'s runner: node's own test runner over the compiled suites (dist/test/*.test.js),
// three files at a time where node has the option (20.10 and later; Debian 12's node 18 runs
// them one after another).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const files = readdirSync("dist/test")
  .filter((name) => name.endsWith(".test.js"))
  .map((name) => `dist/test/${name}`);
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const parallel = major > 20 || (major === 20 && minor >= 10) ? ["--test-concurrency=3"] : [];
const { status } = spawnSync(process.execPath, ["--test", ...parallel, ...files], { stdio: "inherit" });
process.exit(status ?? 1);
