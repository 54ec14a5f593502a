// Loaded by mocha before the tests (.mocharc.json "require"). Mocha sets Error.stackTraceLimit to
// Infinity; the YAML parser makes an error object for every syntax problem it meets, and with
// unbounded stacks the fuzz test spent most of its time capturing them. Node's own limit (10) is
// what the CLI runs with; 50 leaves long traces for a failing test.
Error.stackTraceLimit = 50;
