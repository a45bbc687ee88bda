// Package crashtest holds the bridge's crash and fault harness: tests that
// run the real `bridge run` binary against the fake Atlar (served over HTTP
// by the test process, so it outlives every kill), drop files through the
// folders and the SFTP server, kill the bridge at random and at exact
// moments, inject API and disk faults, and then check the product's
// promise: each accepted file became exactly one instruction or one set of
// batches at Atlar, every original rests byte for byte in archive/ or
// failed/ with its acknowledgement in the outbox, nothing is left in inbox/
// or processing/, and the journal passes its consistency check.
//
// The package has no code of its own; everything is in its tests.
//
//	go test -race ./internal/crashtest/                 # what CI runs (≈ 3–5 min on 2 cores)
//	go test -short ./internal/crashtest/                # skips the process-level tests
//	CRASHTEST_SEED=42 CRASHTEST_KILLS=1000 go test -run KillStorm -v ./internal/crashtest/
//
// Knobs (environment): CRASHTEST_SEED, CRASHTEST_KILLS (kill storm, default
// 200), CRASHTEST_FILES (cap on files it drops, default 400),
// CRASHTEST_FAULT_SECONDS and CRASHTEST_FAULT_FILES (API fault run, default
// 25 s and 60 files).
//
// Every randomised test logs its seed first and again on failure; set
// CRASHTEST_SEED to replay it. Kill delays depend on timing, so a replay
// repeats the choices (kill kinds, journal steps, file contents) but not
// necessarily the exact instants of the random SIGKILLs.
//
// Exact kill points use the bridge's test-only crash switch
// (ATLAR_BRIDGE_TEST_CRASH_AFTER, cmd/bridge/crashhook.go): the process
// exits with status 137 right after the N-th journal write, or right after
// an Atlar answer has arrived but before the bridge could record it.
package crashtest
