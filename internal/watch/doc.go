// Package watch finds complete files in inbox folders and hands them to a
// handler that claims them (SPEC §2): one at a time, or up to
// Options.Handlers at once, never two calls for the same file.
//
// A file is complete when its size and modification time have not changed
// for the settle time, measured on the injected clock from the first
// observation of that size and time; or, on a route with a done marker, when
// <name><marker> exists. Temp and partial names (TempName) are never taken,
// nor are folders and symlinks.
//
// fsnotify events make the watcher look at a file again at once, a deadline
// heap with a single clock timer hands it over when it has settled, and a
// periodic rescan (plus one at start-up) catches what events miss: network
// shares, overflowing event queues, files dropped while the bridge was down.
// One goroutine does all the bookkeeping and handler calls run on at most
// Options.Handlers more, so 10,000 files dropped at once cost 10,000 heap
// entries, not 10,000 goroutines.
//
// The watcher never opens the files it watches (on Windows an open handle
// would get in the writer's way); it only lists folders and stats files.
package watch
