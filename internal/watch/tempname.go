package watch

import "strings"

// tempSuffixes are the partial-file names of common writers: generic temp
// files, Firefox and curl (.part), WinSCP (.filepart), .partial, Chrome
// (.crdownload).
var tempSuffixes = []string{".tmp", ".part", ".filepart", ".partial", ".crdownload"}

// TempName reports whether a file name is a temp or partial name that the
// watcher never takes: *.tmp, *.part, *.filepart, *.partial, *.crdownload
// (in any letter case), ~* (Office lock files) and .* (hidden files, which
// includes the ".name.upload" temp files of the SFTP server). The watcher
// also never takes names ending with their route's done marker; those are
// markers, not payment files.
func TempName(name string) bool {
	if name == "" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") {
		return true
	}
	lower := strings.ToLower(name)
	for _, s := range tempSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}
