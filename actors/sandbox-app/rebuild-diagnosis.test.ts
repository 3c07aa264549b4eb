import { describe, expect, it } from 'vitest';
import { cleanRebuildLog, diagnoseRebuild } from './rebuild-diagnosis.js';

// Each log is the real output of a failed `npm rebuild` (npm 11, node-gyp 12) with one piece of the toolchain taken away.
const HEAD = ['npm error code 1', 'npm error path /workspace/node_modules/@scope/native-thing', 'npm error command failed', 'npm error command sh -c node-gyp rebuild', 'npm error gyp info it worked if it ends with ok'];
const TAIL = [
  'npm error gyp ERR! stack at ChildProcess.<anonymous> (/usr/lib/node_modules/npm/node_modules/node-gyp/lib/build.js:219:23)',
  'npm error gyp ERR! System Linux 6.18.44',
  'npm error gyp ERR! node -v v20.20.2',
  'npm error gyp ERR! not ok',
];
const log = (...middle: string[]) => [...HEAD, ...middle, ...TAIL].join('\n');
const diagnose = (text: string, backend: 'bubblewrap' | 'docker' = 'bubblewrap', headersProblem: string | null = null) => diagnoseRebuild(cleanRebuildLog(text), { backend, headersProblem });

describe('diagnoseRebuild', () => {
  it('names the missing C++ compiler, as make and gyp report it, and says the docker image when that is the sandbox', () => {
    const make = log("npm error make: Entering directory '/workspace/node_modules/@scope/native-thing/build'", 'npm error   CXX(target) Release/obj.target/x/addon.o', 'npm error make: g++: No such file or directory', 'npm error make: *** [x.target.mk:106: Release/obj.target/x/addon.o] Error 127');
    expect(diagnose(make)).toMatchObject({ packageName: '@scope/native-thing', cause: expect.stringMatching(/^the sandbox has no C\+\+ compiler: g\+\+ was not found/) });
    expect(diagnose(make, 'docker')?.cause).toMatch(/^the sandbox image has no C\+\+ compiler: g\+\+/);
    const gyp = log('npm error   File "/usr/lib/node_modules/npm/node_modules/node-gyp/gyp/pylib/gyp/common.py", line 465, in GetCompilerPredefines', "npm error FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/g++'", 'npm error gyp ERR! configure error ');
    expect(diagnose(gyp)?.cause).toMatch(/no C\+\+ compiler: \/nonexistent\/g\+\+ was not found/);
  });

  it('names a missing make and a missing Python', () => {
    expect(diagnose(log('npm error gyp ERR! build error ', 'npm error gyp ERR! stack Error: not found: make'))?.cause).toMatch(/^the sandbox has no make for node-gyp/);
    const python = log('npm error gyp ERR! find Python ', 'npm error gyp ERR! find Python You need to install the latest version of Python.', 'npm error gyp ERR! stack Error: Could not find any Python installation to use');
    expect(diagnose(python)?.cause).toMatch(/has no Python for node-gyp/);
  });

  it("says node-gyp tried to download Node's headers, with the reason none were offered", () => {
    const offline = log('npm error gyp http GET https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz', 'npm error gyp WARN install got an error, rolling back install', 'npm error gyp ERR! stack Error: getaddrinfo EAI_AGAIN nodejs.org');
    expect(diagnose(offline, 'bubblewrap', 'no Node headers beside /usr/bin/node')?.cause).toBe("node-gyp tried to download Node's headers, and the sandbox has no network: no Node headers beside /usr/bin/node");
  });

  it('quotes the first compiler error, tells a missing system header from a missing Node header, and finds linker errors', () => {
    const compile = log("npm error ../addon.cc: In function 'napi_value__* Init(napi_env, napi_value)':", "npm error ../addon.cc:5:10: error: 'planted' was not declared in this scope", "npm error ../addon.cc:9:1: error: expected ';'");
    expect(diagnose(compile)).toMatchObject({ cause: "C++ compile error: ../addon.cc:5:10: error: 'planted' was not declared in this scope", line: 5 });
    expect(diagnose(log('npm error ../src/db.cc:3:10: fatal error: sqlite3.h: No such file or directory'))?.cause).toMatch(/^the header sqlite3\.h is missing: a system library's development files/);
    expect(diagnose(log('npm error ../addon.cc:1:10: fatal error: node_api.h: No such file or directory'))?.cause).toMatch(/^Node's header node_api\.h is missing/);
    expect(diagnose(log("npm error /usr/bin/ld: cannot find -lsqlite3: No such file or directory"))?.cause).toMatch(/^link error: \/usr\/bin\/ld: cannot find -lsqlite3/);
  });

  it('returns null when the log shows no native build failure, and names a linked folder by its last part', () => {
    expect(diagnose(log('npm error sh: 1: ./install.sh: Permission denied'))).toBeNull();
    const linked = ['npm error path /workspace/broken-addon', "npm error ../a.cc:1:1: error: 'x' does not name a type"].join('\n');
    expect(diagnose(linked)?.packageName).toBe('broken-addon');
  });

  it('drops node-gyp progress and stack lines but keeps what the compiler said', () => {
    const lines = cleanRebuildLog(log('npm error gyp info spawn make', "npm error ../a.cc:1:1: error: 'x' does not name a type"));
    expect(lines).toContain("../a.cc:1:1: error: 'x' does not name a type");
    expect(lines.some((l) => /gyp info|stack +at |node -v/.test(l))).toBe(false);
  });
});
