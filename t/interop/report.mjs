// What the interop scripts share: the report format the t/ files read
// (WellKnown::Test::interop_checks), error descriptions, the spec file, and
// the exit status.
//
//     ok LIB CASE - detail
//     not ok LIB CASE - what went wrong
//     skip LIB CASE - why the library cannot do this at all
//
// A script exits 0 when every check passed, 1 when one failed, 2 when it
// could not run.

import { readFileSync } from 'node:fs';

export const oneLine = (text) => String(text).split(/\s+/).filter(Boolean).join(' ');

// A rejection in full: class, code, message, and which member and value the
// library objected to when it says so (oauth4webapi puts them in `cause`).
export function describe(e) {
  let s = `${e?.name ?? 'Error'}${e?.code ? ` [${e.code}]` : ''}: ${e?.message ?? e}`;
  for (let c = e, depth = 0; c && depth < 4; c = c.cause, depth += 1) {
    const cause = c.cause;
    if (!cause || typeof cause !== 'object') continue;
    if (cause instanceof Error) {
      s += ` <- ${cause.name}${cause.code ? ` [${cause.code}]` : ''}: ${cause.message}`;
    } else if (typeof Response !== 'undefined' && cause instanceof Response) {
      s += ` (response ${cause.status} ${cause.headers.get('content-type') ?? 'no content-type'})`;
    } else if (cause.attribute !== undefined) {
      s += ` (member "${cause.attribute}"`;
      if (cause.body && typeof cause.body === 'object') {
        s += ` = ${JSON.stringify(cause.body[cause.attribute])}`;
      }
      if (cause.expected !== undefined) s += `, expected ${JSON.stringify(cause.expected)}`;
      s += ')';
    } else if (cause.body !== undefined) {
      s += ` (body ${JSON.stringify(cause.body)})`;
    }
  }
  return oneLine(s);
}

let failed = 0;

// One report line; a "not ok" makes the exit status 1.
export function line(status, lib, name, detail) {
  if (status === 'not ok') failed += 1;
  process.stdout.write(`${status} ${lib} ${name} - ${oneLine(detail)}\n`);
}

// Runs one check: fn returns the detail of an ok line or throws.
export async function check(lib, name, fn) {
  try {
    line('ok', lib, name, await fn());
    return true;
  } catch (e) {
    line('not ok', lib, name, describe(e));
    return false;
  }
}

// The spec a t/ file wrote: a file name, or the JSON text itself.
export function loadSpec(arg) {
  return JSON.parse(arg.trimStart().startsWith('{') ? arg : readFileSync(arg, 'utf8'));
}

// Runs main(argv) with the script's arguments (after its name) and exits:
// main's return value (usage errors), or 1 if any check failed, 0 if none,
// 2 if main threw.
export function run(script, main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code || (failed ? 1 : 0)),
    (e) => {
      process.stderr.write(`${script}: ${e?.stack ?? e}\n`);
      process.exit(2);
    },
  );
}
