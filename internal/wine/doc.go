// Package wine runs the Windows build of the bridge end to end under Wine
// on Linux: `bridge.exe demo` with files dropped in its folders and uploaded
// over SFTP, and an inbox file that its writer still holds open.
//
// It holds only tests (and the holdfile helper program); they need Wine
// and the prefix that ../shared/tools/windows/setup.sh prepares, and skip
// without them unless WINE_E2E=1.
//
// # Caveats
//
//   - Wine 8 cannot os.RemoveAll a folder tree, so the tests never run `go
//     test` under Wine; the Windows programs are built with GOOS=windows
//     and driven from Linux, and the temp dirs are removed from Linux.
//   - Every test shares one Wine prefix; the cleanup's `wineserver -k` ends
//     every Wine process of that prefix, not only the test's.
package wine
